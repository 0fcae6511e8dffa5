"""MMSeg's mIoU, plus the mean over the classes present in the ground truth.

MMSeg's mIoU averages over every class whose IoU is defined, so on data holding a few of
the 21 VOC classes (the synthetic VOC: 4 objects and background) one stray pixel of an
absent class enters the mean as a 0 and swamps it. ``mIoU_present`` averages the same
per-class IoUs, computed by MMSeg's own ``IoUMetric``, over the classes that occur in the
ground truth only. On VOC val, where every class occurs, the two agree.
"""
import numpy as np
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from .finite_scores import check_finite_scores


@METRICS.register_module()
class PresentClassIoUMetric(IoUMetric):
    """``IoUMetric`` (same arguments, same keys and table) plus ``mIoU_present``.

    ``mIoU_present``: mean IoU (%) over the classes with ground-truth pixels.
    ``present_classes``: how many classes that is.
    """
    default_prefix = ''  # keys as IoUMetric's (mIoU, aAcc), without mmengine's notice of none

    def process(self, data_batch, data_samples):
        for data_sample in data_samples:
            check_finite_scores(data_sample)
        super().process(data_batch, data_samples)

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        intersect, union, pred_area, label_area = (sum(column) for column in zip(*results))
        iou = self.total_area_to_metrics(intersect, union, pred_area, label_area, ['mIoU'],
                                         self.nan_to_num, self.beta)['IoU']
        present = np.asarray(label_area > 0)
        metrics['mIoU_present'] = round(float(np.nanmean(np.asarray(iou)[present])) * 100, 2)
        metrics['present_classes'] = int(present.sum())
        return metrics
