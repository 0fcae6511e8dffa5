"""The multi-task UNet: a UNet plus a classifier branch trained on image-level labels."""
import torch
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from ..segmentors.image_level_supervision import (ImageLevelLoss, batch_image_labels,
                                                  pixel_labelled)


@MODELS.register_module()
class MultiTaskUNet(EncoderDecoder):
    """UNet whose encoder also feeds a GAP + linear classifier (paper, Sec. 3).

    Gives the UNet baseline the image-level labels during segmentation training, with
    the unrolled model's losses: multi-label sigmoid BCE on the class logits of every
    sample (``loss_cls``) and cross-entropy of the decoder on the samples that carry a
    mask (``decode.loss_ce``); the decoder runs for masked samples only.

    Args:
        cls_head (dict): Config of the classifier branch on the last backbone output
            (``LinearClassifierHead``).
        cls_loss (dict, optional): Config of the image-level loss (see
            :class:`ImageLevelLoss`).
        cls_exclude_background (bool): Leave the background logit out of ``cls_loss``.
        **kwargs: :class:`EncoderDecoder` arguments.
    """

    def __init__(self, backbone, decode_head, cls_head, cls_loss=None,
                 cls_exclude_background=True, train_cfg=None, test_cfg=None, **kwargs):
        # ConfigDicts, so that models built from plain dicts (Python API) work as from configs
        super().__init__(backbone, decode_head, train_cfg=ConfigDict(train_cfg or {}),
                         test_cfg=ConfigDict(test_cfg or dict(mode='whole')), **kwargs)
        self.cls_head = MODELS.build(cls_head)
        self.image_level_loss = ImageLevelLoss(cls_loss, cls_exclude_background)

    def class_logits(self, inputs):
        """(B, num_classes) scores of the classifier branch."""
        return self.cls_head(self.extract_feat(inputs)[-1])

    def predict(self, inputs, data_samples=None):
        """MMSeg's prediction plus ``pred_class_logits`` (K,) per sample."""
        results = super().predict(inputs, data_samples)
        for result, logits in zip(results, self.class_logits(inputs)):
            result.pred_class_logits = logits
        return results

    def loss(self, inputs, data_samples):
        ignore_index = self.decode_head.ignore_index
        masked = pixel_labelled(data_samples, inputs.shape[-2:], self.num_classes, ignore_index)
        labels = batch_image_labels(data_samples, self.num_classes, ignore_index)
        features = self.extract_feat(inputs)
        losses = self.image_level_loss(self.cls_head(features[-1]), labels)
        if masked:
            index = torch.tensor(masked, device=inputs.device)
            losses.update(self._decode_head_forward_train(
                [feature[index] for feature in features], [data_samples[i] for i in masked]))
        return losses
