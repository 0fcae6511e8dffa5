"""Tied inverse of a residual addition."""
from .trace import decode_records, select_records


class TiedResidual:
    """The signal enters both the residual branch and the shortcut, and their
    decodings are summed (the proportional relevance split, in gradient form)."""

    def __init__(self, branch, shortcut):
        self.branch = branch
        self.shortcut = shortcut

    def decode(self, signal, gate):
        inner = gate.inner()
        return decode_records(self.branch, signal, inner) + decode_records(
            self.shortcut, signal, inner)

    def select(self, index):
        return TiedResidual(select_records(self.branch, index), select_records(self.shortcut, index))
