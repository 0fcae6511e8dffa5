"""Bad models and bad samples fail with errors that say what is wrong and where."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from helpers import model_config
from unrolled_lrp.models.unroll import UnsupportedLayerError, walk_backbone


def sample(mask=None, labels=None, path='data/img_7.jpg'):
    data_sample = SegDataSample(metainfo=dict(img_path=path))
    if mask is not None:
        data_sample.gt_sem_seg = PixelData(data=mask)
    if labels is not None:
        data_sample.gt_image_labels = labels
    return data_sample


def test_unsupported_backbone_type():
    config = model_config()
    config['backbone'] = dict(type='MobileNetV2', out_indices=(6, ))
    with pytest.raises(UnsupportedLayerError, match='MobileNetV2 is not supported'):
        MODELS.build(config)


def test_avg_down_resnet_is_refused():
    config = model_config()
    config['backbone'] = dict(type='ResNet', depth=18, avg_down=True, out_indices=(3, ))
    with pytest.raises(UnsupportedLayerError, match='avg_down'):
        MODELS.build(config)
    config['backbone'] = dict(type='ResNetV1d', depth=18, out_indices=(3, ))
    with pytest.raises(UnsupportedLayerError, match='ResNetV1d is not supported'):
        MODELS.build(config)


def test_out_indices_must_end_at_last_stage():
    config = model_config()
    config['backbone']['out_indices'] = (2, )
    with pytest.raises(ValueError, match='must end with the last stage'):
        MODELS.build(config)


def test_unsupported_layer_is_named(build_model):
    model = build_model('resnet18')
    model.backbone.layer2[0].conv1.padding_mode = 'reflect'
    with pytest.raises(UnsupportedLayerError, match=r'layer2\[0\].conv1.*reflect'):
        walk_backbone(model.backbone, torch.randn(1, 3, 32, 32))


def test_mask_of_other_size_names_the_image(build_model):
    model = build_model('resnet18').train()
    bad = sample(mask=torch.zeros(1, 30, 32, dtype=torch.long))
    with pytest.raises(ValueError, match=r'data/img_7.jpg: mask size \(30, 32\) differs'):
        model.loss(torch.randn(1, 3, 32, 32), [bad])


def test_label_values_outside_classes_and_ignore(build_model):
    model = build_model('resnet18').train()
    mask = torch.zeros(1, 32, 32, dtype=torch.long)
    mask[0, 0, :3] = torch.tensor([21, 255, 40])
    with pytest.raises(ValueError,
                       match=r'img_7.jpg: mask values \[21, 40\] are outside 0..20 and 255'):
        model.loss(torch.randn(1, 3, 32, 32), [sample(mask=mask)])


def test_sample_without_any_label(build_model):
    model = build_model('resnet18').train()
    with pytest.raises(ValueError, match='neither a mask nor gt_image_labels'):
        model.loss(torch.randn(1, 3, 32, 32), [sample()])


def test_unknown_composite():
    config = model_config(composite='LRP-z')
    with pytest.raises(ValueError, match="unknown LRP composite 'LRP-z'; registered: .*LRP0"):
        MODELS.build(config)


def test_keys_of_earlier_versions_are_unknown_options():
    """One LRP configuration API: composite= (mode=, eps=, epsilon_scope= are gone)."""
    for key in ('mode', 'eps'):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{key}'"):
            MODELS.build(model_config(**{key: 'epsilon'}))


@pytest.mark.parametrize('backbone', [
    dict(type='mmpretrain.SEResNet', depth=50, out_indices=(3, )),
    dict(type='mmpretrain.ResNet_CIFAR', depth=18, out_indices=(3, )),
])
def test_subclass_of_a_supported_backbone_is_refused(backbone):
    config = model_config()
    config['backbone'] = backbone
    name = backbone['type'].split('.')[1]
    with pytest.raises(UnsupportedLayerError, match=f'backbone {name} is not supported.*mmseg ResNet'):
        MODELS.build(config)


def test_walker_that_skips_a_layer_fails_at_construction(monkeypatch):
    """SEResNet registered with the ResNet walker (which does not visit its se_layer): the
    construction check compares the traced forward with the backbone's own."""
    from mmpretrain.models.backbones import ResNet, SEResNet

    from unrolled_lrp.models.unroll import BACKBONE_WALKERS, backbone_key
    monkeypatch.setitem(BACKBONE_WALKERS._module_dict, backbone_key(SEResNet),
                        BACKBONE_WALKERS.get(backbone_key(ResNet)))
    config = model_config()
    config['backbone'] = dict(type='mmpretrain.SEResNet', depth=50, out_indices=(3, ))
    with pytest.raises(UnsupportedLayerError, match='SEResNet: the traced forward differs'):
        MODELS.build(config)


def test_construction_check_keeps_training_flags(build_model):
    model = build_model('resnet18').train()
    from unrolled_lrp.models.unroll import check_backbone
    check_backbone(model.backbone)
    assert all(module.training for module in model.backbone.modules())


def test_conv_module_with_padding_layer_is_named():
    """mmcv's ConvModule pads reflect/replicate through a padding layer before its conv."""
    from mmcv.cnn import ConvModule

    from unrolled_lrp.models.unroll.sequential_walker import walk_sequential
    layer = ConvModule(3, 4, 3, padding=1, padding_mode='reflect', norm_cfg=dict(type='BN'))
    with pytest.raises(UnsupportedLayerError, match=r'features\[0\]: ConvModule with a padding layer'):
        walk_sequential([], [layer], torch.randn(1, 3, 8, 8), 'features')
