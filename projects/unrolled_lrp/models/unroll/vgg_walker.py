"""Walks mmpretrain's ``VGG`` feature extractor (with or without BatchNorm)."""
from mmpretrain.models.backbones import VGG

from .sequential_walker import walk_sequential
from .trace_builder import UnsupportedLayerError
from .walker_registry import BackboneWalker, register_walker


def check_vgg(backbone):
    """Structural checks that need no data; returns the index of the last stage."""
    if backbone.num_classes > 0:
        raise UnsupportedLayerError(
            'VGG with its own fully connected classifier (num_classes > 0) is not supported: '
            'use num_classes=-1; the decoder adds global average pooling and a linear layer')
    return len(backbone.stage_blocks) - 1


def walk_vgg(records, stage_ends, backbone, x):
    """Stage 0 (a stem) is empty; stage ``i``: the ``i``-th block of convolutions and its pool."""
    layers = getattr(backbone, backbone.module_name)
    stage_ends.append(0)
    for start, end in backbone.range_sub_modules:
        x = walk_sequential(records, [layers[j] for j in range(start, end)], x,
                            f'features[{start}:{end}]')
        stage_ends.append(len(records))
    return x


@register_walker(VGG)
class VGGWalker(BackboneWalker):
    """mmpretrain's VGG, with or without BatchNorm."""
    walk = staticmethod(walk_vgg)
    check = staticmethod(check_vgg)
