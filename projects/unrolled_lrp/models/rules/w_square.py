"""LRP w²: relevance spread by the squared weights."""
from .registry import LRP_RULES
from .term_rule import Term, TermRule


def square(param):
    return param.square()


@LRP_RULES.register_module()
class WSquare(TermRule):
    """Inputs set to one, weights and bias squared (zennit's ``WSquare``): for unbounded
    inputs. Input layer only."""

    input_layer_only = True

    def terms(self):
        return [Term('ones', square, square)]
