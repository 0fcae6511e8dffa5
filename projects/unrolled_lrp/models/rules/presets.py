"""Named composites: the paper's decoders and zennit's presets.

zennit's presets (``EpsilonPlusFlat``, ``EpsilonGammaBox``, ``EpsilonAlpha2Beta1Flat``) give
every convolution the lower-layer rule, the first one the input rule, the linear layer
epsilon, residual sums and average pooling ``Norm``; ``layer_map`` entries go before the
preset's own, as in zennit (e.g. ``dict(rule=dict(type='Epsilon', epsilon=0.25), stages=(4,))``
for epsilon in the last stage).
"""
from .registry import LRP_COMPOSITES
from .layer_map_composite import LayerMapComposite

EPSILON_SCOPES = ('layer', 'block')


@LRP_COMPOSITES.register_module()
class LRP0(LayerMapComposite):
    """LRP-0 everywhere: the heatmaps are input x gradient (the paper's unrolled LRP)."""

    def __init__(self):
        super().__init__()


@LRP_COMPOSITES.register_module()
class LRPEpsilon(LayerMapComposite):
    """The paper's LRP-epsilon rows: epsilon on every layer followed by a ReLU (folded into
    the ReLU, :class:`.EpsilonGate`) and on the linear layer. ``scope='block'`` stabilises a
    residual block once, at its output ReLU: inside the branches the gates are Heavisides,
    so the block is decoded as its exact gradient, "each block as a single dense layer"."""

    def __init__(self, epsilon=1e-6, scope='layer'):
        if scope not in EPSILON_SCOPES:
            raise ValueError(f'epsilon scope must be one of {EPSILON_SCOPES}, got {scope!r}')
        inner = [dict(rule='Heaviside', in_branch=True)] if scope == 'block' else []
        super().__init__(inner + [
            dict(rule=dict(type='EpsilonGate', epsilon=epsilon)),
            dict(rule=dict(type='Epsilon', epsilon=epsilon), kinds=('linear', ))])
        self.epsilon = epsilon
        self.scope = scope


@LRP_COMPOSITES.register_module()
class WSAE(LayerMapComposite):
    """The WS-AE ablation: tied weights and unpooling, free ReLUs on the decoder signal."""

    def __init__(self):
        super().__init__([dict(rule='SignalReLU')])


def _zennit_preset(layer_map, first_rule, conv_rule, epsilon, stabilizer):
    return list(layer_map) + [
        dict(rule=dict(type='Norm', stabilizer=stabilizer)),
        dict(rule=first_rule, kinds=('conv', ), first=True),
        dict(rule=conv_rule, kinds=('conv', )),
        dict(rule=dict(type='Epsilon', epsilon=epsilon), kinds=('linear', )),
    ]


@LRP_COMPOSITES.register_module()
class EpsilonPlusFlat(LayerMapComposite):
    """zennit's ``EpsilonPlusFlat``: flat at the first convolution, z+ at the others, epsilon
    at the linear layer."""

    def __init__(self, epsilon=1e-6, stabilizer=1e-6, layer_map=()):
        super().__init__(_zennit_preset(layer_map, dict(type='Flat', stabilizer=stabilizer),
                                        dict(type='ZPlus', stabilizer=stabilizer), epsilon,
                                        stabilizer))


@LRP_COMPOSITES.register_module()
class EpsilonGammaBox(LayerMapComposite):
    """zennit's ``EpsilonGammaBox``: z^B at the first convolution (``low``, ``high``: the input
    bounds after the data preprocessor), gamma at the others, epsilon at the linear layer."""

    def __init__(self, low, high, epsilon=1e-6, gamma=0.25, stabilizer=1e-6, layer_map=()):
        super().__init__(_zennit_preset(
            layer_map, dict(type='ZBox', low=low, high=high, stabilizer=stabilizer),
            dict(type='Gamma', gamma=gamma, stabilizer=stabilizer), epsilon, stabilizer))


@LRP_COMPOSITES.register_module()
class EpsilonAlpha2Beta1Flat(LayerMapComposite):
    """zennit's ``EpsilonAlpha2Beta1Flat``: flat at the first convolution, alpha 2 beta 1 at
    the others, epsilon at the linear layer."""

    def __init__(self, epsilon=1e-6, stabilizer=1e-6, layer_map=()):
        super().__init__(_zennit_preset(
            layer_map, dict(type='Flat', stabilizer=stabilizer),
            dict(type='AlphaBeta', alpha=2.0, beta=1.0, stabilizer=stabilizer), epsilon,
            stabilizer))
