"""Walks plain chains of layers: conv (+ BatchNorm), ReLU, max-pool, mmcv ConvModule."""
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from .trace_builder import UnsupportedLayerError, conv_norm, max_pool, relu


def walk_conv_module(records, module, x, where):
    """mmcv ``ConvModule`` in its default conv -> norm -> ReLU order."""
    if tuple(module.order) != ('conv', 'norm', 'act'):
        raise UnsupportedLayerError(f'{where}: ConvModule order {module.order} is not supported')
    if module.with_explicit_padding:
        raise UnsupportedLayerError(
            f'{where}: ConvModule with a padding layer ({type(module.padding_layer).__name__}) '
            'is not supported (only zero padding)')
    x = conv_norm(records, module.conv, module.norm if module.with_norm else None, x, where)
    if module.with_activation:
        if not isinstance(module.activate, nn.ReLU):
            raise UnsupportedLayerError(
                f'{where}: activation {type(module.activate).__name__} is not supported (only ReLU)')
        x = relu(records, x)
    return x


def walk_sequential(records, layers, x, where):
    """Runs ``layers`` (an iterable of modules) in order, recording each one."""
    from mmcv.cnn import ConvModule

    layers = list(layers)
    i = 0
    while i < len(layers):
        layer, name = layers[i], f'{where}[{i}]'
        if isinstance(layer, ConvModule):
            x = walk_conv_module(records, layer, x, name)
        elif isinstance(layer, nn.Conv2d):
            norm = layers[i + 1] if i + 1 < len(layers) and isinstance(layers[i + 1], _BatchNorm) else None
            x = conv_norm(records, layer, norm, x, name)
            i += norm is not None
        elif isinstance(layer, nn.ReLU):
            x = relu(records, x)
        elif isinstance(layer, nn.MaxPool2d):
            x = max_pool(records, layer, x, name)
        elif isinstance(layer, nn.Identity) or (isinstance(layer, nn.Dropout) and not layer.training):
            pass
        else:
            raise UnsupportedLayerError(
                f'{name}: layer {type(layer).__name__} is not supported by the tied decoder')
        i += 1
    return x
