"""The unrolled-LRP segmentor: a classifier trained through its own heatmaps."""
import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import add_prefix

from ..unroll import check_backbone, walk_backbone
from .image_level_supervision import (ImageLevelLoss, batch_image_labels, found_classes,
                                      pixel_labelled)


def present_class_argmax(scores, logits, background=0):
    """Arg max of scores (K, H, W) over background and the classes with logit >= 0."""
    absent = ~found_classes(logits, background)
    return scores.masked_fill(absent[:, None, None], float('-inf')).argmax(0, keepdim=True)


@MODELS.register_module()
class UnrolledLRP(EncoderDecoder):
    """Segmentation by the stacked LRP heatmaps of a classifier (paper Sec. 2).

    Losses: per-pixel softmax cross-entropy on the heatmaps of the samples that carry
    a mask (``decode.loss_ce``, weighted in ``decode_head.loss_decode``), and
    multi-label sigmoid BCE on the class logits of every sample (``loss_cls``,
    ``cls_loss``). The decoder runs only for masked samples.

    Image-level labels are ``data_sample.gt_image_labels`` (float multi-hot,
    ``num_classes``, index 0 = background); a masked sample without them gets them
    from its mask.

    Prediction: ``seg_logits`` are the head's pixel scores (the heatmaps times the
    head's scale), ``pred_sem_seg`` their arg max. With
    ``test_cfg=dict(suppress_absent_classes=True)`` the arg max runs only over the
    classes the classifier finds in the image (sigmoid(logit) >= 0.5) and background:
    a class the image-level decision rules out cannot claim stray pixels. In whole-image
    inference only those classes are then decoded; the others' ``seg_logits`` hold the
    lowest float (:meth:`TiedHeavisideHead.predict`).

    Args:
        cls_loss (dict): Config of the image-level loss (a sigmoid loss on logits).
        cls_exclude_background (bool): Leave the background logit out of ``cls_loss``
            (the reference setting: nearly every image contains background).
    """

    def __init__(self, backbone, decode_head, cls_loss=None, cls_exclude_background=True,
                 train_cfg=None, test_cfg=None, data_preprocessor=None, init_cfg=None, **kwargs):
        for key in ('neck', 'auxiliary_head'):
            if kwargs.get(key) is not None:
                raise ValueError(f'UnrolledLRP has no {key}: the decoder unrolls the backbone itself')
        # ConfigDicts, so that models built from plain dicts (Python API) work as from configs
        super().__init__(backbone, decode_head, train_cfg=ConfigDict(train_cfg or {}),
                         test_cfg=ConfigDict(test_cfg or dict(mode='whole')),
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg,
                         pretrained=kwargs.get('pretrained'))
        check_backbone(self.backbone)
        self.image_level_loss = ImageLevelLoss(cls_loss, cls_exclude_background)

    def class_logits(self, inputs):
        """(B, num_classes) scores, through the backbone's own forward."""
        return self.decode_head.class_logits(self.backbone(inputs)[-1])

    def _forward(self, inputs, data_samples=None):
        """Heatmaps (B, num_classes, H, W), summed over input channels."""
        return self.decode_head.forward(walk_backbone(self.backbone, inputs))

    def encode_decode(self, inputs, batch_img_metas):
        return self.decode_head.predict(
            walk_backbone(self.backbone, inputs), batch_img_metas, self.test_cfg)

    def predict(self, inputs, data_samples=None):
        """MMSeg's prediction plus ``pred_class_logits`` (K,); see the class doc."""
        results = super().predict(inputs, data_samples)
        suppress = self.test_cfg.get('suppress_absent_classes', False)
        for result, logits in zip(results, self.class_logits(inputs)):
            result.pred_class_logits = logits
            if suppress:
                result.pred_sem_seg.data = present_class_argmax(result.seg_logits.data, logits)
        return results

    def loss(self, inputs, data_samples):
        ignore_index = self.decode_head.ignore_index
        masked = pixel_labelled(data_samples, inputs.shape[-2:], self.num_classes, ignore_index)
        labels = batch_image_labels(data_samples, self.num_classes, ignore_index)
        trace = walk_backbone(self.backbone, inputs)
        losses = self.image_level_loss(self.decode_head.class_logits(trace.features), labels)
        if masked:
            index = torch.tensor(masked, device=inputs.device)
            losses.update(add_prefix(self.decode_head.loss(
                trace.select(index), [data_samples[i] for i in masked], self.train_cfg), 'decode'))
        return losses
