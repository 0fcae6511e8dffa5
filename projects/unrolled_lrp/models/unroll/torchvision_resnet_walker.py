"""Walks torchvision's ``ResNet`` (its feature layers: stem, max-pool, residual stages).

Its own ``avgpool`` and ``fc`` are not walked: the classifier the decoder unrolls is global
average pooling and a linear layer given beside the backbone (torchvision's ``fc`` fits),
as :class:`~unrolled_lrp.models.unroll.UnrolledClassifier` takes them.
"""
import torch.nn as nn
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.resnet import ResNet as TorchvisionResNet

from .resnet_walker import walk_residual
from .sequential_walker import walk_sequential
from .trace_builder import UnsupportedLayerError, conv_norm, relu
from .walker_registry import BackboneWalker, register_walker

STAGES = ('layer1', 'layer2', 'layer3', 'layer4')


def check_torchvision_resnet(backbone):
    """Blocks of torchvision's two kinds with their plain ReLU; returns the last stage."""
    for name in STAGES:
        for i, block in enumerate(getattr(backbone, name)):
            if type(block) not in (BasicBlock, Bottleneck) or not isinstance(block.relu,
                                                                               nn.ReLU):
                raise UnsupportedLayerError(f'{name}[{i}]: {type(block).__name__} is not a '
                                            "torchvision BasicBlock or Bottleneck")
    return len(STAGES)


def walk_block(records, block, x, where):
    convs = [(block.conv1, block.bn1), (block.conv2, block.bn2)]
    if isinstance(block, Bottleneck):
        convs.append((block.conv3, block.bn3))
    return walk_residual(records, convs, block.downsample, x, where)


def walk_torchvision_resnet(records, stage_ends, backbone, x):
    """Stage 0: conv1, bn1, ReLU and the max-pool; stage ``i``: ``layer{i}``."""
    x = relu(records, conv_norm(records, backbone.conv1, backbone.bn1, x, 'conv1'))
    x = walk_sequential(records, [backbone.maxpool], x, 'maxpool')
    stage_ends.append(len(records))
    for name in STAGES:
        for i, block in enumerate(getattr(backbone, name)):
            x = walk_block(records, block, x, f'{name}[{i}]')
        stage_ends.append(len(records))
    return x


def torchvision_resnet_features(backbone, x):
    """The last feature map by torchvision's own layers (for the construction check)."""
    x = backbone.maxpool(backbone.relu(backbone.bn1(backbone.conv1(x))))
    for name in STAGES:
        x = getattr(backbone, name)(x)
    return x


@register_walker(TorchvisionResNet)
class TorchvisionResNetWalker(BackboneWalker):
    """torchvision's ResNet18-152 (``torchvision.models.resnet18()`` and the others)."""
    walk = staticmethod(walk_torchvision_resnet)
    check = staticmethod(check_torchvision_resnet)
    features = staticmethod(torchvision_resnet_features)
