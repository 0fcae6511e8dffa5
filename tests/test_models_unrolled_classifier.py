"""UnrolledClassifier: the public model, on a plain torchvision ResNet, as docs/library.md uses
it. Oracle: LRP-0 heatmaps are input x gradient for every class."""
import re

import pytest
import torch
import torchvision

from helpers import REPO
from unrolled_lrp import UnrolledClassifier
from unrolled_lrp.models.unroll import UnsupportedLayerError


def input_x_gradient(net, inputs):
    inputs = inputs.clone().requires_grad_(True)
    logits = net(inputs)
    maps = [(inputs * torch.autograd.grad(logits[:, c].sum(), inputs, retain_graph=True)[0])
            .sum(1) for c in range(logits.shape[1])]
    return torch.stack(maps, 1).detach(), logits.detach()


@pytest.mark.parametrize('arch', ['resnet18', 'resnet50'])
def test_lrp0_heatmaps_of_a_torchvision_resnet_are_input_x_gradient(arch):
    torch.manual_seed(0)
    net = getattr(torchvision.models, arch)(num_classes=6).double().eval()
    for module in net.modules():  # non-trivial statistics, so the BN scales matter
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
    classifier = UnrolledClassifier(net, net.fc)
    inputs = torch.randn(2, 3, 45, 37, dtype=torch.float64)
    expected, logits = input_x_gradient(net, inputs)
    with torch.no_grad():
        trace = classifier.trace(inputs)
        torch.testing.assert_close(classifier.logits(trace), logits)
        torch.testing.assert_close(classifier(inputs), logits)
        heatmaps = classifier.heatmaps(trace)
        subset = classifier.heatmaps(trace, classes=[4, 1], chunk=1)
    assert expected.abs().max() > 0
    torch.testing.assert_close(heatmaps, expected, rtol=1e-6,
                               atol=1e-6 * expected.abs().max().item())
    torch.testing.assert_close(subset, heatmaps[:, [4, 1]])


def test_the_library_example_runs_and_trains_through_the_heatmaps():
    text = (REPO / 'docs' / 'library.md').read_text()
    (example, ) = re.findall(r'```python\n(.*?)```', text, re.S)
    assert len(example.strip().splitlines()) <= 15
    namespace = {}
    exec(compile(example, 'docs/library.md', 'exec'), namespace)
    net = namespace['net']
    assert namespace['heatmaps'].shape == (2, 3, 64, 64)
    assert net.conv1.weight.grad is not None and net.conv1.weight.grad.abs().max() > 0
    assert net.fc.weight.grad[[3, 7, 11]].abs().max() > 0


def test_a_backbone_it_cannot_trace_is_refused_when_built():
    net = torchvision.models.mobilenet_v2(num_classes=3)
    with pytest.raises(UnsupportedLayerError,
                       match='backbone Sequential is not supported .*torchvision ResNet'):
        UnrolledClassifier(net.features, net.classifier[1])
    resnet = torchvision.models.resnet18(num_classes=3)
    with pytest.raises(TypeError, match='linear must be a torch.nn.Linear'):
        UnrolledClassifier(resnet, resnet.layer4)


def test_a_1x1_convolution_classifies_as_the_linear_layer_with_its_weights():
    torch.manual_seed(0)
    net = torchvision.models.resnet18(num_classes=5).double().eval()
    conv = torch.nn.Conv2d(512, 5, kernel_size=1).double()
    conv.weight.data.copy_(net.fc.weight.data[:, :, None, None])
    conv.bias.data.copy_(net.fc.bias.data)
    inputs = torch.randn(1, 3, 40, 40, dtype=torch.float64)
    by_linear, by_conv = UnrolledClassifier(net, net.fc), UnrolledClassifier(net, conv)
    with torch.no_grad():
        trace = by_linear.trace(inputs)
        torch.testing.assert_close(by_conv.logits(trace), by_linear.logits(trace))
        torch.testing.assert_close(by_conv.heatmaps(trace), by_linear.heatmaps(trace))
    with pytest.raises(TypeError, match='or a 1x1 torch.nn.Conv2d'):
        UnrolledClassifier(net, torch.nn.Conv2d(512, 5, kernel_size=3))


def test_the_segmentor_makes_its_heatmaps_with_an_unrolled_classifier_of_its_own_parameters(
        build_model):
    """UnrolledLRP's classifier shares the backbone and the head's conv_seg, and adds no key to
    the state dict (checkpoints keep MMSeg's layout)."""
    model = build_model('resnet18').eval()
    classifier = model.classifier
    assert isinstance(classifier, UnrolledClassifier)
    assert classifier.backbone is model.backbone and classifier.fc is model.decode_head.conv_seg
    keys = set(model.state_dict())
    assert not any(key.startswith('classifier.') for key in keys)
    assert 'decode_head.conv_seg.weight' in keys and 'backbone.conv1.weight' in keys
    inputs = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(inputs, mode='tensor'),
                                   classifier.heatmaps(classifier.trace(inputs)))
