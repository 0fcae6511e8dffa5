"""Tied inverse of a convolution (with the BatchNorm that follows it)."""
import torch.nn.functional as F

from .phase_conv_transpose import conv_transpose_by_phases
from .signal_layout import channels_last

# a strided inverse back to this many channels (the image's) runs phase by phase
PHASES_MAX_CHANNELS = 4


def strided_pointwise_conv_transpose(signal, weight, stride, out_size):
    """A 1x1 stride-``S`` transposed convolution of a channels-last (N, O, h, w) signal:
    the stride-1 one, with ``S - 1`` zero rows and columns after each pixel, cropped to
    ``out_size``. PyTorch 2.14's oneDNN backward of the strided one corrupts the heap on
    channels-last input with 8 output channels ("double free or corruption")."""
    out = F.conv_transpose2d(signal, weight).permute(0, 2, 3, 1)  # (N, h, w, C)
    batch, height, width, channels = out.shape
    out = F.pad(out[:, :, None, :, None], (0, 0, 0, stride[1] - 1, 0, 0, 0, stride[0] - 1))
    out = out.reshape(batch, height * stride[0], width * stride[1], channels)
    return out[:, :out_size[0], :out_size[1]].permute(0, 3, 1, 2)


class TiedConv:
    """Transposed convolution with the encoder's own weight.

    ``scale`` is the per-output-channel factor ``gamma / sqrt(var + eps)`` of a
    following BatchNorm (statistics of the forward pass, detached; ``gamma`` keeps its
    gradient), or ``None``; it is folded into the (small) weight rather than applied to
    the (large) signal. ``input_shape`` fixes the output size of the transposed
    convolution, so any input size decodes back to itself.
    """

    def __init__(self, conv, scale, input_shape):
        self.conv = conv
        self.scale = scale
        self.input_shape = tuple(input_shape)

    def decode(self, signal, gate):
        conv = self.conv
        weight = conv.weight if self.scale is None else conv.weight * self.scale.view(-1, 1, 1, 1)
        flat = channels_last(signal).flatten(0, 1)
        if self.strided_pointwise():
            flat = strided_pointwise_conv_transpose(flat, weight, conv.stride,
                                                    self.input_shape[2:])
        elif self.by_phases():
            flat = conv_transpose_by_phases(flat, weight, conv.stride, conv.padding,
                                            self.input_shape[2:])
        else:
            output_padding = tuple(
                self.input_shape[2 + i] - ((flat.shape[2 + i] - 1) * conv.stride[i] -
                                           2 * conv.padding[i] + conv.dilation[i] *
                                           (conv.kernel_size[i] - 1) + 1) for i in range(2))
            flat = F.conv_transpose2d(flat, weight, None, conv.stride, conv.padding,
                                      output_padding, conv.groups, conv.dilation)
        return flat.unflatten(0, signal.shape[:2])

    def strided_pointwise(self):
        """Whether this is a strided 1x1 inverse (a ResNet downsample shortcut), done by
        :func:`strided_pointwise_conv_transpose`."""
        conv = self.conv
        return (tuple(conv.kernel_size) == (1, 1) and max(conv.stride) > 1
                and tuple(conv.padding) == (0, 0) and conv.groups == 1)

    def by_phases(self):
        """Whether :func:`conv_transpose_by_phases` does this inverse (it is faster there)."""
        conv = self.conv
        return (conv.in_channels <= PHASES_MAX_CHANNELS and max(conv.stride) > 1
                and conv.groups == 1 and tuple(conv.dilation) == (1, 1))

    def select(self, index):
        return TiedConv(self.conv, self.scale, (len(index), ) + self.input_shape[1:])
