"""LRP-epsilon through the tied decoder equals zennit's LRP-epsilon on VGG16-BN."""
import copy

import torch
from torch import nn

EPSILON = 0.1
NUM_CLASSES = 5  # the rule is per class; a few classes prove it
TOLERANCE = 1e-6  # relative to the largest heatmap value, in float64


def plain_torch_classifier(model, feature_size):
    """The same classifier as a torch Sequential that zennit understands: conv/BN/ReLU/
    max-pool layers, then GAP + linear as one convolution over the whole feature map."""
    layers = []
    for layer in model.backbone.features:
        if hasattr(layer, 'conv'):  # mmcv ConvModule
            norm = copy.deepcopy(layer.norm)
            # zennit turns a merged BN into (x - 0) / sqrt(1 + eps): fold eps into the
            # variance so that its identity is exact
            norm.running_var += norm.eps
            norm.eps = 0.0
            layers += [copy.deepcopy(layer.conv), norm, nn.ReLU()]
        else:
            layers.append(copy.deepcopy(layer))
    head = model.decode_head
    weight = model.classifier.weight.detach()
    classifier = nn.Conv2d(weight.shape[1], weight.shape[0], feature_size).to(weight)
    classifier.weight.data.copy_(
        weight[:, :, None, None].expand(-1, -1, *feature_size) / (feature_size[0] * feature_size[1]))
    classifier.bias.data.copy_(head.conv_seg.bias.detach())
    return nn.Sequential(*layers, classifier, nn.Flatten()).eval()


def test_epsilon_heatmaps_equal_zennit(build_model):
    from zennit.attribution import Gradient
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.composites import LayerMapComposite
    from zennit.rules import Epsilon, Pass

    model = build_model('vgg16bn', num_classes=NUM_CLASSES,
                        composite=dict(type='LRPEpsilon', epsilon=EPSILON)).double().eval()
    inputs = torch.randn(2, 3, 70, 66, dtype=torch.float64)
    with torch.no_grad():
        heatmaps = model(inputs, mode='tensor')
        feature_size = tuple(model.backbone(inputs)[-1].shape[-2:])

    reference = plain_torch_classifier(model, feature_size)
    composite = LayerMapComposite(
        layer_map=[(nn.ReLU, Pass()), (nn.Conv2d, Epsilon(EPSILON)), (nn.Linear, Epsilon(EPSILON))],
        canonizers=[SequentialMergeBatchNorm()])
    expected = []
    with Gradient(model=reference, composite=composite) as attributor:
        for c in range(heatmaps.shape[1]):
            logits, relevance = attributor(
                inputs, lambda out, c=c: out * nn.functional.one_hot(
                    torch.tensor(c), out.shape[1]).to(out))
            expected.append(relevance.sum(1))
    expected = torch.stack(expected, 1)

    torch.testing.assert_close(logits, model.class_logits(inputs).detach())
    torch.testing.assert_close(heatmaps, expected, rtol=TOLERANCE,
                               atol=TOLERANCE * expected.abs().max().item())
    # epsilon really changes the result: LRP-0 is measurably different
    lrp0 = build_model('vgg16bn', num_classes=NUM_CLASSES).double().eval()
    with torch.no_grad():
        assert (lrp0(inputs, mode='tensor') - heatmaps).abs().max() > 100 * TOLERANCE * expected.abs().max()
