"""UnrolledClassifier.load_checkpoint (the TEA teacher's loader) reads checkpoints of this project
(UnrolledLRP) and of mmpretrain (ImageClassifier), and then computes what the saved model
computes."""
import pytest
import torch
from helpers import randomize_batch_norm
from mmseg.registry import MODELS

NUM_CLASSES = 3
EPS = 1e-2
SEG_RESNET = dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, out_indices=(3, ),
                  style='pytorch')
PRETRAIN_RESNET = dict(type='mmpretrain.ResNet', depth=18, stem_channels=8, base_channels=8,
                       out_indices=(3, ))


def images():
    return torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(7))


def save(model, path):
    """As mmengine's Runner saves: the weights under ``state_dict`` beside other entries."""
    torch.save(dict(meta=dict(iter=1), state_dict=model.state_dict()), path)
    return str(path)


def distiller(checkpoint, teacher_backbone, student_backbone=SEG_RESNET, num_classes=NUM_CLASSES):
    model = MODELS.build(dict(
        type='HeatmapDistiller', num_classes=num_classes, teacher_checkpoint=checkpoint,
        composite=dict(type='LRPEpsilon', epsilon=EPS),
        teacher=dict(backbone=teacher_backbone, in_channels=64),
        student=dict(backbone=student_backbone, in_channels=64)))
    model.init_weights()
    return model.eval()


@pytest.fixture
def unrolled_lrp_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='UnrolledLRP', backbone=SEG_RESNET,
        decode_head=dict(type='TiedHeavisideHead', in_channels=64, num_classes=NUM_CLASSES,
                         composite=dict(type='LRPEpsilon', epsilon=EPS))))
    model.init_weights()
    randomize_batch_norm(model)
    torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=0.5)
    torch.nn.init.normal_(model.decode_head.conv_seg.bias, std=0.1)
    return model.eval(), save(model, tmp_path / 'unrolled_lrp.pth')


@pytest.fixture
def image_classifier_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier', backbone=PRETRAIN_RESNET, neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=64)))
    model.init_weights()
    randomize_batch_norm(model)
    torch.nn.init.normal_(model.head.fc.bias, std=0.1)
    return model.eval(), save(model, tmp_path / 'image_classifier.pth')


def test_teacher_from_unrolled_lrp_has_its_logits_and_epsilon_heatmaps(unrolled_lrp_checkpoint):
    saved, path = unrolled_lrp_checkpoint
    model = distiller(path, SEG_RESNET)
    inputs = images()
    with torch.no_grad():
        trace = model.teacher.trace(inputs)
        maps, logits = model.teacher.heatmaps(trace), model.teacher.logits(trace)
        torch.testing.assert_close(logits, saved.class_logits(inputs))
        torch.testing.assert_close(model.teacher(inputs), saved.class_logits(inputs))
        torch.testing.assert_close(maps, saved(inputs, mode='tensor'))


def test_a_segmentors_classifier_loads_a_checkpoint_into_its_1x1_convolution(
        unrolled_lrp_checkpoint):
    saved, path = unrolled_lrp_checkpoint
    torch.manual_seed(1)
    model = MODELS.build(dict(type='UnrolledLRP', backbone=SEG_RESNET, decode_head=dict(
        type='TiedHeavisideHead', in_channels=64, num_classes=NUM_CLASSES))).eval()
    model.classifier.load_checkpoint(path)
    loaded = model.state_dict()
    for key, value in saved.state_dict().items():
        assert torch.equal(loaded[key], value), key


def test_teacher_from_mmpretrain_image_classifier_has_its_logits(image_classifier_checkpoint):
    saved, path = image_classifier_checkpoint
    model = distiller(path, PRETRAIN_RESNET)
    inputs = images()
    with torch.no_grad():
        torch.testing.assert_close(model.teacher(inputs), saved(inputs, mode='tensor'))
        torch.testing.assert_close(model.teacher.logits(model.teacher.trace(inputs)),
                                   saved(inputs, mode='tensor'))


def test_teacher_without_checkpoint_is_not_loaded_and_student_is_never_loaded(
        unrolled_lrp_checkpoint):
    saved, path = unrolled_lrp_checkpoint
    model = distiller(path, SEG_RESNET)
    saved_weight = saved.decode_head.conv_seg.weight.flatten(1)
    assert torch.equal(model.teacher.fc.weight, saved_weight)
    assert not torch.equal(model.student.fc.weight, saved_weight)


def test_checkpoint_errors_name_the_file_and_the_problem(tmp_path, unrolled_lrp_checkpoint):
    saved, path = unrolled_lrp_checkpoint
    with pytest.raises(ValueError, match='checkpoint not found: .*missing.pth'):
        distiller(str(tmp_path / 'missing.pth'), SEG_RESNET)
    backbone_only = str(tmp_path / 'backbone_only.pth')
    torch.save({'backbone.' + k: v for k, v in saved.backbone.state_dict().items()}, backbone_only)
    with pytest.raises(ValueError, match=r'backbone_only.pth: no linear classifier .*'
                       r'decode_head.conv_seg.weight \(UnrolledLRP\) or head.fc.weight'):
        distiller(backbone_only, SEG_RESNET)
    wider = dict(SEG_RESNET, base_channels=16, stem_channels=16)
    with pytest.raises(ValueError, match=r'unrolled_lrp.pth: the backbone of this UnrolledLRP '
                       'checkpoint does not fit'):
        distiller(path, wider)
    with pytest.raises(ValueError, match=r'unrolled_lrp.pth: classifier decode_head.conv_seg.weight'
                       r' has \(classes, channels\) = \(3, 64\), the configured classifier \(5, 64\)'):
        distiller(path, SEG_RESNET, num_classes=5)
