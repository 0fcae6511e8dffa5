"""Decoder rules: how the tied decoder gates its signal at each encoder ReLU.

The decoder carries the *gradient-form* signal ``s`` (relevance = activation * s), so
a rule is just a factor applied where the encoder had a ReLU (zennit separates
*what* rule from *where* it applies in the same way):

* ``lrp0``: the tied Heaviside ``H(z)``. The signal is then exactly the input
  gradient of the class logit, and the gate carries no gradient into the encoder.
* ``epsilon``: ``a / (a + eps)`` with ``a`` the ReLU output, which is LRP-epsilon's
  stabilised division folded into the gate; it is differentiable in ``a``, so a
  heatmap loss also trains the encoder's activations.
* ``relu``: a standard ReLU on the decoder signal (the WS-AE ablation); the encoder
  activation is not used at all.

``scope='block'`` (epsilon only) applies the stabiliser once per residual block:
the gates inside a block's branches fall back to the Heaviside, so each block acts
as one dense layer from its input to its output.
"""
import torch

from .signal_layout import channels_last_map

DECODER_MODES = ('lrp0', 'epsilon', 'relu')
EPSILON_SCOPES = ('layer', 'block')


class HeavisideGate:
    """``s * H(a)``: the ReLU derivative, taken from the encoder's own activation."""

    def __call__(self, signal, activation):
        return signal * channels_last_map((activation > 0).to(signal.dtype)).unsqueeze(1)

    def inner(self):
        return self

    def top_factor(self, logits):
        return torch.ones_like(logits)


class EpsilonGate:
    """``s * a / (a + eps)``: LRP-epsilon for the layer below this ReLU."""

    def __init__(self, eps, scope='layer'):
        if eps < 0:
            raise ValueError(f'epsilon must be >= 0, got {eps}')
        if scope not in EPSILON_SCOPES:
            raise ValueError(f'epsilon scope must be one of {EPSILON_SCOPES}, got {scope!r}')
        self.eps = eps
        self.scope = scope

    def __call__(self, signal, activation):
        activation = channels_last_map(activation).unsqueeze(1)
        if self.eps == 0:
            return signal * (activation > 0).to(signal.dtype)
        return signal * (activation / (activation + self.eps))

    def inner(self):
        return HeavisideGate() if self.scope == 'block' else self

    def top_factor(self, logits):
        """``z / (z + eps * sign(z))`` of the linear classifier, with sign(0) = +1."""
        sign = torch.where(logits >= 0, 1.0, -1.0).to(logits.dtype)
        return logits / (logits + self.eps * sign)


class ReLUGate:
    """``relu(s)``: free activations on the decoder signal (WS-AE)."""

    def __call__(self, signal, activation):
        return torch.relu(signal)

    def inner(self):
        return self

    def top_factor(self, logits):
        return torch.ones_like(logits)


def build_gate(mode, eps=1e-6, scope='layer'):
    """The gate of a decoder mode; ``eps`` and ``scope`` matter for ``epsilon`` only."""
    if mode == 'lrp0':
        return HeavisideGate()
    if mode == 'epsilon':
        return EpsilonGate(eps, scope)
    if mode == 'relu':
        return ReLUGate()
    raise ValueError(f'decoder mode must be one of {DECODER_MODES}, got {mode!r}')
