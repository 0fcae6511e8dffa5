"""The multi-task UNet: a UNet plus a classifier branch trained on image-level labels."""
from mmseg.registry import MODELS

from .image_level_segmentor import ImageLevelSegmentor


@MODELS.register_module()
class MultiTaskUNet(ImageLevelSegmentor):
    """UNet whose encoder also feeds a GAP + linear classifier (paper, Sec. 3).

    Gives the UNet baseline the image-level labels during segmentation training, with
    the unrolled model's losses: multi-label sigmoid BCE on the class logits of every
    sample (``loss_cls``) and cross-entropy of the decoder on the samples that carry a
    mask (``decode.loss_ce``); the decoder runs for masked samples only.

    Args:
        cls_head (dict): Config of the classifier branch on the last backbone output
            (``LinearClassifierHead``).
        **kwargs: :class:`ImageLevelSegmentor` arguments (``cls_loss``, ...).
    """

    def __init__(self, backbone, decode_head, cls_head, **kwargs):
        super().__init__(backbone, decode_head, **kwargs)
        self.cls_head = MODELS.build(cls_head)

    def encode(self, inputs):
        """The backbone's (and neck's) feature maps."""
        return self.extract_feat(inputs)

    def classify(self, features):
        return self.cls_head(features[-1])

    def decode_loss(self, features, index, data_samples):
        return self._decode_head_forward_train([feature[index] for feature in features],
                                               data_samples)

    def decode_predict(self, features, batch_img_metas):
        return self.decode_head.predict(features, batch_img_metas, self.test_cfg)
