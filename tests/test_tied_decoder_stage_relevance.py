"""Relevance at a stage of the encoder: for LRP-0, activation x gradient at that layer, summed
over channels and upsampled to the input, for every class; and differentiable as autograd's."""
import pytest
import torch

from unrolled_lrp.models.unroll import upsample_relevance


def stage_modules(backbone, name):
    """The modules whose outputs end each stage: the ResNet stem's max-pool and its residual
    layers, or the last layer of each VGG block."""
    if name.startswith('resnet'):
        return [backbone.maxpool] + [getattr(backbone, layer) for layer in backbone.res_layers]
    layers = getattr(backbone, backbone.module_name)
    return [None] + [layers[end - 1] for _, end in backbone.range_sub_modules]


def stage_x_gradient(model, inputs, stage, backbone_name, create_graph=False):
    """The oracle: (a * d logit_c / da) at the output ``a`` of ``stage``, summed over
    channels, upsampled to the input's size; one autograd pass per class."""
    outputs = []
    module = stage_modules(model.backbone, backbone_name)[stage]
    handle = module.register_forward_hook(lambda _, __, out: outputs.append(out))
    try:
        logits = model.class_logits(inputs)
    finally:
        handle.remove()
    (activation, ) = outputs
    maps = []
    for c in range(logits.shape[1]):
        (grad, ) = torch.autograd.grad(logits[:, c].sum(), activation, retain_graph=True,
                                       create_graph=create_graph)
        maps.append((activation * grad).sum(1))
    return upsample_relevance(torch.stack(maps, 1), inputs.shape[-2:])


@pytest.mark.parametrize('backbone, stages, size', [
    ('resnet18', (0, 1, 2, 3, 4), (37, 45)),
    ('resnet50', (1, 3), (33, 41)),
    ('vgg16bn', (1, 2, 3, 5), (35, 43)),
])
def test_lrp0_stage_relevance_equals_activation_x_gradient(build_model, backbone, stages,
                                                           size):
    for stage in stages:
        model = build_model(backbone, relevance_stage=stage).double().eval()
        inputs = torch.randn(2, 3, *size, dtype=torch.float64)
        expected = stage_x_gradient(model, inputs, stage, backbone).detach()
        with torch.no_grad():
            heatmaps = model(inputs, mode='tensor')
        assert heatmaps.shape == (2, 21, *size)
        assert expected.abs().max() > 0
        torch.testing.assert_close(heatmaps, expected, rtol=1e-6,
                                   atol=1e-6 * expected.abs().max().item())


def test_stage_relevance_differs_from_input_relevance(build_model):
    """The option changes what is decoded (a test that would pass with the option ignored
    is no test)."""
    inputs = torch.randn(1, 3, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        at_input = build_model().double().eval()(inputs, mode='tensor')
        at_stage = build_model(relevance_stage=2).double().eval()(inputs, mode='tensor')
    assert (at_input - at_stage).abs().max() > 0.1 * at_input.abs().max()


def test_pixel_loss_gradient_through_stage_relevance_matches_autograd(build_model):
    """Training through the maps: every parameter's gradient, the layers below the stage
    included (they shape the activations), is autograd's of activation x gradient."""
    model = build_model(relevance_stage=1).double().eval()
    inputs = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    weights = torch.randn(2, 21, 32, 32, dtype=torch.float64)
    parameters = [p for p in model.parameters() if p.requires_grad]
    expected = torch.autograd.grad(
        (stage_x_gradient(model, inputs, 1, 'resnet18', create_graph=True) * weights).sum(),
        parameters, allow_unused=True)
    got = torch.autograd.grad((model(inputs, mode='tensor') * weights).sum(), parameters,
                              allow_unused=True)
    stem = dict(model.named_parameters())['backbone.conv1.weight']
    index = next(i for i, p in enumerate(parameters) if p is stem)
    assert got[index].abs().max() > 0  # the stem below stage 1 is trained too
    for parameter, a, b in zip(parameters, got, expected):
        a = torch.zeros_like(parameter) if a is None else a  # unused: no gradient
        b = torch.zeros_like(parameter) if b is None else b
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8 * b.abs().max().item() + 1e-12)


def test_upsampling_keeps_each_maps_sum():
    relevance = torch.rand(2, 3, 6, 6, dtype=torch.float64)
    fine = upsample_relevance(relevance, (48, 48))
    assert fine.shape == (2, 3, 48, 48)
    torch.testing.assert_close(fine.sum(dim=(2, 3)), relevance.sum(dim=(2, 3)), rtol=0.05,
                               atol=0)
    assert upsample_relevance(relevance, (6, 6)) is relevance


@pytest.mark.parametrize('value', [-1, 1.5, 'layer1'])
def test_head_refuses_a_stage_that_is_no_index(build_model, value):
    with pytest.raises(ValueError, match='relevance_stage'):
        build_model(relevance_stage=value)


def test_decoder_refuses_a_stage_the_backbone_does_not_have(build_model):
    model = build_model(relevance_stage=5).eval()
    with pytest.raises(ValueError, match='relevance_stage=5: the backbone has stages 0 to 4'):
        model(torch.randn(1, 3, 32, 32), mode='tensor')
