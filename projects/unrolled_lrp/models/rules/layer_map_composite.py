"""Where each rule applies: a composite maps the layers of a trace to rules."""
from dataclasses import dataclass
from typing import Optional

from .activation_rules import Heaviside
from .gradient import Gradient
from .registry import LRP_COMPOSITES, build_rule

SITE_KINDS = ('conv', 'linear', 'sum', 'avgpool', 'activation')


@dataclass(frozen=True)
class Site:
    """A layer as a composite sees it: its ``kind`` (one of :data:`SITE_KINDS`), the backbone
    ``stage`` it belongs to (0 the ResNet stem, ``i`` the ``i``-th stage; ``None`` for the
    classifier's pooling and linear layer), whether it is the ``first`` layer (the
    convolution on the image) or lies ``in_branch`` (inside a residual block's branch or
    shortcut), and its ``name`` for messages."""

    kind: str
    stage: Optional[int]
    first: bool
    in_branch: bool
    name: str


class LayerMapEntry:
    """``rule`` for the layers matching every given selector: ``kinds`` (default: every kind
    the rule can decode), ``stages``, ``first``, ``in_branch``."""

    def __init__(self, rule, kinds=None, stages=None, first=None, in_branch=None):
        self.rule = build_rule(rule)
        self.kinds = tuple(kinds) if kinds is not None else self.rule.sites
        unknown = set(self.kinds) - set(self.rule.sites)
        if unknown:
            raise ValueError(f'{self.rule!r} does not apply to {sorted(unknown)} layers '
                             f'(it decodes {list(self.rule.sites)})')
        if self.rule.input_layer_only and first is not True:
            raise ValueError(f'{self.rule!r} is a rule for the input layer: give it first=True')
        self.stages = None if stages is None else tuple(stages)
        self.first = first
        self.in_branch = in_branch

    def matches(self, site):
        return (site.kind in self.kinds
                and (self.stages is None or site.stage in self.stages)
                and (self.first is None or site.first == self.first)
                and (self.in_branch is None or site.in_branch == self.in_branch))


@LRP_COMPOSITES.register_module()
class LayerMapComposite:
    """The first entry of ``layer_map`` that matches a layer gives its rule; a layer no entry
    matches is decoded by LRP-0 (:class:`.Gradient`; :class:`.Heaviside` at activations).

    ``layer_map``: entries as dicts, e.g. ``dict(rule=dict(type='ZPlus'), stages=(0, 1, 2))``
    (see :class:`LayerMapEntry`); max-pools always route the signal to their winners.
    """

    def __init__(self, layer_map=()):
        self.layer_map = [entry if isinstance(entry, LayerMapEntry) else LayerMapEntry(**entry)
                          for entry in layer_map]

    def rule_for(self, site):
        for entry in self.layer_map:
            if entry.matches(site):
                return entry.rule
        return Heaviside() if site.kind == 'activation' else Gradient()
