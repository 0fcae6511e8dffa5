"""Which walker traces which backbone: an mmengine registry keyed by the backbone's exact class.

A subclass is not its parent: mmpretrain's ``SEResNet`` or ``ResNet_CIFAR`` derive from
``ResNet`` but add or change layers the ResNet walker does not visit, so each class is
registered on its own, under its module path and name (:func:`backbone_key`). Supporting a new
backbone is one walker file whose :class:`BackboneWalker` subclass is decorated with
:func:`register_walker`, and one import in ``unroll/walk.py``.
"""
from mmengine.registry import Registry

from .trace_builder import UnsupportedLayerError

BACKBONE_WALKERS = Registry('backbone walker')


class BackboneWalker:
    """``walk(records, stage_ends, backbone, x)`` runs the backbone through the trace builder
    and returns its last feature map; ``check(backbone)`` raises for configurations the walker
    cannot trace (without data, so construction fails early) and returns the last stage's
    index; ``features(backbone, x)`` is the last feature map by the backbone's own forward.
    Subclasses define the first two, and the third where the default does not fit, as static
    methods."""

    @staticmethod
    def walk(records, stage_ends, backbone, x):
        raise NotImplementedError

    @staticmethod
    def check(backbone):
        raise NotImplementedError

    @staticmethod
    def features(backbone, x):
        """The backbone's last feature map by its own forward (MMSeg's and mmpretrain's
        backbones return their stages' outputs, the last one last)."""
        return backbone(x)[-1]


def backbone_key(cls):
    """The registry key of a backbone class: its module path and name (mmengine reads a '.'
    as a scope, so the path is written with '/')."""
    return f"{cls.__module__.replace('.', '/')}:{cls.__qualname__}"


def register_walker(*backbone_classes):
    """Class decorator: the walker traces each of ``backbone_classes`` (exactly these)."""
    def register(walker):
        for cls in backbone_classes:
            BACKBONE_WALKERS.register_module(name=backbone_key(cls), module=walker)
        return walker
    return register


def supported_backbones():
    """The registered classes as ``package Class`` names, for error messages and docs."""
    return ', '.join(sorted(f"{key.split('/')[0]} {key.split(':')[-1]}"
                            for key in BACKBONE_WALKERS.module_dict))


def find_walker(backbone):
    walker = BACKBONE_WALKERS.get(backbone_key(type(backbone)))
    if walker is None:
        raise UnsupportedLayerError(
            f'backbone {type(backbone).__name__} is not supported by the tied decoder '
            f'(supported: {supported_backbones()})')
    return walker
