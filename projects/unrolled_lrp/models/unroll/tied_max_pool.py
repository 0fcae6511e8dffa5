"""Tied max-unpooling with the encoder's pooling indices."""
from .signal_layout import channels_last
from .traced_record import TracedRecord


class TiedMaxPool(TracedRecord):
    """Routes the signal back to the positions that won the max (the gradient; no LRP
    rule changes it).

    Overlapping windows (e.g. the ResNet stem's 3x3 stride-2 pool) can share a
    winner; the signals are then **summed** there, as the gradient does.
    ``torch.nn.functional.max_unpool2d`` overwrites instead, which breaks LRP-0.
    The scatter runs on the channels-last layout (:mod:`.signal_layout`), pixels as rows.
    """

    kind = 'maxpool'

    def __init__(self, indices, input_shape):
        self.indices = indices
        self.input_shape = tuple(input_shape)

    def decode(self, decoder, signal):
        """The decoder step, the same for every rule: back to the winners."""
        return self.unpool(signal)

    def unpool(self, signal):
        batch, classes, channels = signal.shape[:3]
        height, width = self.input_shape[2:]
        rows = channels_last(signal).permute(0, 1, 3, 4, 2).flatten(2, 3)  # (B, K, hw, C)
        index = self.indices.permute(0, 2, 3, 1).flatten(1, 2).unsqueeze(1).expand(
            batch, classes, -1, -1)
        out = signal.new_zeros(batch, classes, height * width, channels)
        out = out.scatter_add(2, index, rows)
        return out.unflatten(2, (height, width)).permute(0, 1, 4, 2, 3)

    def select(self, index):
        return TiedMaxPool(self.indices[index], (len(index), ) + self.input_shape[1:])
