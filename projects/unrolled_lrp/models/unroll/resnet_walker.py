"""Walks MMSeg's (and mmpretrain's) ``ResNet``: stem, max-pool, residual stages."""
from mmpretrain.models.backbones import ResNet as PretrainResNet
from mmpretrain.models.backbones import ResNetV1c as PretrainResNetV1c
from mmseg.models.backbones import ResNet, ResNetV1c

from .sequential_walker import walk_sequential
from .tied_residual import TiedResidual
from .trace_builder import UnsupportedLayerError, conv_norm, relu
from .walker_registry import BackboneWalker, register_walker


def check_resnet(backbone):
    """Structural checks that need no data (so model construction fails early);
    returns the index of the last stage."""
    if getattr(backbone, 'avg_down', False):
        raise UnsupportedLayerError(
            f'{type(backbone).__name__}: avg_down shortcuts (ResNetV1d) are not supported')
    for name in backbone.res_layers:
        for i, block in enumerate(getattr(backbone, name)):
            if getattr(block, 'with_plugins', False) or getattr(block, 'with_dcn', False):
                raise UnsupportedLayerError(
                    f'{name}[{i}]: blocks with plugins or DCN are not supported')
    return len(backbone.res_layers) - 1


def _check_block(block, where):
    drop_prob = getattr(getattr(block, 'drop_path', None), 'drop_prob', 0)
    if block.training and drop_prob > 0:
        raise UnsupportedLayerError(f'{where}: stochastic depth (drop_path) is not supported')


def walk_residual(records, convs, downsample, x, where):
    """A residual block: ``convs`` ((conv, norm) pairs with ReLUs between them) on the branch,
    ``downsample`` (a chain of layers, or None for the identity) on the shortcut, then the
    sum and its ReLU."""
    branch = []
    out = x
    for i, (conv, norm) in enumerate(convs):
        out = conv_norm(branch, conv, norm, out, f'{where}.conv{i + 1}')
        if i < len(convs) - 1:
            out = relu(branch, out)
    shortcut = []
    identity = x
    if downsample is not None:
        identity = walk_sequential(shortcut, downsample, x, f'{where}.downsample')
    out = relu(records, out + identity)
    records.insert(-1, TiedResidual(branch, shortcut, out))  # the sum, then its ReLU
    return out


def walk_block(records, block, x, where):
    """BasicBlock (two convs) or Bottleneck (three convs), then add and ReLU."""
    _check_block(block, where)
    convs = [(block.conv1, block.norm1), (block.conv2, block.norm2)]
    if hasattr(block, 'conv3'):
        convs.append((block.conv3, block.norm3))
    return walk_residual(records, convs, block.downsample, x, where)


def walk_resnet(records, stage_ends, backbone, x):
    """Stage 0: the stem and its max-pool; stage ``i``: residual layer ``i``."""
    if backbone.deep_stem:
        x = walk_sequential(records, backbone.stem, x, 'stem')
    else:
        x = conv_norm(records, backbone.conv1, backbone.norm1, x, 'conv1')
        x = relu(records, x)
    x = walk_sequential(records, [backbone.maxpool], x, 'maxpool')
    stage_ends.append(len(records))
    for name in backbone.res_layers:
        for i, block in enumerate(getattr(backbone, name)):
            x = walk_block(records, block, x, f'{name}[{i}]')
        stage_ends.append(len(records))
    return x


@register_walker(ResNet, ResNetV1c, PretrainResNet, PretrainResNetV1c)
class ResNetWalker(BackboneWalker):
    """MMSeg's and mmpretrain's ResNet and ResNetV1c."""
    walk = staticmethod(walk_resnet)
    check = staticmethod(check_resnet)
