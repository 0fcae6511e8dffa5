"""Sec. 2.4: the LRP-0 heatmap loss trains the decoder path only; LRP-epsilon also the encoder's."""
import pytest
import torch

from unrolled_lrp.models.unroll import walk_backbone
from unrolled_lrp.models.unroll.tied_activation import TiedActivation
from unrolled_lrp.models.unroll.tied_residual import TiedResidual


def activations(records):
    for record in records:
        if isinstance(record, TiedActivation):
            yield record.activation
        elif isinstance(record, TiedResidual):
            yield from activations(record.branch)


@pytest.mark.parametrize('composite, reaches_encoder', [
    ('LRP0', False), (dict(type='LRPEpsilon', epsilon=0.5), True)])
def test_heatmap_loss_reaches_encoder_activations_only_for_epsilon(build_model, composite,
                                                                   reaches_encoder):
    model = build_model('resnet18', composite=composite).train()
    inputs = torch.randn(2, 3, 40, 40)
    trace = walk_backbone(model.backbone, inputs)
    stored = list(activations(trace.records))
    heatmaps = model.heatmaps(trace)
    loss = torch.nn.functional.cross_entropy(heatmaps, torch.randint(0, 21, (2, 40, 40)))
    grads = torch.autograd.grad(loss, stored + [trace.features], allow_unused=True,
                                retain_graph=True)
    reached = [g is not None and g.abs().sum() > 0 for g in grads]
    assert any(reached) == reaches_encoder
    # in both modes the tied decoder weights get gradient from the heatmap loss
    conv_grad = torch.autograd.grad(heatmaps.square().sum(), model.backbone.conv1.weight)[0]
    assert conv_grad.abs().sum() > 0


def test_strided_pointwise_inverse_trains_safely():
    """The downsample shortcut's inverse (1x1, stride 2, to 8 channels): its backward once
    corrupted the heap in channels-last layout; gradients against autograd's."""
    from unrolled_lrp.models.unroll.tied_conv import TiedConv
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(8, 16, 1, stride=2, bias=False)
    inputs = torch.zeros(1, 8, 16, 16)
    record = TiedConv(conv, None, None, inputs, conv(inputs))
    assert record.strided_pointwise()
    for _ in range(10):
        signal = torch.randn(1, 21, 16, 8, 8, requires_grad=True)
        out = record.transpose(signal, record.weight)
        target = torch.randn_like(out)
        (out * target).sum().backward()
        expected = torch.nn.functional.conv_transpose2d(signal[0].detach(), conv.weight, None, 2,
                                                        output_padding=1)
        assert out[0].is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(out[0].detach(), expected)
        torch.testing.assert_close(signal.grad[0], torch.nn.functional.conv2d(target[0], conv.weight,
                                                                              stride=2))
        conv.weight.grad = None
