"""A diverged run stops at its first non-finite loss, naming the iteration and the term, and
nothing saved or scored from NaN weights passes for a result."""
import logging
from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from unrolled_lrp.engine import NonFiniteLossError, NonFiniteLossHook
from unrolled_lrp.evaluation import MultiLabelF1Metric, PresentClassIoUMetric
from unrolled_lrp.utils import CheckpointMismatch, load_checkpoint_file


def runner_at(iteration, model=None):
    return SimpleNamespace(iter=iteration - 1, model=model or torch.nn.Linear(2, 2))


def test_the_first_nan_or_inf_loss_names_its_iteration_and_term():
    hook = NonFiniteLossHook()
    hook.after_train_iter(runner_at(1), 0, outputs=dict(loss=torch.tensor(0.7),
                                                         loss_cls=torch.tensor(0.2)))
    with pytest.raises(NonFiniteLossError, match=r'iteration 2: loss_seg = nan is not finite') as error:
        hook.after_train_iter(runner_at(2), 1, outputs=dict(loss=torch.tensor(float('nan')),
                                                             loss_seg=torch.tensor(float('nan')),
                                                             loss_cls=torch.tensor(0.2)))
    assert 'loss_cls' not in str(error.value)
    with pytest.raises(NonFiniteLossError, match='loss = inf'):
        hook.after_train_iter(runner_at(3), 2, outputs=dict(loss=float('inf')))


def test_weights_an_update_made_nan_stop_training_though_the_loss_was_finite():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    with torch.no_grad():
        model[1].bias.fill_(float('inf'))
    with pytest.raises(NonFiniteLossError, match=r'iteration 4: 1\.bias \(after the update\) is '
                                                 r'not finite'):
        NonFiniteLossHook().after_train_iter(runner_at(4, model), 3, outputs=dict(loss=0.3))


def test_the_hook_runs_before_the_checkpoint_hook():
    from mmengine.hooks import CheckpointHook
    from mmengine.runner.priority import get_priority
    assert get_priority(NonFiniteLossHook.priority) < get_priority(CheckpointHook.priority)


def test_a_loss_grown_a_thousandfold_is_warned_about_once(monkeypatch):
    from unrolled_lrp.engine import non_finite_loss_hook
    warnings = []
    monkeypatch.setattr(non_finite_loss_hook, 'print_log',
                        lambda message, **kwargs: warnings.append((message, kwargs['level'])))
    hook = NonFiniteLossHook(reference_iters=3)
    for iteration, loss in enumerate([1.0, 2.0, 1.5, 10.0, 5e3, 1e6], start=1):
        hook.after_train_iter(runner_at(iteration), 0, outputs=dict(loss=loss))
    assert len(warnings) == 1 and warnings[0][1] == logging.WARNING
    assert warnings[0][0].startswith('iteration 5: the loss 5e+03 is 3333x')
    assert 'may be too high' in warnings[0][0]


def test_checkpoints_with_nan_weights_are_refused_naming_the_tensors(tmp_path):
    state = {'backbone.conv1.weight': torch.ones(2, 2), 'head.fc.weight': torch.ones(3),
             'backbone.bn1.num_batches_tracked': torch.tensor(4)}
    path = tmp_path / 'healthy.pth'
    torch.save(dict(state_dict=state), path)
    assert set(load_checkpoint_file(path)['state_dict']) == set(state)
    state['head.fc.weight'] = torch.tensor([1.0, float('nan'), 2.0])
    torch.save(dict(state_dict=state), path)
    with pytest.raises(CheckpointMismatch,
                       match=r'1 of 2 weight tensors hold NaN or infinite values '
                             r'\(head\.fc\.weight\): the run that saved it diverged'):
        load_checkpoint_file(path)


def prediction(seg_logits, class_logits=None):
    sample = SegDataSample(metainfo=dict(img_path='data/img_7.jpg'))
    sample.seg_logits = PixelData(data=seg_logits)
    sample.pred_sem_seg = PixelData(data=seg_logits.argmax(0, keepdim=True))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 4, dtype=torch.long))
    if class_logits is not None:
        sample.set_field(class_logits, 'pred_class_logits')
        sample.set_field(torch.zeros(3), 'gt_image_labels')
    return sample.to_dict()


def test_metrics_refuse_nan_scores_naming_the_image():
    iou = PresentClassIoUMetric(iou_metrics=['mIoU'])
    iou.dataset_meta = dict(classes=('background', 'a', 'b'))
    iou.process({}, [prediction(torch.rand(3, 4, 4))])  # healthy scores pass
    with pytest.raises(ValueError, match=r"data/img_7\.jpg: the model's seg_logits hold NaN"):
        iou.process({}, [prediction(torch.full((3, 4, 4), float('nan')))])
    f1 = MultiLabelF1Metric()
    with pytest.raises(ValueError, match=r"img_7\.jpg: the model's pred_class_logits hold NaN"):
        f1.process({}, [prediction(torch.rand(3, 4, 4), torch.tensor([0.1, float('inf'), 0]))])
