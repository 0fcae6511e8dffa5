"""Rules at the encoder's ReLUs."""
import torch

from .base import LRPRule
from .registry import LRP_RULES


@LRP_RULES.register_module()
class Heaviside(LRPRule):
    """``s * H(a)``: relevance passes the ReLU unchanged (zennit's ``Pass``), which in
    gradient form is the ReLU's derivative taken from the encoder's own activation: the
    paper's tied Heaviside. It carries no gradient into the encoder."""

    sites = ('activation', )

    def gate(self, layer, signal):
        return layer.multiply(signal, (layer.activation > 0).to(signal.dtype))


@LRP_RULES.register_module()
class EpsilonGate(LRPRule):
    """``s * a / (a + eps)``: LRP-epsilon of the layer below this ReLU (a convolution, or a
    residual sum with its branches) folded into the ReLU; the paper's LRP-epsilon rows. It is
    differentiable in ``a``, so a heatmap loss also trains the encoder's activations.
    ``epsilon=0`` is the Heaviside."""

    sites = ('activation', )

    def __init__(self, epsilon):
        if not epsilon >= 0:
            raise ValueError(f'epsilon must be >= 0, got {epsilon}')
        self.epsilon = epsilon

    def gate(self, layer, signal):
        if self.epsilon == 0:
            return Heaviside().gate(layer, signal)
        activation = layer.activation
        return layer.multiply(signal, activation / (activation + self.epsilon))


@LRP_RULES.register_module()
class SignalReLU(LRPRule):
    """``relu(s)``: a free ReLU on the decoder signal, the encoder's activation unused (the
    WS-AE ablation: tied weights and unpooling, standard activations). Not an LRP rule."""

    sites = ('activation', )

    def gate(self, layer, signal):
        return torch.relu(signal)
