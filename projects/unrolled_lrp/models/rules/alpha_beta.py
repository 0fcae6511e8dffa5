"""LRP alpha-beta: positive and negative contributions weighted separately."""
from .registry import LRP_RULES
from .term_rule import Term, TermRule, negative_part, positive_part


@LRP_RULES.register_module()
class AlphaBeta(TermRule):
    """``alpha`` times the z+ relevance minus ``beta`` times the z- relevance (zennit's
    ``AlphaBeta``; ``alpha - beta = 1``, both >= 0)."""

    def __init__(self, alpha=2.0, beta=1.0, stabilizer=1e-6):
        if alpha < 0 or beta < 0 or alpha - beta != 1:
            raise ValueError(f'AlphaBeta needs alpha, beta >= 0 and alpha - beta = 1, '
                             f'got alpha={alpha}, beta={beta}')
        super().__init__(stabilizer)
        self.alpha = alpha
        self.beta = beta

    def terms(self):
        return [Term('positive', positive_part, positive_part, 0, coefficient=self.alpha),
                Term('negative', negative_part, None, 0, coefficient=self.alpha),
                Term('positive', negative_part, negative_part, 1, coefficient=-self.beta),
                Term('negative', positive_part, None, 1, coefficient=-self.beta)]
