"""The forward trace: what the encoder pass leaves for its tied decoder.

It is an explicit object handed from encoder to decoder (nothing is stashed on the
modules), so a model can be traced any number of times at any input size.
"""
from dataclasses import dataclass


def decode_records(records, signal, gate):
    """Runs the tied inverses of ``records`` in reverse order."""
    for record in reversed(records):
        signal = record.decode(signal, gate)
    return signal


def select_records(records, index):
    return [record.select(index) for record in records]


@dataclass
class ForwardTrace:
    """``records``: tied inverses in forward order; ``features``: the last feature map
    (B, C, h, w); ``inputs``: the image batch the trace was taken on."""

    records: list
    features: object
    inputs: object

    def decode(self, signal, gate):
        """Decodes a (B, K, C, h, w) signal at the features to (B, K, C_in, H, W)."""
        return decode_records(self.records, signal, gate)

    def select(self, index):
        """The trace of the samples ``index`` (a 1-D LongTensor) only."""
        return ForwardTrace(
            select_records(self.records, index), self.features[index], self.inputs[index])
