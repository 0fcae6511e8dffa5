"""Tied activation: where the encoder had a ReLU, the decoder applies its activation rule."""
from .signal_layout import multiply_by_map
from .traced_record import TracedRecord


class TiedActivation(TracedRecord):
    """Holds the encoder's ReLU output ``a`` (B, C, H, W); the rule decides its use (the
    tied Heaviside ``H(a)`` for LRP)."""

    kind = 'activation'
    name = 'relu'
    multiply = staticmethod(multiply_by_map)

    def __init__(self, activation):
        self.activation = activation

    def decode(self, decoder, signal):
        """The decoder step: the gate of this ReLU's rule (the tied Heaviside for LRP-0)."""
        return decoder.rules[self].gate(self, signal)

    def select(self, index):
        return TiedActivation(self.activation[index])
