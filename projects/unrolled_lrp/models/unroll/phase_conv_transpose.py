"""A strided transposed convolution as one stride-1 convolution per output phase.

oneDNN runs a transposed convolution with few output channels (the ResNet stem's 7x7
stride-2 inverse, back to the 3 image channels) at a fraction of its usual speed. Output
pixel ``S*i + a`` of a stride-``S`` transposed convolution only meets the kernel taps
``S*t + r_a``; each phase ``a`` is therefore a plain correlation of the signal with a
smaller kernel. All ``S*S`` phases run as one convolution with ``C*S*S`` output
channels, whose outputs are interleaved back into the ``S``-times larger image. Same
products, same sums: equal to ``conv_transpose2d`` up to rounding (measured 2x faster for
the stem on a CPU, tools/benchmarks/speed_benchmark.py).
"""
from functools import lru_cache

import torch
import torch.nn.functional as F


@lru_cache(maxsize=None)
def _axis_plan(kernel, stride, padding):
    """Along one axis: the left padding, the phase kernel size and, for each phase and
    phase-kernel position, the tap of the original kernel (``kernel`` = a zero tap)."""
    phases = []
    for phase in range(stride):
        offset, tap = divmod(phase + padding, stride)
        phases.append((offset, tap, -(-(kernel - tap) // stride)))
    left = max(taps - 1 - offset for offset, _, taps in phases)
    size = max(left + offset for offset, _, _ in phases) + 1
    table = [[kernel] * size for _ in range(stride)]
    for phase, (offset, tap, taps) in enumerate(phases):
        for position in range(size):
            step = left + offset - position
            if 0 <= step < taps:
                table[phase][position] = stride * step + tap
    return left, size, torch.tensor(table)


def conv_transpose_by_phases(signal, weight, stride, padding, out_size):
    """``conv_transpose2d(signal, weight, stride=stride, padding=padding)`` cropped or
    extended to ``out_size`` (what ``output_padding`` does); groups 1, dilation 1."""
    channels_in, channels = weight.shape[:2]
    plans = [_axis_plan(weight.shape[2 + i], stride[i], padding[i]) for i in range(2)]
    rows, cols = (plan[2].to(weight.device) for plan in plans)
    # phase kernel (C, S1, S2, O, U1, U2) gathered from the zero-padded weight (O, C, K1, K2)
    padded = F.pad(weight, (0, 1, 0, 1))
    kernel = padded[:, :, rows][:, :, :, :, cols].permute(1, 2, 4, 0, 3, 5)
    kernel = kernel.reshape(channels * stride[0] * stride[1], channels_in, plans[0][1],
                            plans[1][1])
    phase_size = [-(-out_size[i] // stride[i]) for i in range(2)]
    pads = []
    for i in (1, 0):  # F.pad order: last axis first
        left, size, _ = plans[i]
        pads += [left, phase_size[i] - signal.shape[2 + i] - left + size - 1]
    phases = F.conv2d(F.pad(signal, pads), kernel)
    batch = signal.shape[0]
    out = phases.view(batch, channels, stride[0], stride[1], *phase_size).permute(0, 1, 4, 2, 5, 3)
    out = out.reshape(batch, channels, phase_size[0] * stride[0], phase_size[1] * stride[1])
    return out[:, :, :out_size[0], :out_size[1]]
