"""HeatmapDistiller: a frozen teacher, a student trained on the teacher's heatmaps alone.

Tiny models: ResNet-18 layouts at 1/8 width on 32 px images, three classes.
"""
import copy

import pytest
import torch
from helpers import randomize_batch_norm
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS

from unrolled_lrp.models.unroll import TiedDecoder, walk_backbone

NUM_CLASSES = 3
SIZE = 32


def backbone(width=8, **kwargs):
    return dict(type='ResNet', depth=18, stem_channels=width, base_channels=width,
                out_indices=(3, ), style='pytorch', **kwargs)


def distiller_config(student_width=8, student_backbone=None, **kwargs):
    return dict(
        type='HeatmapDistiller', num_classes=NUM_CLASSES,
        teacher=dict(backbone=backbone(), in_channels=64),
        student=dict(backbone=student_backbone or backbone(student_width),
                     in_channels=8 * student_width),
        **kwargs)


def build(seed=0, **kwargs):
    """A distiller with a random but non-trivial teacher (BN statistics, visible classifier)."""
    torch.manual_seed(seed)
    model = MODELS.build(distiller_config(**kwargs))
    model.init_weights()
    randomize_batch_norm(model.teacher, seed)
    randomize_batch_norm(model.student, seed + 1)
    torch.nn.init.normal_(model.teacher.fc.weight, std=0.5)
    return model


def images(count=4, seed=1):
    return torch.randn(count, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def optim_wrapper(model, lr=1e-2):
    params = [param for param in model.parameters() if param.requires_grad]
    return OptimWrapper(torch.optim.AdamW(params, lr=lr))


def make_student_a_copy_of_teacher(model):
    model.student.load_state_dict(model.teacher.state_dict())


def test_teacher_is_frozen_and_in_eval_mode_while_the_student_trains():
    model = build()
    teacher_before = copy.deepcopy(model.teacher.state_dict())  # buffers included
    student_before = copy.deepcopy(model.student.state_dict())
    model.train()
    assert not any(module.training for module in model.teacher.modules())
    assert model.student.training
    assert not any(param.requires_grad for param in model.teacher.parameters())

    model.loss(images())['loss_heatmap'].backward()
    for name, param in model.teacher.named_parameters():
        assert param.grad is None, f'teacher {name} got a gradient'
    for name, param in model.student.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, f'student {name}: no gradient'
    model.zero_grad()

    log = model.train_step(dict(inputs=images(), data_samples=None), optim_wrapper(model))
    assert set(log) == {'loss', 'loss_heatmap', 'logit_distance'}
    for name, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[name]), f'teacher {name} changed'
    for name, param in model.student.named_parameters():
        assert not torch.equal(param, student_before[name]), f'student {name} did not change'


@pytest.mark.parametrize('criterion', ['mse', 'l1', 'cosine', 'pyramid'])
@pytest.mark.parametrize('center', [False, True])
@pytest.mark.parametrize('selection', [dict(), dict(topk=2, class_weights=[1.0, 2.0, 0.5])])
def test_student_equal_to_teacher_has_zero_loss_and_zero_gradient(criterion, center, selection):
    # norm_eval: the student's BatchNorm uses its running statistics, as the teacher's does
    loss = dict(type='HeatmapMatchingLoss', criterion=criterion, center_classes=center)
    model = build(student_backbone=backbone(norm_eval=True), loss_heatmap=loss, **selection)
    make_student_a_copy_of_teacher(model)
    model.train()
    losses = model.loss(images())
    losses['loss_heatmap'].backward()
    assert losses['loss_heatmap'].abs().item() < 1e-6
    assert losses['logit_distance'].item() < 1e-6
    for name, param in model.student.named_parameters():
        assert param.grad.abs().max().item() < 1e-5, name  # cosine: rounding near cos = 1


def test_student_different_from_teacher_has_a_positive_loss():
    """The counterpart of the test above: the loss does see a difference."""
    model = build()
    assert model.loss(images())['loss_heatmap'].item() > 1e-3


def logit_distance(model, inputs):
    """Mean |student - teacher| of the plain forward passes (not the decoder's)."""
    with torch.no_grad():
        return (model.student(inputs) - model.teacher(inputs)).abs().mean().item()


def test_training_lowers_the_heatmap_loss_and_brings_the_logits_closer():
    """A student near the teacher (its convolution weights perturbed by 20%); from a random
    start, matching is dominated by the heatmaps' pixel noise and takes far more steps
    (tools/benchmarks/tea_bias_benchmark.py trains such students)."""
    torch.manual_seed(0)
    model = MODELS.build(distiller_config(student_backbone=backbone(norm_eval=True)))
    model.init_weights()
    torch.nn.init.normal_(model.teacher.fc.weight, std=0.5)
    make_student_a_copy_of_teacher(model)
    with torch.no_grad():
        for param in model.student.parameters():
            if param.dim() > 1:
                param.add_(0.2 * param.std() * torch.randn_like(param))
    inputs = images(8)
    wrapper = optim_wrapper(model, lr=1e-3)
    model.train()
    first_loss = model.loss(inputs)['loss_heatmap'].item()
    first_distance = logit_distance(model, inputs)
    for _ in range(60):
        model.train_step(dict(inputs=inputs, data_samples=None), wrapper)
    assert model.loss(inputs)['loss_heatmap'].item() < 0.3 * first_loss
    assert logit_distance(model, inputs) < 0.8 * first_distance


def oracle_loss(model, inputs, topk, class_weights):
    """Weighted MSE over each image's top-k teacher classes, image by image, all classes
    decoded by the core function and picked with Python indexing."""
    def maps(classifier):
        fc = classifier.fc
        decoder = TiedDecoder(walk_backbone(classifier.backbone, inputs), fc.weight, fc.bias,
                              dict(type='LRPEpsilon', epsilon=0.1))  # the default
        return decoder.heatmaps(), decoder.logits

    with torch.no_grad():
        teacher_maps, teacher_logits = maps(model.teacher)
        student_maps, _ = maps(model.student)
    pixels = SIZE * SIZE
    total, weights = 0.0, 0.0
    for image in range(len(inputs)):
        for cls in teacher_logits[image].argsort(descending=True)[:topk].tolist():
            difference = pixels * (student_maps[image, cls] - teacher_maps[image, cls])
            total += class_weights[cls] * difference.pow(2).mean().item()
            weights += class_weights[cls]
    return total / weights


@pytest.mark.parametrize('topk, class_weights', [(None, None), (1, None), (2, [0.2, 1.0, 3.0])])
def test_loss_over_top_k_classes_with_class_weights(topk, class_weights):
    model = build(topk=topk, class_weights=class_weights)
    model.eval()
    inputs = images(5)
    weights = class_weights or [1.0] * NUM_CLASSES
    expected = oracle_loss(model, inputs, topk or NUM_CLASSES, weights)
    with torch.no_grad():
        actual = model.loss(inputs)['loss_heatmap'].item()
    assert actual == pytest.approx(expected, rel=1e-4)


def test_predict_gives_student_scores_for_both_metric_kinds():
    from mmengine.structures import BaseDataElement
    model = build()
    model.eval()
    inputs = images(3)
    with torch.no_grad():
        logits = model.student(inputs)
        single = model(inputs, [BaseDataElement() for _ in range(3)], mode='predict')
        model.multi_label = True
        multi = model(inputs, [BaseDataElement() for _ in range(3)], mode='predict')
        tensor = model(inputs, mode='tensor')
    torch.testing.assert_close(tensor, logits)
    for i in range(3):
        torch.testing.assert_close(single[i].pred_class_logits, logits[i])
        torch.testing.assert_close(single[i].pred_score.sum(), torch.tensor(1.0))
        assert single[i].pred_label.item() == logits[i].argmax().item()
        torch.testing.assert_close(multi[i].pred_score, torch.sigmoid(logits[i]))
        assert 'pred_label' not in multi[i]


@pytest.mark.parametrize('bad, message', [
    (dict(topk=4), 'topk must be in 1..num_classes=3'),
    (dict(class_weights=[1.0, 2.0]), 'class_weights has 2 entries'),
    (dict(loss_heatmap=dict(type='HeatmapMatchingLoss', criterion='kl')), 'must be one of'),
    (dict(student_backbone=dict(type='ResNet', depth=18, out_indices=(2, ))),
     'must end with the last stage'),
])
def test_bad_configs_fail_at_construction(bad, message):
    with pytest.raises(ValueError, match=message):
        MODELS.build(distiller_config(**bad))
