"""The classifier and its tied decoder, as an MMSeg decode head."""
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from ..unroll import build_gate, decode_heatmaps, pooled_logits


@MODELS.register_module()
class TiedHeavisideHead(BaseDecodeHead):
    """GAP + linear classifier whose decoder is the unrolled encoder.

    The head owns only the linear classifier (``conv_seg``, a 1x1 convolution, so
    its weight is the class matrix (K, C)). Everything else the decoder uses is a
    *reference* into the forward trace of the backbone: transposed convolutions with
    the encoder's weights, the encoder's BatchNorm scales, pooling indices and
    activations. ``forward`` takes that trace, not features.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_classes (int): Classes, background included.
        mode (str): 'lrp0' (tied Heavisides, the paper's model), 'epsilon' or
            'relu' (WS-AE); see :mod:`unrolled_lrp.models.unroll.gates`.
        eps (float): The epsilon of 'epsilon' mode.
        epsilon_scope (str): 'layer' (per convolution) or 'block' (once per
            residual block).
        class_chunk (int, optional): Decode this many classes at a time to bound
            memory; all at once by default.
    """

    def __init__(self, in_channels, num_classes, mode='lrp0', eps=1e-6, epsilon_scope='layer',
                 class_chunk=None, **kwargs):
        for key in ('channels', 'input_transform', 'out_channels', 'threshold'):
            if kwargs.get(key) is not None:
                raise ValueError(f'TiedHeavisideHead does not take {key!r}: the classifier '
                                 'maps the last feature map to num_classes scores')
        if kwargs.setdefault('dropout_ratio', 0) != 0:
            raise ValueError('TiedHeavisideHead needs dropout_ratio=0: the decoder is exact')
        super().__init__(in_channels, in_channels, num_classes=num_classes, **kwargs)
        self.mode = mode
        self.gate = build_gate(mode, eps, epsilon_scope)
        self.class_chunk = class_chunk

    @property
    def classifier_weight(self):
        return self.conv_seg.weight.flatten(1)

    def class_logits(self, features):
        """(B, K) scores of the last feature map (B, C, h, w)."""
        return pooled_logits(features, self.classifier_weight, self.conv_seg.bias)

    def forward(self, trace):
        """Heatmaps (B, K, H, W) of all classes for a :class:`ForwardTrace`."""
        logits = self.class_logits(trace.features)
        return decode_heatmaps(trace, self.classifier_weight, self.gate, logits,
                               class_chunk=self.class_chunk)
