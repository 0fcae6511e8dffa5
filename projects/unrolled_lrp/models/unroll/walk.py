"""Entry point: trace a registered backbone, or say clearly why it cannot be traced."""
import torch
import torch.nn as nn

from . import resnet_walker, torchvision_resnet_walker, vgg_walker  # noqa: F401 (registering)
from .trace import ForwardTrace
from .trace_builder import UnsupportedLayerError
from .walker_registry import find_walker

# The construction check's input side: small enough to cost little, large enough that every
# supported backbone keeps a feature map of at least 2x2 (ResNet and VGG divide by 32).
CHECK_INPUT_SIZE = 64


def check_backbone(backbone):
    """Fails at model construction for backbones the decoder cannot unroll: an unregistered
    class, a configuration its walker refuses, ``out_indices`` not ending at the last stage,
    or a traced forward that differs from the backbone's own (a layer the walker skips)."""
    last = find_walker(backbone).check(backbone)
    out_indices = tuple(getattr(backbone, 'out_indices', (last, )))
    if out_indices[-1] != last:
        raise ValueError(
            f'{type(backbone).__name__}: out_indices={out_indices} must end with the last stage '
            f'({last}); the classifier sits on the last feature map')
    check_traced_forward(backbone)


def check_traced_forward(backbone):
    """The trace must compute the backbone's own last feature map (in eval mode, on a small
    random input): a layer the walker does not visit would make the heatmaps explain a
    different network, silently."""
    conv = next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        raise UnsupportedLayerError(f'{type(backbone).__name__} has no Conv2d to trace')
    modes = {module: module.training for module in backbone.modules()}
    parameter = next(backbone.parameters())
    # its own generator: the check must not move the global random state of a seeded run
    inputs = torch.randn(1, conv.in_channels, CHECK_INPUT_SIZE, CHECK_INPUT_SIZE,
                         generator=torch.Generator().manual_seed(0), dtype=parameter.dtype)
    inputs = inputs.to(parameter.device)
    backbone.eval()
    try:
        with torch.no_grad():
            expected = find_walker(backbone).features(backbone, inputs)
            traced = walk_backbone(backbone, inputs).features
    finally:
        for module, training in modes.items():
            module.training = training
    error = (traced - expected).abs().max().item() if traced.shape == expected.shape else None
    scale = expected.abs().max().item()
    if error is None or error > 1e-4 * max(scale, 1e-6):
        found = f'shape {tuple(traced.shape)}' if error is None else f'max difference {error:.3g}'
        raise UnsupportedLayerError(
            f'{type(backbone).__name__}: the traced forward differs from the backbone\'s own '
            f'({found} vs {tuple(expected.shape)}, max |feature| {scale:.3g}): a layer of it is '
            'not visited by the walker, so the decoder cannot unroll it')


def walk_backbone(backbone, inputs):
    """Runs ``backbone`` on ``inputs`` once and returns its :class:`ForwardTrace`. The backbone's
    configuration is checked once, by :func:`check_backbone` where the model is built; here
    only each layer as it is traced."""
    records, stage_ends = [], []
    features = find_walker(backbone).walk(records, stage_ends, backbone, inputs)
    return ForwardTrace(records, features, inputs, stage_ends)
