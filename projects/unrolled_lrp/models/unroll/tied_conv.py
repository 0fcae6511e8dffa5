"""Tied inverse of a convolution (with the BatchNorm that follows it)."""
import torch
import torch.nn.functional as F

from .phase_conv_transpose import conv_transpose_by_phases
from .signal_layout import channels_last, multiply_by_map
from .traced_record import TracedRecord

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


class TiedConv(TracedRecord):
    """A convolution (with the BatchNorm that follows it) as the decoder sees it.

    ``scale`` and ``shift`` are the per-output-channel affine map of a following BatchNorm
    in this forward pass (:func:`.trace_builder.batch_norm_affine`), or ``None``; the
    layer then is the single convolution with :attr:`weight` and :attr:`bias` (BatchNorm
    merged, as zennit's canonizers do). ``inputs`` is the tensor the convolution was applied
    to (a reference, no copy); its shape fixes the output size of the transposed
    convolution, so any input size decodes back to itself. ``outputs`` is what the encoder's
    own forward gave (after the BatchNorm): rules divide by it as it is, so that the pixel
    loss's gradient also flows through the batch statistics there, as in autograd. Rules
    (:mod:`..rules`) decide what is propagated; this class knows how the layer maps forward
    and backward.
    """

    kind = 'conv'

    def __init__(self, conv, scale, shift, inputs, outputs, name='conv'):
        self.conv = conv
        self.scale = scale
        self.shift = shift
        self.inputs = inputs
        self.outputs = outputs
        self.name = name

    @property
    def input_shape(self):
        return tuple(self.inputs.shape)

    @property
    def weight(self):
        """The weight with the BatchNorm scale folded in (into the small weight rather than
        onto the large signal)."""
        weight = self.conv.weight
        return weight if self.scale is None else weight * self.scale.view(-1, 1, 1, 1)

    @property
    def bias(self):
        bias = self.conv.bias
        if self.scale is None:
            return bias
        return self.shift if bias is None else bias * self.scale + self.shift

    def forward(self, inputs, weight, bias=None):
        """The convolution's geometry applied to (modified) ``inputs`` and ``weight``."""
        conv = self.conv
        return F.conv2d(inputs, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups)

    def transpose(self, signal, weight):
        """The tied transposed convolution of a (B, K, C_out, h, w) signal with ``weight``
        (shaped like the convolution's), to (B, K, C_in, H, W), in the signal's dtype."""
        conv = self.conv
        weight = weight.to(signal.dtype)
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

    multiply = staticmethod(multiply_by_map)

    def decode(self, decoder, signal):
        """The decoder step: the signal through this layer by its rule."""
        return decoder.propagate(self, signal)

    @staticmethod
    def input_relevance(inputs, signal):
        """Relevance (B, K, H, W) of the (B, C, H, W) ``inputs`` for their signal, summed
        over channels in the inputs' dtype (float32 heatmaps from a bfloat16 signal)."""
        return torch.einsum('bchw,bkchw->bkhw', inputs, signal.to(inputs.dtype))

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
        return TiedConv(self.conv, self.scale, self.shift, self.inputs[index],
                        self.outputs[index], self.name)
