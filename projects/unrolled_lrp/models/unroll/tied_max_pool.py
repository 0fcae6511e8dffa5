"""Tied max-unpooling with the encoder's pooling indices."""


class TiedMaxPool:
    """Routes the signal back to the positions that won the max.

    Overlapping windows (e.g. the ResNet stem's 3x3 stride-2 pool) can share a
    winner; the signals are then **summed** there, as the gradient does.
    ``torch.nn.functional.max_unpool2d`` overwrites instead, which breaks LRP-0.
    """

    def __init__(self, indices, input_shape):
        self.indices = indices
        self.input_shape = tuple(input_shape)

    def decode(self, signal, gate):
        batch, classes, channels = signal.shape[:3]
        height, width = self.input_shape[2:]
        index = self.indices.flatten(2).unsqueeze(1).expand(batch, classes, -1, -1)
        out = signal.new_zeros(batch, classes, channels, height * width)
        out = out.scatter_add(3, index, signal.flatten(3))
        return out.unflatten(3, (height, width))

    def select(self, index):
        return TiedMaxPool(self.indices[index], (len(index), ) + self.input_shape[1:])
