"""A classifier the tied decoder can unroll, built from a config: backbone, global average
pooling, linear layer (the teacher and student of :class:`HeatmapDistiller`)."""
import torch.nn as nn
from mmseg.registry import MODELS

from ..unroll import UnrolledClassifier


class GAPLinearClassifier(UnrolledClassifier):
    """:class:`UnrolledClassifier` of a backbone config and a new ``nn.Linear(in_channels,
    num_classes)``; the layout (``backbone.*``, ``fc.*``) is that of an mmpretrain
    ``ImageClassifier`` with a linear head.

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
        super().__init__(MODELS.build(backbone), nn.Linear(in_channels, num_classes), composite,
                         class_chunk=class_chunk, init_cfg=init_cfg)
