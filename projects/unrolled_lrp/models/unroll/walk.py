"""Entry point: trace a supported backbone, or say clearly why it is not supported."""
from .resnet_walker import check_resnet, walk_resnet
from .trace import ForwardTrace
from .trace_builder import UnsupportedLayerError
from .vgg_walker import check_vgg, walk_vgg


def _walkers():
    from mmpretrain.models.backbones import VGG
    from mmpretrain.models.backbones import ResNet as PretrainResNet
    from mmseg.models.backbones import ResNet as SegResNet
    return ((SegResNet, walk_resnet, check_resnet), (PretrainResNet, walk_resnet, check_resnet),
            (VGG, walk_vgg, check_vgg))


SUPPORTED_BACKBONES = 'mmseg ResNet/ResNetV1c, mmpretrain ResNet/ResNetV1c, mmpretrain VGG'


def _find_walker(backbone):
    for cls, walker, check in _walkers():
        if isinstance(backbone, cls):
            return walker, check
    raise UnsupportedLayerError(
        f'backbone {type(backbone).__name__} is not supported by the tied decoder '
        f'(supported: {SUPPORTED_BACKBONES})')


def check_backbone(backbone):
    """Fails early (at model construction) for backbones the decoder cannot unroll."""
    _, check = _find_walker(backbone)
    last = check(backbone)
    out_indices = tuple(backbone.out_indices)
    if out_indices[-1] != last:
        raise ValueError(
            f'{type(backbone).__name__}: out_indices={out_indices} must end with the last stage '
            f'({last}); the classifier sits on the last feature map')


def walk_backbone(backbone, inputs):
    """Runs ``backbone`` on ``inputs`` once and returns its :class:`ForwardTrace`."""
    walker, check = _find_walker(backbone)
    check(backbone)
    records, stage_ends = [], []
    features = walker(records, stage_ends, backbone, inputs)
    return ForwardTrace(records, features, inputs, stage_ends)
