"""The base of the segmentors that also classify: one backbone pass feeds both heads."""
import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder

from ..losses.image_level_supervision import ImageLevelLoss, batch_image_labels, pixel_labelled


class ImageLevelSegmentor(EncoderDecoder):
    """An ``EncoderDecoder`` with a classifier trained on image-level labels.

    Training: every sample trains the classifier (multi-label sigmoid loss on
    ``gt_image_labels``, ``loss_cls``); only the samples that carry a mask train the decoder
    (``decode.*``), which runs for them alone. Prediction: MMSeg's ``seg_logits`` and
    ``pred_sem_seg``, plus ``pred_class_logits`` (K,) per sample; in whole-image inference
    both come from one backbone pass (slide inference decodes window by window, so the
    class logits of the whole image take a pass of their own).

    Subclasses say what the backbone pass gives (:meth:`encode`) and how each head reads it
    (:meth:`classify`, :meth:`decode_loss`, :meth:`decode_predict`).

    Args:
        cls_loss (dict, optional): Config of the image-level loss (see :class:`ImageLevelLoss`).
        cls_exclude_background (bool): Leave the background logit out of ``cls_loss``.
        train_cfg, test_cfg, ...: as :class:`EncoderDecoder` (no unknown keywords: a typo
            is an error, not an ignored option; an ``auxiliary_head``, which no loss here
            would train, is refused).
    """

    def __init__(self, backbone, decode_head, cls_loss=None, cls_exclude_background=True,
                 neck=None, auxiliary_head=None, train_cfg=None, test_cfg=None,
                 data_preprocessor=None, pretrained=None, init_cfg=None):
        if auxiliary_head is not None:  # its loss would never be computed
            raise ValueError(f'{type(self).__name__} trains no auxiliary_head; remove it from '
                             'the config')
        # ConfigDicts, so that models built from plain dicts (Python API) work as from configs
        super().__init__(backbone, decode_head, neck=neck, auxiliary_head=auxiliary_head,
                         train_cfg=ConfigDict(train_cfg or {}),
                         test_cfg=ConfigDict(test_cfg or dict(mode='whole')),
                         data_preprocessor=data_preprocessor, pretrained=pretrained,
                         init_cfg=init_cfg)
        self.image_level_loss = ImageLevelLoss(cls_loss, cls_exclude_background)

    def encode(self, inputs):
        """What one backbone pass leaves for both heads."""
        raise NotImplementedError

    def classify(self, encoded):
        """(B, num_classes) class logits from :meth:`encode`'s result."""
        raise NotImplementedError

    def decode_loss(self, encoded, index, data_samples):
        """The decoder's losses for the samples ``index`` (1-D LongTensor) of a batch."""
        raise NotImplementedError

    def decode_predict(self, encoded, batch_img_metas):
        """Pixel scores (B, K, H, W) at the image size."""
        raise NotImplementedError

    def class_logits(self, inputs):
        """(B, num_classes) class logits of an image batch."""
        return self.classify(self.encode(inputs))

    def encode_decode(self, inputs, batch_img_metas):
        return self.decode_predict(self.encode(inputs), batch_img_metas)

    def predict(self, inputs, data_samples=None):
        """MMSeg's prediction plus ``pred_class_logits`` (K,) per sample."""
        if data_samples is not None:
            batch_img_metas = [sample.metainfo for sample in data_samples]
        else:
            batch_img_metas = [dict(ori_shape=inputs.shape[2:], img_shape=inputs.shape[2:],
                                    pad_shape=inputs.shape[2:], padding_size=[0, 0, 0, 0])
                               ] * inputs.shape[0]
        if self.test_cfg.get('mode', 'whole') == 'whole':
            encoded = self.encode(inputs)
            seg_logits = self.decode_predict(encoded, batch_img_metas)
            logits = self.classify(encoded)
        else:
            seg_logits = self.inference(inputs, batch_img_metas)
            logits = self.class_logits(inputs)
        results = self.postprocess_result(seg_logits, data_samples)
        for result, sample_logits in zip(results, logits):
            result.pred_class_logits = sample_logits
        return results

    def loss(self, inputs, data_samples):
        ignore_index = self.decode_head.ignore_index
        masked = pixel_labelled(data_samples, inputs.shape[-2:], self.num_classes, ignore_index)
        labels = batch_image_labels(data_samples, self.num_classes, ignore_index)
        encoded = self.encode(inputs)
        losses = self.image_level_loss(self.classify(encoded), labels)
        if masked:
            index = torch.tensor(masked, device=inputs.device)
            losses.update(self.decode_loss(encoded, index, [data_samples[i] for i in masked]))
        return losses
