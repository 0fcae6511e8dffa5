"""LRP rules of the tied decoder (what), composites that assign them to layers (where)."""
from .activation_rules import EpsilonGate, Heaviside, SignalReLU
from .alpha_beta import AlphaBeta
from .base import LRPRule, stabilize
from .epsilon import Epsilon
from .flat import Flat
from .gamma import Gamma
from .gradient import Gradient
from .layer_map_composite import LayerMapComposite, Site
from .norm import Norm
from .presets import (WSAE, LRP0, EpsilonAlpha2Beta1Flat, EpsilonGammaBox, EpsilonPlusFlat,
                      LRPEpsilon)
from .registry import LRP_COMPOSITES, LRP_RULES, build_composite, build_rule
from .term_rule import Term, TermRule
from .w_square import WSquare
from .z_box import ZBox
from .z_plus import ZPlus

__all__ = [
    'LRPRule', 'stabilize', 'Term', 'TermRule', 'Gradient', 'Epsilon', 'Norm', 'ZPlus',
    'AlphaBeta', 'Gamma', 'Flat', 'WSquare', 'ZBox', 'Heaviside', 'EpsilonGate', 'SignalReLU',
    'Site', 'LayerMapComposite', 'LRP0', 'LRPEpsilon', 'WSAE', 'EpsilonPlusFlat',
    'EpsilonGammaBox', 'EpsilonAlpha2Beta1Flat', 'LRP_RULES', 'LRP_COMPOSITES', 'build_rule',
    'build_composite'
]
