"""All-class heatmaps of a classifier ``linear(GAP(backbone(x)))`` through its tied decoder."""
import torch

from .gates import build_gate
from .walk import walk_backbone


def pooled_logits(features, weight, bias):
    """Global average pooling followed by the linear layer: (B, C, h, w) -> (B, K)."""
    logits = features.mean(dim=(2, 3)) @ weight.t()
    return logits if bias is None else logits + bias


def decode_heatmaps(trace, weight, gate, logits, classes=None, class_chunk=None):
    """Heatmaps (B, K, H, W) of ``trace`` for the rows ``classes`` of ``weight``.

    GAP + linear is the class-specific 1x1 bottleneck: the class row spread uniformly
    over the final feature map (/ its number of pixels). Classes are folded into the
    batch and decoded together, or ``class_chunk`` at a time to bound memory.
    """
    if classes is not None:
        weight, logits = weight[classes], logits[:, classes]
    height, width = trace.features.shape[-2:]
    chunk = class_chunk or weight.shape[0]
    heatmaps = []
    for start in range(0, weight.shape[0], chunk):
        rows = weight[start:start + chunk] / (height * width)
        factor = gate.top_factor(logits[:, start:start + chunk])
        signal = (factor[:, :, None] * rows[None])[..., None, None].expand(-1, -1, -1, height, width)
        input_signal = trace.decode(signal, gate)
        heatmaps.append(torch.einsum('bchw,bkchw->bkhw', trace.inputs, input_signal))
    return torch.cat(heatmaps, dim=1)


def classifier_heatmaps(backbone, weight, bias, inputs, mode='lrp0', eps=1e-6, class_chunk=None,
                        classes=None, scope='layer'):
    """Heatmaps (B, K, H, W) and logits (B, K) of a backbone + GAP + linear classifier.

    ``mode``: 'lrp0' (input x gradient), 'epsilon' (LRP-epsilon, ``scope`` 'layer' or
    'block' for ResNets) or 'relu' (WS-AE decoder); see :mod:`.gates`.
    """
    trace = walk_backbone(backbone, inputs)
    logits = pooled_logits(trace.features, weight, bias)
    gate = build_gate(mode, eps, scope)
    return decode_heatmaps(trace, weight, gate, logits, classes, class_chunk), logits
