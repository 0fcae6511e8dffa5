"""Which walker traces which backbone: keyed by the backbone's exact class.

A subclass is not its parent: mmpretrain's ``SEResNet`` or ``ResNet_CIFAR`` derive from
``ResNet`` but add or change layers the ResNet walker does not visit, so each class is
registered on its own. Supporting a new backbone is one walker file that calls
:func:`register_walker` and one import in ``unroll/walk.py``.
"""
from dataclasses import dataclass
from typing import Callable

from .trace_builder import UnsupportedLayerError


@dataclass(frozen=True)
class BackboneWalker:
    """``walk(records, stage_ends, backbone, x)`` runs the backbone through the trace builder
    and returns its last feature map; ``check(backbone)`` raises for configurations the walker
    cannot trace (without data, so construction fails early) and returns the last stage's
    index."""
    walk: Callable
    check: Callable


BACKBONE_WALKERS = {}


def register_walker(walker, *backbone_classes):
    """Registers ``walker`` (a :class:`BackboneWalker`) for each of ``backbone_classes``."""
    for cls in backbone_classes:
        if cls in BACKBONE_WALKERS:
            raise KeyError(f'{cls.__module__}.{cls.__qualname__} already has a walker')
        BACKBONE_WALKERS[cls] = walker


def supported_backbones():
    """The registered classes as ``package Class`` names, for error messages and docs."""
    return ', '.join(sorted(f"{cls.__module__.split('.')[0]} {cls.__name__}"
                            for cls in BACKBONE_WALKERS))


def find_walker(backbone):
    walker = BACKBONE_WALKERS.get(type(backbone))
    if walker is None:
        raise UnsupportedLayerError(
            f'backbone {type(backbone).__name__} is not supported by the tied decoder '
            f'(supported: {supported_backbones()})')
    return walker
