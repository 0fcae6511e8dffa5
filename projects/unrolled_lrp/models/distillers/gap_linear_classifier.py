"""A classifier the tied decoder can unroll: backbone, global average pooling, linear layer."""
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from ..rules import build_composite
from ..unroll import check_backbone, classifier_heatmaps, pooled_logits


class GAPLinearClassifier(BaseModule):
    """``fc(GAP(backbone(x)[-1]))`` with its LRP heatmaps for any set of classes.

    Teacher and student of :class:`HeatmapDistiller` are both of this form; the layout
    (``backbone.*``, ``fc.*``) is that of an mmpretrain ``ImageClassifier`` with a linear head.

    Args:
        backbone (dict): Config of a backbone the decoder supports (see
            :func:`unrolled_lrp.models.unroll.check_backbone`).
        in_channels (int): Channels of the backbone's last feature map.
        num_classes (int): Classes of the linear layer.
        composite (str | dict): The LRP rule composite of the heatmaps, as the decode head
            takes it (``TiedHeavisideHead(composite=...)``); LRP-epsilon with epsilon 0.1 by
            default.
        class_chunk (int, optional): Decode this many classes at a time to bound memory.
    """

    def __init__(self, backbone, in_channels, num_classes,
                 composite=dict(type='LRPEpsilon', epsilon=0.1), class_chunk=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        check_backbone(self.backbone)
        self.fc = nn.Linear(in_channels, num_classes)
        self.composite = build_composite(composite)
        self.class_chunk = class_chunk

    def forward(self, inputs):
        """Class logits (B, K) through the backbone's own forward."""
        return pooled_logits(self.backbone(inputs)[-1], self.fc.weight, self.fc.bias)

    def heatmaps(self, inputs, classes=None):
        """Heatmaps (B, len(classes) or K, H, W) and the logits (B, K)."""
        return classifier_heatmaps(self.backbone, self.fc.weight, self.fc.bias, inputs,
                                   self.composite, class_chunk=self.class_chunk, classes=classes)
