"""PresentClassIoUMetric: MMSeg's IoUMetric plus the mean over the classes in the ground truth."""
import torch
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample

from unrolled_lrp.evaluation import PresentClassIoUMetric

CLASSES = ('background', 'a', 'b', 'c')


def sample(truth, prediction):
    data = SegDataSample()
    data.gt_sem_seg = PixelData(data=torch.tensor([truth]))
    data.pred_sem_seg = PixelData(data=torch.tensor([prediction]))
    return data.to_dict()


def evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], samples)
    return metric.compute_metrics(metric.results)


def test_present_class_miou_by_hand():
    # truth holds background and class a; one pixel is predicted as the absent class c,
    # class b is never seen nor predicted; 255 is ignored
    samples = [sample([[0, 0, 1, 1], [0, 0, 1, 255]], [[0, 0, 1, 1], [0, 3, 0, 2]])]
    metrics = evaluate(PresentClassIoUMetric(), samples)
    background = 3 / 5  # intersect 3 (of 4 truth pixels); union: 4 truth + 1 wrong prediction
    class_a = 2 / 3  # intersect 2, union 3 (one truth pixel predicted background)
    assert metrics['present_classes'] == 2
    assert abs(metrics['mIoU_present'] - 100 * (background + class_a) / 2) < 0.01
    # MMSeg's mIoU counts the stray class c as 0 (b is predicted only where 255: left out)
    reference = evaluate(IoUMetric(), samples)
    assert abs(reference['mIoU'] - 100 * (background + class_a + 0) / 3) < 0.01
    assert metrics['mIoU'] == reference['mIoU'] and metrics['aAcc'] == reference['aAcc']


def test_present_class_miou_equals_miou_when_every_class_occurs():
    samples = [sample([[0, 1], [2, 3]], [[0, 1], [3, 2]]), sample([[3, 3], [0, 1]], [[3, 3], [0, 0]])]
    metrics = evaluate(PresentClassIoUMetric(), samples)
    assert metrics['present_classes'] == 4
    assert abs(metrics['mIoU_present'] - metrics['mIoU']) < 0.01


def test_test_tool_writes_masks_through_any_iou_metric():
    """tools/test.py --out hands output_dir to IoUMetric and its subclasses, not to others."""
    from unrolled_lrp.utils.evaluation_setup import is_iou_metric
    assert is_iou_metric('IoUMetric') and is_iou_metric('PresentClassIoUMetric')
    assert is_iou_metric(PresentClassIoUMetric)
    assert not is_iou_metric('MultiLabelF1Metric') and not is_iou_metric(None)
