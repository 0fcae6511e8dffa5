"""LRP z+ (alpha 1, beta 0): only the positive contributions carry relevance."""
from .registry import LRP_RULES
from .term_rule import Term, TermRule, negative_part, positive_part


@LRP_RULES.register_module()
class ZPlus(TermRule):
    """``z+ = W+ x+ + b+ + W- x-`` (zennit's ``ZPlus``): relevance flows along positive
    contributions only, so a positive output relevance stays positive all the way down."""

    def terms(self):
        return [Term('positive', positive_part, positive_part),
                Term('negative', negative_part, None)]
