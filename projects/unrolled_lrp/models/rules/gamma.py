"""LRP gamma: positive contributions favoured by a factor 1 + gamma."""
from .registry import LRP_RULES
from .term_rule import Term, TermRule


@LRP_RULES.register_module()
class Gamma(TermRule):
    """zennit's generalised ``Gamma``: where the output is positive, relevance follows
    ``W + gamma W+`` on positive inputs (``W + gamma W-`` on negative ones), where it is
    negative ``W + gamma W-`` (``W + gamma W+``); ``gamma=0`` is LRP-0 with a stabiliser."""

    def __init__(self, gamma=0.25, stabilizer=1e-6):
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        super().__init__(stabilizer)
        self.gamma = gamma

    def terms(self):
        def plus(param):
            return param + self.gamma * param.clamp(min=0)

        def minus(param):
            return param + self.gamma * param.clamp(max=0)

        return [Term('positive', plus, plus, 0), Term('negative', minus, None, 0),
                Term('positive', minus, minus, 1), Term('negative', plus, None, 1)]

    def group_mask(self, group, output):
        return (output > 0 if group == 0 else output < 0).to(output)
