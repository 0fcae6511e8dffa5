"""zennit's composites through the tied decoder equal zennit's own LRP, all classes at once.

The oracle is zennit itself on a plain torch copy of the classifier: torchvision's ResNet (with
zennit's ``ResNetCanonizer``: BatchNorm merged, the residual sum as a module) or a VGG
``Sequential`` (``SequentialMergeBatchNorm``), then global average pooling and the linear layer.
"""
import copy

import pytest
import torch
from torch import nn

NUM_CLASSES = 4
TOLERANCE = 1e-6  # relative to the largest heatmap value, in float64
EPSILON = 0.1
LOW, HIGH = [-2.5, -2.0, -3.0], [2.5, 3.0, 2.0]  # z^B's input bounds, one per channel


def exact_identity_norm(norm):
    """zennit turns a merged BN into (x - 0) / sqrt(1 + eps): fold eps into the variance so
    that its identity is exact."""
    norm.running_var += norm.eps
    norm.eps = 0.0
    return norm


def torchvision_resnet(model):
    """The MMSeg ResNet (pytorch style: stride in the 3x3 convolution) as torchvision's."""
    import torchvision
    backbone = model.backbone
    depth = {2: 18, 3: 50}[len([m for m in backbone.layer1[0].children()
                                 if isinstance(m, nn.Conv2d)])]
    reference = getattr(torchvision.models, f'resnet{depth}')(num_classes=NUM_CLASSES).double()
    state = {key.replace('norm', 'bn'): value for key, value in backbone.state_dict().items()}
    head = model.decode_head
    state['fc.weight'] = model.classifier.weight.detach()
    state['fc.bias'] = head.conv_seg.bias.detach()
    reference.load_state_dict(state)
    for module in reference.modules():
        if isinstance(module, nn.BatchNorm2d):
            exact_identity_norm(module)
    return reference.eval()


def vgg_sequential(model):
    layers = []
    for layer in model.backbone.features:
        if hasattr(layer, 'conv'):  # mmcv ConvModule
            layers += [copy.deepcopy(layer.conv), exact_identity_norm(copy.deepcopy(layer.norm)),
                       nn.ReLU()]
        else:
            layers.append(copy.deepcopy(layer))
    head = model.decode_head
    linear = nn.Linear(model.classifier.weight.shape[1], NUM_CLASSES).to(torch.float64)
    linear.weight.data.copy_(model.classifier.weight.detach())
    linear.bias.data.copy_(head.conv_seg.bias.detach())
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), linear).eval()


def zennit_composite(name, canonizer):
    from zennit import composites
    kwargs = dict(epsilon=EPSILON, canonizers=[canonizer])
    if name == 'EpsilonGammaBox':
        kwargs.update(low=torch.tensor(LOW, dtype=torch.float64).view(1, 3, 1, 1),
                      high=torch.tensor(HIGH, dtype=torch.float64).view(1, 3, 1, 1), gamma=0.25)
    return getattr(composites, name)(**kwargs)


def ours(name):
    composite = dict(type=name, epsilon=EPSILON)
    if name == 'EpsilonGammaBox':
        composite.update(low=LOW, high=HIGH, gamma=0.25)
    return composite


def zennit_heatmaps(reference, composite, inputs):
    from zennit.attribution import Gradient
    maps = []
    with Gradient(model=reference, composite=composite) as attributor:
        for c in range(NUM_CLASSES):
            logits, relevance = attributor(inputs, lambda out, c=c: out * nn.functional.one_hot(
                torch.tensor(c), out.shape[1]).to(out))
            maps.append(relevance.sum(1))
    return torch.stack(maps, 1), logits


def ours_and_zennits(build_model, backbone, composite, zennit_of, size, seed):
    """(model, inputs, our heatmaps, zennit's heatmaps, zennit's logits) of ``composite`` on a
    float64 ``backbone``, zennit's composite made by ``zennit_of(canonizer)`` on the same
    weights (torchvision's ResNet, or VGG as one Sequential)."""
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.torchvision import ResNetCanonizer
    model = build_model(backbone, num_classes=NUM_CLASSES, composite=composite)
    model = model.double().eval()
    inputs = torch.randn(2, 3, *size, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        heatmaps = model(inputs, mode='tensor')
    if backbone.startswith('resnet'):
        reference, canonizer = torchvision_resnet(model), ResNetCanonizer()
    else:
        reference, canonizer = vgg_sequential(model), SequentialMergeBatchNorm()
    expected, logits = zennit_heatmaps(reference, zennit_of(canonizer), inputs)
    return model, inputs, heatmaps, expected, logits


@pytest.mark.parametrize('backbone', ['resnet18', 'resnet50', 'vgg16bn'])
@pytest.mark.parametrize('name', ['EpsilonPlusFlat', 'EpsilonGammaBox', 'EpsilonAlpha2Beta1Flat'])
def test_composite_heatmaps_equal_zennit(build_model, backbone, name):
    model, inputs, heatmaps, expected, logits = ours_and_zennits(
        build_model, backbone, ours(name),
        lambda canonizer: zennit_composite(name, canonizer), (37, 43), seed=1)

    torch.testing.assert_close(logits, model.class_logits(inputs).detach())
    scale = expected.abs().amax(dim=(2, 3), keepdim=True)
    assert ((heatmaps - expected).abs() / scale).max() < TOLERANCE
    # the composite really differs from LRP-0
    lrp0 = build_model(backbone, num_classes=NUM_CLASSES).double().eval()
    with torch.no_grad():
        assert ((lrp0(inputs, mode='tensor') - expected).abs() / scale).max() > 1e-2


def own_layer_map():
    """w² at the input, alpha 3 beta 2 at the other convolutions, the proportional split at
    sums and pooling, epsilon at the linear layer: rules the presets do not cover."""
    return dict(type='LayerMapComposite', layer_map=[
        dict(rule=dict(type='WSquare'), kinds=('conv', ), first=True),
        dict(rule=dict(type='AlphaBeta', alpha=3.0, beta=2.0), kinds=('conv', )),
        dict(rule=dict(type='Norm')),
        dict(rule=dict(type='Epsilon', epsilon=EPSILON), kinds=('linear', )),
    ])


def zennit_own_layer_map(canonizer):
    from zennit.composites import SpecialFirstLayerMapComposite, layer_map_base
    from zennit.rules import AlphaBeta, Epsilon, WSquare
    from zennit.types import Convolution, Linear
    return SpecialFirstLayerMapComposite(
        layer_map=layer_map_base() + [(Convolution, AlphaBeta(alpha=3.0, beta=2.0)),
                                      (nn.Linear, Epsilon(epsilon=EPSILON))],
        first_map=[(Linear, WSquare())], canonizers=[canonizer])


@pytest.mark.parametrize('backbone', ['resnet18', 'vgg16bn'])
def test_a_layer_map_of_w_square_and_alpha_3_beta_2_equals_zennit(build_model, backbone):
    _, inputs, heatmaps, expected, _ = ours_and_zennits(
        build_model, backbone, own_layer_map(), zennit_own_layer_map, (35, 41), seed=2)
    scale = expected.abs().amax(dim=(2, 3), keepdim=True)
    assert ((heatmaps - expected).abs() / scale).max() < TOLERANCE
    # and it is not the preset with alpha 2 beta 1 and flat
    preset = build_model(backbone, num_classes=NUM_CLASSES,
                         composite=ours('EpsilonAlpha2Beta1Flat')).double().eval()
    with torch.no_grad():
        assert ((preset(inputs, mode='tensor') - expected).abs() / scale).max() > 1e-2
