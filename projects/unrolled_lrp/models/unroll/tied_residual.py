"""Tied inverse of a residual addition."""
from .signal_layout import multiply_by_map
from .trace import select_records
from .traced_record import TracedRecord


class TiedResidual(TracedRecord):
    """A residual block's sum ``branch(x) + shortcut(x)``: the decoder signal enters both
    the branch and the shortcut, and their decodings are summed (the proportional
    relevance split, in gradient form).

    ``output`` is the block's output after its ReLU (a reference to the tensor the
    following activation record holds). LRP rules for the sum (zennit's ``Norm``) divide by
    the sum; where the ReLU passes, the sum equals ``output``, and elsewhere the ReLU's
    Heaviside has already zeroed the signal, so the sum itself need not be kept.
    """

    kind = 'sum'

    def __init__(self, branch, shortcut, output):
        self.branch = branch
        self.shortcut = shortcut
        self.output = output

    def inner_records(self):
        """The chains inside the block, whose layers get rules of their own."""
        return (self.branch + self.shortcut, )

    def decode(self, decoder, signal):
        """The decoder step: the sum's rule (a factor of its output: the proportional
        split) and the signal into both chains, their decodings summed."""
        factor = decoder.rules[self].factor(self.output)
        if factor is not None:
            signal = multiply_by_map(signal, factor)
        return decoder.decode(self.branch, signal) + decoder.decode(self.shortcut, signal)

    @property
    def inputs(self):
        """The block's input (what its first layer, of the branch, was applied to)."""
        return self.branch[0].inputs

    def select(self, index):
        return TiedResidual(select_records(self.branch, index),
                            select_records(self.shortcut, index), self.output[index])
