"""Runs encoder layers once and records the tied inverse of each.

Walkers call these instead of the modules' ``forward`` so that every ReLU output,
pooling index and input shape lands in the trace. Each module is still called
through ``__call__`` exactly once, so BatchNorm updates its running statistics
once, as in a plain forward pass.
"""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from .tied_activation import TiedActivation
from .tied_conv import TiedConv
from .tied_max_pool import TiedMaxPool


class UnsupportedLayerError(TypeError):
    """A layer the tied decoder has no exact inverse for."""


def _plain_conv_forwards():
    """Conv2d classes whose forward is the plain convolution (mmcv's wrapper only adds
    empty-tensor support); weight-standardised or deformable convolutions are not."""
    from mmcv.cnn.bricks.wrappers import Conv2d as MMCVConv2d
    return (nn.Conv2d.forward, MMCVConv2d.forward)


def _check_conv(conv, where):
    if not isinstance(conv, nn.Conv2d) or type(conv).forward not in _plain_conv_forwards():
        raise UnsupportedLayerError(
            f'{where}: {type(conv).__name__} is not supported by the tied decoder '
            '(only plain Conv2d; no deformable, weight-standardised or custom convolutions)')
    if conv.padding_mode != 'zeros' or isinstance(conv.padding, str):
        raise UnsupportedLayerError(
            f'{where}: Conv2d with padding={conv.padding!r}, padding_mode={conv.padding_mode!r} '
            'is not supported (only numeric zero padding)')


def batch_moments(x, synced=False):
    """Per-channel mean and variance of a batch (B, C, H, W); over all processes for
    SyncBatchNorm, which normalises with the statistics of the global batch."""
    if not (synced and dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1):
        return x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)
    moments = torch.stack([x.sum(dim=(0, 2, 3)), x.square().sum(dim=(0, 2, 3)),
                           x.new_full((x.shape[1], ), x.numel() / x.shape[1])])
    dist.all_reduce(moments)
    total, squares, count = moments
    mean = total / count
    return mean, squares / count - mean.square()


def batch_norm_affine(norm, x, where):
    """BatchNorm as the per-channel affine map ``x * scale + shift`` it applies in this
    forward pass: ``scale = gamma / sqrt(var + eps)``, ``shift = beta - mean * scale``, with
    the batch statistics in training (detached) and the running ones in eval mode."""
    if not isinstance(norm, _BatchNorm):
        raise UnsupportedLayerError(
            f'{where}: normalisation {type(norm).__name__} is not supported (only BatchNorm)')
    if norm.training or norm.running_var is None:
        mean, var = batch_moments(x.detach(), synced=isinstance(norm, nn.SyncBatchNorm))
    else:
        mean, var = norm.running_mean, norm.running_var
    scale = (var + norm.eps).rsqrt()
    if norm.affine:
        scale = scale * norm.weight
    shift = -mean * scale
    return scale, shift + norm.bias if norm.affine else shift


def conv_norm(records, conv, norm, x, where):
    """``norm(conv(x))`` (``norm`` may be None), recorded as one tied convolution."""
    _check_conv(conv, where)
    out = conv(x)
    scale = shift = None
    if norm is not None:
        scale, shift = batch_norm_affine(norm, out, where)
        out = norm(out)
    records.append(TiedConv(conv, scale, shift, x, out, where))
    return out


def relu(records, x):
    out = F.relu(x)
    records.append(TiedActivation(out))
    return out


def max_pool(records, pool, x, where):
    if not isinstance(pool, nn.MaxPool2d):
        raise UnsupportedLayerError(f'{where}: pooling {type(pool).__name__} is not supported')
    out, indices = F.max_pool2d(
        x, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode,
        return_indices=True)
    records.append(TiedMaxPool(indices, x.shape))
    return out
