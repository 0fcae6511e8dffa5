"""The pixel loss trains through the rules' modified weights: the decoder's training gradient
equals that of a plain autograd implementation of the same rules, in relevance form.

The reference runs the encoder in training mode (BatchNorm on batch statistics, detached, as
the decoder takes them), propagates relevance class by class with zennit's formulas
(``R_in = x * W'^T (R_out / stab(z'))``), each transposed map taken by autograd, and keeps the
graph, so that the loss's gradient reaches every parameter as in the decoder.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

NUM_CLASSES = 3
EPSILON = 0.1
STABILIZER = 1e-6
GAMMA = 0.25
LOW, HIGH = -3.0, 3.0


def stabilize(x, eps):
    return x + eps * torch.where(x >= 0, 1.0, -1.0).to(x)


def transposed(fn, shape, signal):
    """``J^T signal`` of the linear map ``fn`` by autograd, differentiable in fn's weights."""
    probe = torch.zeros(shape, dtype=signal.dtype, requires_grad=True)
    (out, ) = torch.autograd.grad(fn(probe), probe, signal, create_graph=True)
    return out


def merged_conv(module, x):
    """A ConvModule's convolution with its BatchNorm merged, on this batch's statistics
    (detached: the rules' weights, not the encoder's forward)."""
    out = module.conv(x)
    mean = out.detach().mean(dim=(0, 2, 3))
    var = out.detach().var(dim=(0, 2, 3), unbiased=False)
    scale = module.norm.weight / (var + module.norm.eps).sqrt()
    weight = module.conv.weight * scale.view(-1, 1, 1, 1)
    bias = module.norm.bias - mean * scale
    if module.conv.bias is not None:
        bias = bias + module.conv.bias * scale
    conv = module.conv
    return weight, bias, lambda inputs, w, b=None: F.conv2d(inputs, w, b, conv.stride,
                                                            conv.padding)


def inner_rule(name, x, weight, bias, conv, relevance):
    """z+ or gamma for a non-negative input ``x``."""
    output = conv(x, weight, bias)
    if name == 'ZPlus':
        positive = weight.clamp(min=0)
        z = conv(x, positive, bias.clamp(min=0))
        q = relevance / stabilize(z, STABILIZER)
        return x * transposed(lambda p: conv(p, positive), x.shape, q)
    plus, minus = (weight + GAMMA * weight.clamp(min=0), weight + GAMMA * weight.clamp(max=0))
    z_up = conv(x, plus, bias + GAMMA * bias.clamp(min=0))
    z_down = conv(x, minus, bias + GAMMA * bias.clamp(max=0))
    q_up = (output > 0).to(x) * relevance / stabilize(z_up, STABILIZER)
    q_down = (output < 0).to(x) * relevance / stabilize(z_down, STABILIZER)
    return x * (transposed(lambda p: conv(p, plus), x.shape, q_up)
                + transposed(lambda p: conv(p, minus), x.shape, q_down))


def input_rule(name, x, weight, bias, conv, relevance):
    """Flat or z^B at the image."""
    if name == 'ZPlus':
        ones, flat = torch.ones_like(x), torch.ones_like(weight)
        q = relevance / stabilize(conv(ones, flat), STABILIZER)
        return transposed(lambda p: conv(p, flat), x.shape, q)
    low, high = torch.full_like(x, LOW), torch.full_like(x, HIGH)
    positive, negative = weight.clamp(min=0), weight.clamp(max=0)
    z = conv(x, weight) - conv(low, positive) - conv(high, negative)
    q = relevance / stabilize(z, STABILIZER)
    return (x * transposed(lambda p: conv(p, weight), x.shape, q)
            - low * transposed(lambda p: conv(p, positive), x.shape, q)
            - high * transposed(lambda p: conv(p, negative), x.shape, q))


def reference_heatmaps(model, inputs, name):
    """(B, K, H, W) heatmaps of a VGG-BN UnrolledLRP under EpsilonPlusFlat ('ZPlus') or
    EpsilonGammaBox ('Gamma'), in plain autograd."""
    layers, x = [], inputs
    for layer in model.backbone.features:
        if isinstance(layer, nn.MaxPool2d):
            layers.append(('pool', x, layer))
            x = layer(x)
        else:
            layers.append(('conv', x, merged_conv(layer, x)))
            x = layer(x)  # the encoder's own forward: gradients through its batch statistics
    features = x
    pooled = features.mean(dim=(2, 3))
    head = model.decode_head
    weight, bias = model.classifier.weight, head.conv_seg.bias
    logits = F.linear(pooled, weight, bias)
    maps = []
    for c in range(NUM_CLASSES):
        relevance = logits * F.one_hot(torch.tensor(c), NUM_CLASSES).to(logits)
        q = relevance / stabilize(logits, EPSILON)
        relevance = pooled * (q @ weight)  # epsilon at the linear layer
        relevance = features * (relevance / stabilize(pooled, STABILIZER))[:, :, None, None] / (
            features.shape[2] * features.shape[3])  # Norm at the average pooling
        for position, (kind, x, layer) in reversed(list(enumerate(layers))):
            if kind == 'pool':  # relevance follows the gradient to the winners
                relevance = _unpool(layer, x, relevance)
            else:
                rule = input_rule if position == 0 else inner_rule
                relevance = rule(name, x, *layer, relevance)
        maps.append(relevance.sum(1))
    return torch.stack(maps, 1)


def _unpool(pool, x, relevance):
    _, indices = F.max_pool2d(x, pool.kernel_size, pool.stride, pool.padding, pool.dilation,
                              pool.ceil_mode, return_indices=True)
    flat = torch.zeros(x.shape[0], x.shape[1], x.shape[2] * x.shape[3], dtype=relevance.dtype)
    flat = flat.scatter_add(2, indices.flatten(2), relevance.flatten(2))
    return flat.view_as(x)


@pytest.mark.parametrize('name,composite', [
    ('ZPlus', dict(type='EpsilonPlusFlat', epsilon=EPSILON)),
    ('Gamma', dict(type='EpsilonGammaBox', epsilon=EPSILON, gamma=GAMMA, low=LOW, high=HIGH)),
])
def test_training_gradient_through_rules_equals_autograd(build_model, name, composite):
    model = build_model('vgg11bn', num_classes=NUM_CLASSES, composite=composite).double().train()
    inputs = torch.randn(2, 3, 48, 40, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(3))
    target = torch.randint(NUM_CLASSES, (2, 48, 40), generator=torch.Generator().manual_seed(4))
    params = [p for p in model.parameters() if p.requires_grad]

    heatmaps = model(inputs, mode='tensor')
    expected = reference_heatmaps(model, inputs, name)
    scale = expected.detach().abs().amax()
    assert ((heatmaps - expected).abs().max() / scale) < 1e-8

    grads = torch.autograd.grad(F.cross_entropy(heatmaps / scale, target), params,
                                allow_unused=True)
    expected_grads = torch.autograd.grad(F.cross_entropy(expected / scale, target), params,
                                         allow_unused=True)
    largest = max(g.abs().max() for g in expected_grads if g is not None)
    reached = 0
    for param, grad, reference in zip(params, grads, expected_grads):
        if reference is None:
            assert grad is None or grad.abs().max() == 0
            continue
        reached += 1
        torch.testing.assert_close(grad, reference, rtol=1e-6, atol=1e-12 * largest)
    assert reached >= len(params) - 2  # every convolution and norm weight gets a gradient
