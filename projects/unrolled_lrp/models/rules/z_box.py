"""LRP z^B: the input layer rule for inputs bounded by ``low`` and ``high``."""
import torch

from .registry import LRP_RULES
from .term_rule import Term, TermRule, negative_part, positive_part


@LRP_RULES.register_module()
class ZBox(TermRule):
    """``R = x * W^T q - low * W+^T q - high * W-^T q`` with
    ``q = R_out / stab(W x - W+ low - W- high)`` (zennit's ``ZBox``). ``low`` and ``high`` are
    the lowest and highest input values *after* the data preprocessor: floats, or one value
    per input channel. Input layer only."""

    input_layer_only = True

    def __init__(self, low, high, stabilizer=1e-6):
        super().__init__(stabilizer)
        self.low = low
        self.high = high

    def terms(self):
        # the bias cancels from the denominator (b - b+ - b-): left out, so that it gets no
        # gradient from a sum that does not depend on it
        return [Term('x', bias=None),
                Term('low', positive_part, None, sign=-1.0, coefficient=-1.0),
                Term('high', negative_part, None, sign=-1.0, coefficient=-1.0)]

    def term_input(self, name, inputs):
        if name not in ('low', 'high'):
            return super().term_input(name, inputs)
        bound = torch.as_tensor(getattr(self, name), dtype=inputs.dtype, device=inputs.device)
        if bound.ndim == 1:
            if len(bound) != inputs.shape[1]:
                raise ValueError(f'ZBox: {name} has {len(bound)} values for '
                                 f'{inputs.shape[1]} input channels')
            bound = bound.view(1, -1, 1, 1)
        return bound.expand_as(inputs)
