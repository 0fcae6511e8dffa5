"""MultiLabelF1Metric against per-class counts done by hand, through mmengine's Evaluator."""
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from unrolled_lrp.evaluation import MultiLabelF1Metric

NUM_CLASSES = 6


def sample(logits=None, labels=None, mask=None):
    data_sample = SegDataSample(metainfo=dict(img_path='image.png'))
    if logits is not None:
        data_sample.pred_class_logits = logits
    if labels is not None:
        data_sample.gt_image_labels = labels
    if mask is not None:
        data_sample.gt_sem_seg = PixelData(data=mask[None])
    return data_sample


def hand_counted_f1(logits, labels, classes):
    """Macro precision/recall/F1 (percent) over ``classes``, mmpretrain's conventions (an
    empty denominator counts as 1), leaving out classes never predicted and never present."""
    precisions, recalls, f1s = [], [], []
    for k in classes:
        predicted = [bool(row[k] > 0) for row in logits]  # sigmoid(x) >= 0.5  <=>  x >= 0
        present = [bool(row[k] > 0.5) for row in labels]
        if not any(predicted) and not any(present):
            continue
        tp = sum(p and g for p, g in zip(predicted, present))
        precision = 100.0 * tp / max(sum(predicted), 1)
        recall = 100.0 * tp / max(sum(present), 1)
        precisions.append(precision)
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    return mean(precisions), mean(recalls), mean(f1s)


def evaluate(samples, **metric_args):
    evaluator = Evaluator(MultiLabelF1Metric(**metric_args))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def random_case(num_samples=40, seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(num_samples, NUM_CLASSES, generator=generator) * 2
    labels = (torch.rand(num_samples, NUM_CLASSES, generator=generator) < 0.4).float()
    return logits, labels


def test_f1_matches_hand_counts_without_background():
    logits, labels = random_case()
    metrics = evaluate([sample(x, y) for x, y in zip(logits, labels)])
    precision, recall, f1 = hand_counted_f1(logits.tolist(), labels.tolist(),
                                            range(1, NUM_CLASSES))
    assert metrics['multi-label/precision'] == pytest.approx(precision, abs=1e-3)
    assert metrics['multi-label/recall'] == pytest.approx(recall, abs=1e-3)
    assert metrics['multi-label/f1-score'] == pytest.approx(f1, abs=1e-3)


def test_background_is_left_out_unless_asked_for():
    logits, labels = random_case(seed=1)
    logits[:, 0] = -5.0  # background never predicted ...
    labels[:, 0] = 1.0  # ... though always present: it would pull F1 down
    samples = [sample(x, y) for x, y in zip(logits, labels)]
    without = evaluate(samples)['multi-label/f1-score']
    with_background = evaluate(samples, background_index=None)['multi-label/f1-score']
    assert without == pytest.approx(
        hand_counted_f1(logits.tolist(), labels.tolist(), range(1, NUM_CLASSES))[2], abs=1e-3)
    assert with_background == pytest.approx(
        hand_counted_f1(logits.tolist(), labels.tolist(), range(NUM_CLASSES))[2], abs=1e-3)
    assert with_background < without


def test_classes_never_present_nor_predicted_are_left_out_of_the_macro_average():
    logits, labels = random_case(seed=2)
    labels[:, 3] = 0.0
    logits[:, 3] = -4.0  # absent and never predicted: F1 undefined, left out
    labels[:, 4] = 0.0  # absent but predicted for some images: F1 0, counted
    assert (logits[:, 4] > 0).any()
    metrics = evaluate([sample(x, y) for x, y in zip(logits, labels)])
    precision, recall, f1 = hand_counted_f1(logits.tolist(), labels.tolist(), [1, 2, 4, 5])
    assert metrics['multi-label/f1-score'] == pytest.approx(f1, abs=1e-3)
    assert metrics['multi-label/precision'] == pytest.approx(precision, abs=1e-3)
    # the per-class result keeps every class
    per_class = evaluate([sample(x, y) for x, y in zip(logits, labels)], average=None)
    assert len(per_class['multi-label/f1-score_classwise']) == NUM_CLASSES - 1


def test_labels_come_from_the_mask_when_absent():
    mask = torch.tensor([[0, 2], [255, 4]])
    logits = torch.full((NUM_CLASSES, ), -3.0)
    logits[2] = 3.0  # predicts class 2 only; the mask holds 2 and 4 (255 is not a class)
    metrics = evaluate([sample(logits, mask=mask)], average='micro')
    assert metrics['multi-label/precision_micro'] == pytest.approx(100.0)
    assert metrics['multi-label/recall_micro'] == pytest.approx(50.0)


def test_model_without_class_logits_is_skipped_with_a_log_line(caplog):
    logger = MMLogger.get_current_instance()  # mmengine's logger does not propagate
    logger.addHandler(caplog.handler)
    try:
        metrics = evaluate([sample(mask=torch.zeros(2, 2, dtype=torch.long))] * 3)
    finally:
        logger.removeHandler(caplog.handler)
    assert metrics == {}
    assert 'no class logits' in caplog.text


def test_some_predictions_without_logits_is_an_error():
    logits, labels = random_case(num_samples=2)
    with pytest.raises(ValueError, match='1 of 3 predictions'):
        evaluate([sample(logits[0], labels[0]), sample(labels=labels[1]),
                  sample(logits[1], labels[1])])


def test_label_size_mismatch_names_the_image():
    with pytest.raises(ValueError, match='image.png.*shape'):
        evaluate([sample(torch.zeros(NUM_CLASSES), torch.zeros(NUM_CLASSES + 1))])


def test_mask_class_beyond_the_logits_names_the_image():
    mask = torch.tensor([[0, NUM_CLASSES]])
    with pytest.raises(ValueError, match=rf'image.png: mask values \[{NUM_CLASSES}\] are outside'):
        evaluate([sample(torch.zeros(NUM_CLASSES), mask=mask)])
