"""The bfloat16 decoder: its signal in bfloat16, heatmaps and gradients in float32, close to
the float32 decoder's."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from unrolled_lrp.models.unroll.tied_conv import TiedConv


def relative_rms(a, b):
    return ((a - b).square().mean() / b.square().mean()).sqrt().item()


@pytest.mark.parametrize('composite', ['LRP0', 'EpsilonPlusFlat'])
def test_bfloat16_heatmaps_are_float32_and_close(build_model, monkeypatch, composite):
    inputs = torch.randn(2, 3, 32, 32)
    float32 = build_model('resnet18', composite=composite).eval()
    bfloat16 = build_model('resnet18', composite=composite, decoder_dtype='bfloat16').eval()
    signal_dtypes = set()
    transpose = TiedConv.transpose

    def recording_transpose(layer, signal, weight):
        signal_dtypes.add(signal.dtype)
        return transpose(layer, signal, weight)

    monkeypatch.setattr(TiedConv, 'transpose', recording_transpose)
    with torch.no_grad():
        reference = float32(inputs, mode='tensor')
        assert signal_dtypes == {torch.float32}
        signal_dtypes.clear()
        heatmaps = bfloat16(inputs, mode='tensor')
    assert signal_dtypes == {torch.bfloat16}
    assert heatmaps.dtype == torch.float32
    assert 0 < relative_rms(heatmaps, reference) < 3e-2  # bfloat16: 8 significant bits


def test_bfloat16_training_gradients_are_float32_and_close(build_model):
    inputs = torch.randn(2, 3, 32, 32)
    samples = []
    for seed in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32)))
        mask = torch.randint(0, 21, (1, 32, 32), generator=torch.Generator().manual_seed(seed))
        sample.gt_sem_seg = PixelData(data=mask)
        samples.append(sample)
    grads = []
    for options in ({}, dict(decoder_dtype='bfloat16')):
        model = build_model('resnet18', **options).eval()
        model.loss(inputs, samples)['decode.loss_ce'].backward()
        grads.append({n: p.grad for n, p in model.named_parameters() if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 0
    for name, reference in grads[0].items():
        assert grads[1][name].dtype == torch.float32
        assert relative_rms(grads[1][name], reference) < 5e-2, name


def test_an_unknown_decoder_dtype_fails_at_construction(build_model):
    with pytest.raises(ValueError, match="decoder_dtype must be None or 'bfloat16', got 'fp16'"):
        build_model('resnet18', decoder_dtype='fp16')
