"""zennit's Norm: relevance split in proportion to the inputs of a weightless layer."""
from .epsilon import Epsilon
from .registry import LRP_RULES


@LRP_RULES.register_module()
class Norm(Epsilon):
    """``R_i = x_i R_out / stab(sum_j x_j)`` on residual sums and average pooling (zennit's
    presets use it there), the stabiliser only for numerical safety."""

    sites = ('sum', 'avgpool')

    def __init__(self, stabilizer=1e-6):
        super().__init__(epsilon=stabilizer)
