"""Global average pooling and a linear layer on the encoder: the multi-task UNet's branch."""
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import nn

from ..unroll import pooled_logits


@MODELS.register_module()
class LinearClassifierHead(BaseModule):
    """(B, C, h, w) features -> (B, K) class logits, as the unrolled model's classifier.

    The linear layer is a 1x1 convolution named ``conv_seg`` like the unrolled model's
    (``TiedHeavisideHead.conv_seg``), so both start from the same converted classifier
    checkpoint (``init_cfg=dict(type='Pretrained', prefix='decode_head.', ...)``).

    Args:
        in_channels (int): Channels of the last encoder stage.
        num_classes (int): Classes, background included.
    """

    def __init__(self, in_channels, num_classes,
                 init_cfg=dict(type='Normal', std=0.01, override=dict(name='conv_seg'))):
        super().__init__(init_cfg=init_cfg)
        self.conv_seg = nn.Conv2d(in_channels, num_classes, kernel_size=1)

    def forward(self, features):
        return pooled_logits(features, self.conv_seg.weight.flatten(1), self.conv_seg.bias)
