"""Tied activation: where the encoder had a ReLU, the decoder applies its gate."""


class TiedActivation:
    """Holds the encoder's ReLU output ``a`` (B, C, H, W); the gate decides its use."""

    def __init__(self, activation):
        self.activation = activation

    def decode(self, signal, gate):
        return gate(signal, self.activation)

    def select(self, index):
        return TiedActivation(self.activation[index])
