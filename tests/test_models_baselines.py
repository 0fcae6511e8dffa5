"""The baselines have the architecture and the losses the paper's Tables 1 and 3 describe.

Small ResNet18 encoders; oracles are written out with plain torch (pooling, linear layer,
BCE), never with the code under test.
"""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from helpers import BACKBONES, count_calls, model_config

STAGES = [64, 128, 256, 512]  # ResNet18
NUM_CLASSES = 4
PREPROCESSOR = dict(type='SegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.],
                    size=(32, 32))


def free_decoder(skips=True):
    """FreeDecoderHead on all ResNet18 stages (UNet) or on the last one (FCN)."""
    inputs = (dict(in_channels=STAGES, in_index=[0, 1, 2, 3], input_transform='multiple_select')
              if skips else dict(in_channels=STAGES[-1], in_index=3))
    return dict(type='FreeDecoderHead', decoder_channels=(32, 16, 16, 8, 8),
                num_classes=NUM_CLASSES, norm_cfg=dict(type='BN'), **inputs)


def encoder_decoder(skips=True, multi_task=False):
    cfg = dict(type='EncoderDecoder', data_preprocessor=PREPROCESSOR,
               backbone=dict(BACKBONES['resnet18'], out_indices=(0, 1, 2, 3)),
               decode_head=free_decoder(skips), train_cfg=dict(), test_cfg=dict(mode='whole'))
    if multi_task:
        cfg.update(type='MultiTaskUNet', cls_head=dict(
            type='LinearClassifierHead', in_channels=STAGES[-1], num_classes=NUM_CLASSES))
    torch.manual_seed(0)
    return MODELS.build(ConfigDict(cfg))


def batch(masked=(True, False, True, False), size=32, seed=0):
    """Random images; masked samples get a square of class 1..3, every sample image labels."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(masked), 3, size, size, generator=generator)
    samples = []
    for i, has_mask in enumerate(masked):
        cls = i % 3 + 1
        sample = SegDataSample(metainfo=dict(img_path=f'image_{i}.jpg'))
        if has_mask:
            mask = torch.zeros(1, size, size, dtype=torch.long)
            mask[:, :size // 2, :size // 2] = cls
            sample.gt_sem_seg = PixelData(data=mask)
        labels = torch.zeros(NUM_CLASSES)
        labels[[0, cls]] = 1
        sample.gt_image_labels = labels
        samples.append(sample)
    return inputs, samples


def parameter_ids(module):
    return {id(p) for p in module.parameters()}


@pytest.mark.parametrize('skips', [True, False])
def test_free_decoder_weights_are_not_the_encoders(skips):
    model = encoder_decoder(skips)
    assert not parameter_ids(model.backbone) & parameter_ids(model.decode_head)
    inputs, samples = batch(masked=(True, ) * 4)
    model.train().loss(inputs, samples)['decode.loss_ce'].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.decode_head.parameters())


def test_unet_concatenates_every_encoder_stage_and_fcn_none():
    """Changing a shallow encoder stage changes the UNet's output and never the FCN's."""
    torch.manual_seed(0)
    features = [torch.randn(2, c, 32 // 2**(i + 2), 32 // 2**(i + 2)) for i, c in enumerate(STAGES)]
    for skips in (True, False):
        head = MODELS.build(free_decoder(skips)).eval()
        reference = head(features)
        assert reference.shape == (2, NUM_CLASSES, 32, 32)  # back to stride 1
        for stage in range(3):
            changed = list(features)
            changed[stage] = features[stage] + 1
            assert (not torch.allclose(head(changed), reference)) == skips


def test_free_decoder_takes_any_input_size():
    model = encoder_decoder().eval()
    inputs = torch.randn(1, 3, 45, 37)
    results = model.predict(inputs, [SegDataSample(metainfo=dict(
        img_shape=(45, 37), ori_shape=(45, 37), pad_shape=(45, 37), padding_size=[0, 0, 0, 0]))])
    assert results[0].seg_logits.data.shape == (NUM_CLASSES, 45, 37)


def test_free_decoder_rejects_more_skips_than_stages():
    cfg = dict(free_decoder(), decoder_channels=(8, 8))
    with pytest.raises(ValueError, match='3 skip connections'):
        MODELS.build(cfg)


def ws_ae_and_lrp0():
    models = []
    for composite in ('LRP0', 'WSAE'):
        torch.manual_seed(0)
        model = MODELS.build(model_config('resnet18', NUM_CLASSES, size=(32, 32),
                                          composite=composite))
        torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=0.5)
        models.append(model)
    models[1].load_state_dict(models[0].state_dict())
    return models


def test_ws_ae_decoder_is_the_encoder_with_standard_relus():
    lrp0, ws_ae = ws_ae_and_lrp0()
    # tied: the decoder adds no weights; every parameter is the encoder's or the classifier's
    assert set(dict(ws_ae.named_parameters())) == (
        {f'backbone.{n}' for n, _ in ws_ae.backbone.named_parameters()} |
        {'decode_head.conv_seg.weight', 'decode_head.conv_seg.bias'})
    inputs, samples = batch(masked=(True, ) * 2)
    ws_ae.train().loss(inputs, samples)['decode.loss_ce'].backward()
    conv = ws_ae.backbone.layer2[0].conv1.weight  # reached by the decoder: it is tied to it
    assert conv.grad is not None and conv.grad.abs().sum() > 0
    # same weights, different activations: ReLU on the signal is not the tied Heaviside
    lrp0.eval(), ws_ae.eval()
    with torch.no_grad():
        assert not torch.allclose(lrp0(inputs, mode='tensor'), ws_ae(inputs, mode='tensor'))


def test_multi_task_unet_class_logits_are_gap_and_linear_on_the_last_stage():
    model = encoder_decoder(multi_task=True).eval()
    inputs, _ = batch()
    with torch.no_grad():
        last = model.backbone(inputs)[-1]
        conv = model.cls_head.conv_seg
        expected = F.linear(F.adaptive_avg_pool2d(last, 1).flatten(1), conv.weight.flatten(1),
                            conv.bias)
        torch.testing.assert_close(model.class_logits(inputs), expected)
        calls = count_calls(model.backbone)
        results = model.predict(inputs, [SegDataSample(metainfo=dict(
            img_shape=(32, 32), ori_shape=(32, 32), pad_shape=(32, 32),
            padding_size=[0, 0, 0, 0])) for _ in range(len(inputs))])
    torch.testing.assert_close(torch.stack([r.pred_class_logits for r in results]), expected)
    assert len(calls) == 1  # one backbone pass feeds the decoder and the classifier


def test_multi_task_unet_losses():
    """BCE on every sample without background; the decoder sees the masked samples only."""
    model = encoder_decoder(multi_task=True).train()
    seen = []
    forward = model.decode_head.forward
    model.decode_head.forward = lambda features: seen.append(len(features[0])) or forward(features)
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss_cls', 'decode.loss_ce', 'decode.acc_seg'}
    assert seen == [2]

    model.eval()  # same BatchNorm statistics for the oracle
    logits = model.class_logits(inputs)
    labels = torch.stack([s.gt_image_labels for s in samples])
    expected = F.binary_cross_entropy_with_logits(logits[:, 1:], labels[:, 1:])
    torch.testing.assert_close(model.loss(inputs, samples)['loss_cls'], expected)

    for sample in samples:  # no masks: classifier only
        if 'gt_sem_seg' in sample:
            del sample.gt_sem_seg
    assert set(model.loss(inputs, samples)) == {'loss_cls'}


def test_multi_task_unet_classification_loss_trains_encoder_and_branch_not_decoder():
    model = encoder_decoder(multi_task=True).train()
    inputs, samples = batch()
    model.loss(inputs, samples)['loss_cls'].backward()
    assert model.cls_head.conv_seg.weight.grad.abs().sum() > 0
    assert model.backbone.layer4[-1].conv2.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.decode_head.parameters())


def test_image_level_labels_must_fit_the_classes():
    model = encoder_decoder(multi_task=True).train()
    inputs, samples = batch()
    samples[1].gt_image_labels = torch.ones(NUM_CLASSES + 1)
    with pytest.raises(ValueError, match=r'image_1.jpg: gt_image_labels has shape \(5,\)'):
        model.loss(inputs, samples)
    del samples[1].gt_image_labels
    with pytest.raises(ValueError, match='image_1.jpg: sample has neither a mask nor'):
        model.loss(inputs, samples)


def test_the_multi_task_unet_refuses_an_auxiliary_head_it_would_never_train():
    cfg = dict(type='MultiTaskUNet', backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
               decode_head=dict(type='FCNHead', in_channels=512, channels=8, num_classes=3),
               cls_head=dict(type='LinearClassifierHead', in_channels=512, num_classes=3),
               auxiliary_head=dict(type='FCNHead', in_channels=512, channels=8, num_classes=3))
    with pytest.raises(ValueError, match='MultiTaskUNet trains no auxiliary_head'):
        MODELS.build(cfg)
