"""LRP-0: the plain gradient (relevance = input x gradient)."""
from .base import LRPRule
from .registry import LRP_RULES


@LRP_RULES.register_module()
class Gradient(LRPRule):
    """LRP-0 (zennit's ``Epsilon(0)`` without its 0/0 at zero outputs): the transposed layer
    with its own weight, the residual signal passed unchanged, GAP spread uniformly. For a
    ReLU network with Heaviside activations the signal is exactly the input gradient."""

    sites = ('conv', 'linear', 'sum', 'avgpool')

    def propagate(self, layer, state, signal):
        return layer.transpose(signal, layer.weight)

    def relevance(self, layer, state, signal):
        return layer.input_relevance(layer.inputs, self.propagate(layer, state, signal))

    def factor(self, output):
        return None
