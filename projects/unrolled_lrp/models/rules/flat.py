"""LRP flat: relevance spread uniformly over each output's receptive field."""
import torch

from .registry import LRP_RULES
from .term_rule import Term, TermRule


def ones(param):
    return torch.ones_like(param)


@LRP_RULES.register_module()
class Flat(TermRule):
    """Inputs and weights set to one, no bias (zennit's ``Flat``): the heatmap no longer
    depends on the pixel values, only on which outputs were relevant. Input layer only."""

    input_layer_only = True

    def terms(self):
        return [Term('ones', ones, None)]
