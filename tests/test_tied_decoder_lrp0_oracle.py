"""LRP-0 through the tied decoder equals input x gradient, for every class."""
import pytest
import torch

from helpers import input_x_gradient


def assert_heatmaps_close(actual, expected, rtol=1e-4):
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=rtol * expected.abs().max().item())


@pytest.mark.parametrize('backbone, size', [
    ('resnet18', (37, 45)),
    ('resnet50', (33, 41)),
    ('resnet50v1c', (35, 29)),
    ('vgg16bn', (35, 43)),
    ('vgg16', (33, 39)),
])
def test_lrp0_equals_input_x_gradient(build_model, backbone, size):
    model = build_model(backbone).double().eval()
    inputs = torch.randn(2, 3, *size, dtype=torch.float64)
    expected, _ = input_x_gradient(model, inputs)
    with torch.no_grad():
        heatmaps = model(inputs, mode='tensor')
    assert heatmaps.shape == (2, 21, *size)
    assert expected.abs().max() > 0
    assert_heatmaps_close(heatmaps, expected)


def test_float32_heatmaps_match_oracle(build_model):
    model = build_model('resnet18').eval()
    inputs = torch.randn(1, 3, 40, 40)
    expected, _ = input_x_gradient(model, inputs)
    with torch.no_grad():
        assert_heatmaps_close(model(inputs, mode='tensor'), expected, rtol=1e-3)


def test_class_chunks_and_subsets_agree_with_all_classes(build_model):
    model = build_model('resnet18').double().eval()
    classifier = model.classifier
    inputs = torch.randn(2, 3, 32, 36, dtype=torch.float64)
    with torch.no_grad():
        trace = classifier.trace(inputs)
        full = classifier.heatmaps(trace)
        chunked = classifier.heatmaps(trace, chunk=4)
        subset = classifier.heatmaps(trace, classes=[3, 7])
        wanted = torch.zeros(2, full.shape[1], dtype=torch.bool)
        wanted[0, 3], wanted[1, 7] = True, True
        sparse = classifier.heatmaps_for(trace, wanted)
        logits = classifier.logits(trace)
    torch.testing.assert_close(chunked, full)
    torch.testing.assert_close(subset, full[:, [3, 7]])
    # the classes some sample wants are decoded for every sample, the rest are zeros
    torch.testing.assert_close(sparse[:, [3, 7]], full[:, [3, 7]])
    assert sparse[:, [c for c in range(full.shape[1]) if c not in (3, 7)]].abs().max() == 0
    torch.testing.assert_close(logits, model.class_logits(inputs).detach())


def test_summing_unpool_is_needed_where_pool_windows_overlap(build_model):
    """The ResNet stem's 3x3/2 max-pool shares winners between windows: an overwriting
    unpool (torch's max_unpool2d) would lose signal there."""
    import torch.nn.functional as F
    from unrolled_lrp.models.unroll import walk_backbone
    from unrolled_lrp.models.unroll.tied_max_pool import TiedMaxPool
    model = build_model('resnet18').eval()
    trace = walk_backbone(model.backbone, torch.randn(1, 3, 32, 32))
    pool = next(r for r in trace.records if isinstance(r, TiedMaxPool))
    signal = torch.rand(1, 1, *pool.indices.shape[1:])
    summed = pool.unpool(signal)[:, 0]
    overwritten = F.max_unpool2d(signal[:, 0], pool.indices, 3, 2, 1, pool.input_shape[2:])
    torch.testing.assert_close(summed.sum(), signal.sum())
    assert overwritten.sum() < summed.sum() - 1e-3


@pytest.mark.parametrize('kernel,stride,padding,size', [(7, 2, 3, 32), (7, 2, 3, 31), (3, 2, 1, 17),
                                                         (1, 2, 0, 16), (4, 2, 1, 16), (5, 3, 1, 23)])
def test_phase_by_phase_inverse_equals_conv_transpose(kernel, stride, padding, size):
    """The inverse the decoder uses for strided convolutions back to the image channels."""
    from unrolled_lrp.models.unroll.phase_conv_transpose import conv_transpose_by_phases
    generator = torch.Generator().manual_seed(kernel * stride + size)
    weight = torch.randn(8, 3, kernel, kernel, dtype=torch.float64, generator=generator)
    image = torch.randn(2, 3, size, size + 3, dtype=torch.float64, generator=generator)
    out = torch.nn.functional.conv2d(image, weight, None, stride, padding)
    signal = torch.randn(out.shape, dtype=torch.float64, generator=generator)
    output_padding = tuple(image.shape[2 + i] - ((out.shape[2 + i] - 1) * stride - 2 * padding +
                                                  kernel) for i in range(2))
    expected = torch.nn.functional.conv_transpose2d(signal, weight, None, stride, padding,
                                                    output_padding)
    got = conv_transpose_by_phases(signal, weight, (stride, stride), (padding, padding),
                                   image.shape[2:])
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_resnet_stem_inverse_runs_phase_by_phase(build_model):
    """So that the oracle tests above cover the phase-by-phase path."""
    from unrolled_lrp.models.unroll import walk_backbone
    model = build_model('resnet18').eval()
    trace = walk_backbone(model.backbone, torch.randn(1, 3, 32, 32))
    stem, first_block = trace.records[0], trace.records[3]
    assert stem.by_phases() and not first_block.branch[0].by_phases()
