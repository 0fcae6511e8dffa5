"""Memory layout of the decoder: channels last.

A decoder signal is logically (B, K, C, h, w) (samples, classes, channels, pixels) and is
kept in memory as (B, K, h, w, C); the encoder tensors the gates multiply it with (ReLU
outputs) are brought to the same layout. oneDNN, which runs PyTorch's CPU convolutions, does
transposed convolutions on channels-last input 1.5-4x faster than on (B, C, h, w) input
(tools/benchmarks/speed_benchmark.py measures the whole decoder), and element-wise products of
operands in one layout need no strided gathers.
"""
import torch


def channels_last(signal):
    """A (B, K, C, h, w) signal in the (B, K, h, w, C) layout; no copy when it has it."""
    return signal.permute(0, 1, 3, 4, 2).contiguous().permute(0, 1, 4, 2, 3)


def channels_last_map(tensor):
    """A (B, C, h, w) encoder tensor in the (B, h, w, C) layout; no copy when it has it."""
    return tensor.contiguous(memory_format=torch.channels_last)


def multiply_by_map(signal, tensor):
    """A (B, K, C, h, w) signal times a per-sample (B, C, h, w) tensor, for every class, in
    the signal's dtype (a bfloat16 decoder keeps its signal in bfloat16)."""
    return signal * channels_last_map(tensor).to(signal.dtype).unsqueeze(1)
