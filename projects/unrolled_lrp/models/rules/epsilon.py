"""LRP-epsilon: the output relevance divided by the stabilised output."""
from .base import stabilize
from .gradient import Gradient
from .registry import LRP_RULES
from .term_rule import Term, TermRule


@LRP_RULES.register_module()
class Epsilon(TermRule):
    """``R_in = x * W^T (R_out / (z + eps * sign z))`` (zennit's ``Epsilon``); on a residual
    sum or a pooling layer ``R_i = x_i R_out / (z + eps sign z)``. ``epsilon=0`` is LRP-0
    (:class:`.Gradient`), exactly, without zennit's 0/0 where an output is zero."""

    sites = ('conv', 'linear', 'sum', 'avgpool')

    def __init__(self, epsilon=1e-6):
        if not epsilon >= 0:
            raise ValueError(f'epsilon must be >= 0, got {epsilon}')
        super().__init__(stabilizer=epsilon)
        self.epsilon = epsilon

    def terms(self):
        return [Term()]

    def prepare(self, layer, signed):
        return None if self.epsilon == 0 else super().prepare(layer, signed)

    def propagate(self, layer, state, signal):
        if state is None:
            return Gradient().propagate(layer, state, signal)
        return super().propagate(layer, state, signal)

    def relevance(self, layer, state, signal):
        if state is None:
            return Gradient().relevance(layer, state, signal)
        return super().relevance(layer, state, signal)

    def factor(self, output):
        return None if self.epsilon == 0 else output / stabilize(output, self.epsilon)
