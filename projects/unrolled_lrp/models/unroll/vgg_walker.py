"""Walks mmpretrain's ``VGG`` feature extractor (with or without BatchNorm)."""
from .sequential_walker import walk_sequential
from .trace_builder import UnsupportedLayerError


def walk_vgg(records, backbone, x):
    if backbone.num_classes > 0:
        raise UnsupportedLayerError(
            'VGG with its own fully connected classifier (num_classes > 0) is not supported: '
            'use num_classes=-1; the decoder adds global average pooling and a linear layer')
    layers = getattr(backbone, backbone.module_name)
    for start, end in backbone.range_sub_modules:
        x = walk_sequential(records, [layers[j] for j in range(start, end)], x, f'features[{start}:{end}]')
    return x


def last_stage_index(backbone):
    return len(backbone.stage_blocks) - 1
