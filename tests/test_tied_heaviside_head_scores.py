"""The head's pixel-score options and the segmentor's absent-class suppression.

Every option changes what the pixel softmax sees, never what ``mode='tensor'`` returns (the
exact heatmaps) and never the arg max of a prediction, except where suppression says so.
"""
import math

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from unrolled_lrp.models.absent_classes import present_class_argmax
from unrolled_lrp.models.unroll import TiedDecoder

OPTIONS = [dict(score_scale=7.0), dict(scale_by_pixels=True),
           dict(score_scale=0.5, scale_by_pixels=True, score_normalization='rms')]


def masked_samples(num, size, num_classes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(num):
        sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, ) + size, generator=generator))
        samples.append(sample)
    return samples


def test_pixel_scores_by_hand(build_model):
    heatmaps = torch.randn(2, 21, 6, 5)
    head = build_model('resnet18', score_scale=3.0).decode_head
    torch.testing.assert_close(head.pixel_scores(heatmaps), 3.0 * heatmaps)
    head = build_model('resnet18', score_scale=3.0, scale_by_pixels=True).decode_head
    torch.testing.assert_close(head.pixel_scores(heatmaps), 90.0 * heatmaps)
    head = build_model('resnet18', score_normalization='rms').decode_head
    scores = head.pixel_scores(heatmaps)
    for image in range(2):
        rms = math.sqrt(heatmaps[image].square().mean())
        torch.testing.assert_close(scores[image], heatmaps[image] / rms)
        torch.testing.assert_close(scores[image].square().mean(), torch.tensor(1.0))
    # with 'rms', the scale is applied after the normalisation: an inverse temperature
    head = build_model('resnet18', score_normalization='rms', score_scale=4.0).decode_head
    torch.testing.assert_close(head.pixel_scores(heatmaps), 4 * scores)


def test_rms_scores_do_not_change_with_the_size_of_the_heatmaps(build_model):
    head = build_model('resnet18', score_normalization='rms').decode_head
    heatmaps = torch.randn(1, 21, 8, 8)
    torch.testing.assert_close(head.pixel_scores(heatmaps * 1e-4), head.pixel_scores(heatmaps))


@pytest.mark.parametrize('options', OPTIONS)
def test_options_keep_tensor_heatmaps_and_the_segmentation(build_model, options):
    inputs = torch.randn(2, 3, 32, 40)
    plain, scaled = build_model('resnet18').eval(), build_model('resnet18', **options).eval()
    with torch.no_grad():
        torch.testing.assert_close(scaled(inputs, mode='tensor'), plain(inputs, mode='tensor'))
        for ours, reference in zip(scaled.predict(inputs), plain.predict(inputs)):
            assert torch.equal(ours.pred_sem_seg.data, reference.pred_sem_seg.data)
            torch.testing.assert_close(
                ours.seg_logits.data, scaled.decode_head.pixel_scores(
                    reference.seg_logits.data[None])[0])


@pytest.mark.parametrize('options', OPTIONS)
def test_loss_is_the_cross_entropy_of_the_scores(build_model, options):
    model = build_model('resnet18', **options).train()
    inputs = torch.randn(2, 3, 32, 32)
    samples = masked_samples(2, (32, 32), 21)
    torch.manual_seed(1)
    loss = model.loss(inputs, samples)['decode.loss_ce']
    torch.manual_seed(1)
    with torch.no_grad():
        model.train()
        heatmaps = model(inputs, mode='tensor')
    labels = torch.cat([s.gt_sem_seg.data for s in samples]).long()
    expected = torch.nn.functional.cross_entropy(model.decode_head.pixel_scores(heatmaps), labels)
    torch.testing.assert_close(loss, expected, rtol=1e-4, atol=1e-6)
    # the options matter: raw heatmaps give another loss
    assert not torch.allclose(
        loss, torch.nn.functional.cross_entropy(heatmaps, labels), rtol=1e-3)


def test_image_loss_classes_run_the_softmax_over_the_image_classes(build_model):
    model = build_model('resnet18', loss_classes='image', score_normalization='rms').train()
    inputs = torch.randn(2, 3, 32, 32)
    samples = masked_samples(2, (32, 32), 3)  # masks hold classes 0-2 of 21
    samples[1].gt_sem_seg.data[samples[1].gt_sem_seg.data == 2] = 1  # sample 1: 0 and 1
    torch.manual_seed(1)
    heatmaps = model(inputs, mode='tensor').detach().requires_grad_()
    loss = model.decode_head.loss_by_feat(heatmaps, samples)['loss_ce']
    loss.backward()
    labels = torch.cat([s.gt_sem_seg.data for s in samples]).long()
    expected = 0
    for image, classes in enumerate([[0, 1, 2], [0, 1]]):
        kept = heatmaps.detach()[image, classes]
        kept = kept / kept.square().mean().sqrt()
        remapped = torch.searchsorted(torch.tensor(classes), labels[image])
        expected = expected + torch.nn.functional.cross_entropy(
            kept[None], remapped[None], reduction='sum')
    torch.testing.assert_close(loss, expected / labels.numel(), rtol=1e-4, atol=1e-6)
    # classes outside an image's labels get no gradient from its pixel loss
    assert heatmaps.grad[0, 3:].abs().max() == 0 and heatmaps.grad[1, 2:].abs().max() == 0
    assert heatmaps.grad[1, :2].abs().max() > 0


def test_image_loss_classes_decode_only_the_batch_classes_with_the_same_gradients(
        build_model, monkeypatch):
    model = build_model('resnet18', loss_classes='image', score_normalization='rms').train()
    inputs = torch.randn(2, 3, 32, 32)
    samples = masked_samples(2, (32, 32), 3)  # classes 0-2 of 21
    samples[1].gt_sem_seg.data[samples[1].gt_sem_seg.data == 2] = 1

    def loss_and_grads(loss_of_trace):
        model.zero_grad()
        torch.manual_seed(1)
        loss = loss_of_trace(model.encode(inputs))
        loss.backward()
        return loss.detach(), {name: p.grad.clone() for name, p in model.named_parameters()
                               if p.grad is not None}

    head = model.decode_head
    decoded = []
    heatmaps = TiedDecoder.heatmaps

    def recording_heatmaps(decoder, classes=None, class_chunk=None):
        decoded.append(None if classes is None else sorted(classes.tolist()))
        return heatmaps(decoder, classes, class_chunk)

    monkeypatch.setattr(TiedDecoder, 'heatmaps', recording_heatmaps)
    subset = loss_and_grads(
        lambda trace: model.decode_loss(trace, torch.arange(2), samples)['decode.loss_ce'])
    every = loss_and_grads(
        lambda trace: head.loss(model.heatmaps(trace), samples, model.train_cfg)['loss_ce'])
    assert decoded == [[0, 1, 2], None]
    torch.testing.assert_close(subset[0], every[0])
    assert subset[1].keys() == every[1].keys() and len(every[1]) > 0
    for name, reference in every[1].items():
        torch.testing.assert_close(subset[1][name], reference, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize('bad, message', [(dict(score_scale=0), 'score_scale'),
                                          (dict(score_normalization='max'), 'normalization'),
                                          (dict(loss_classes='mask'), 'loss_classes')])
def test_bad_score_options_fail_at_construction(build_model, bad, message):
    with pytest.raises(ValueError, match=message):
        build_model('resnet18', **bad)


def test_present_class_argmax_by_hand():
    scores = torch.tensor([[[0.0, 0.0]], [[1.0, -1.0]], [[2.0, -2.0]]])  # (3, 1, 2)
    assert present_class_argmax(scores, torch.tensor([5.0, 1.0, 1.0])).tolist() == [[[2, 0]]]
    # class 2 is absent: class 1 wins where it beats background, background elsewhere
    assert present_class_argmax(scores, torch.tensor([5.0, 1.0, -1.0])).tolist() == [[[1, 0]]]
    # background stays allowed even with a negative logit
    assert present_class_argmax(scores, torch.tensor([-5.0, -1.0, -1.0])).tolist() == [[[0, 0]]]


def test_suppression_predicts_only_classes_the_classifier_finds(build_model):
    model = build_model('resnet18', num_classes=5).eval()
    inputs = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        plain = model.predict(inputs)
        model.test_cfg['suppress_absent_classes'] = True
        suppressed = model.predict(inputs)
    for ours, reference in zip(suppressed, plain):
        allowed = set((ours.pred_class_logits >= 0).nonzero().flatten().tolist()) | {0}
        assert set(ours.pred_sem_seg.data.unique().tolist()) <= allowed
        keep = torch.isin(reference.pred_sem_seg.data, torch.tensor(sorted(allowed)))
        assert torch.equal(ours.pred_sem_seg.data[keep], reference.pred_sem_seg.data[keep])
        # the arg max over the allowed classes of the full decoding
        assert torch.equal(ours.pred_sem_seg.data, present_class_argmax(
            reference.seg_logits.data, ours.pred_class_logits))


def test_suppression_decodes_only_the_classes_found(build_model, monkeypatch):
    from unrolled_lrp.models.unroll import TiedDecoder
    decoded = []

    def spy(self, classes=None, class_chunk=None):
        decoded.append(self.linear.weight.shape[0] if classes is None else len(classes))
        return heatmaps(self, classes, class_chunk)

    heatmaps = TiedDecoder.heatmaps
    monkeypatch.setattr(TiedDecoder, 'heatmaps', spy)
    model = build_model('resnet18', num_classes=21).eval()
    torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=0.001)
    torch.nn.init.constant_(model.decode_head.conv_seg.bias, -1.0)
    model.decode_head.conv_seg.bias.data[[0, 4, 9]] = 1.0  # background and two classes found
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        plain = model.predict(inputs)
        model.test_cfg['suppress_absent_classes'] = True
        suppressed = model.predict(inputs)
    assert decoded == [21, 3]
    lowest = torch.finfo(torch.float32).min
    for ours, reference in zip(suppressed, plain):
        torch.testing.assert_close(ours.seg_logits.data[[0, 4, 9]],
                                   reference.seg_logits.data[[0, 4, 9]])
        assert (ours.seg_logits.data[[1, 2, 3, 5, 20]] == lowest).all()
        assert set(ours.pred_sem_seg.data.unique().tolist()) <= {0, 4, 9}


def test_suppression_in_slide_inference_decodes_every_class(build_model):
    from mmengine.config import ConfigDict
    model = build_model('resnet18', num_classes=5).eval()
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(24, 24))
    inputs = torch.randn(1, 3, 48, 56)
    with torch.no_grad():
        (plain, ) = model.predict(inputs)
        model.test_cfg['suppress_absent_classes'] = True
        (suppressed, ) = model.predict(inputs)
    torch.testing.assert_close(suppressed.seg_logits.data, plain.seg_logits.data)
