"""Multi-label F1 of a segmentor's image-level class logits.

The unrolled models stay classifiers: the paper fine-tunes the classifier to F1 of about
81-82 on VOC before guiding it, and segmentation training should not cost that quality.
This reads ``pred_class_logits`` (K,) from each prediction, scores it with sigmoid >= ``thr``
and leaves the computation to mmpretrain's ``MultiLabelMetric`` (same keys, e.g.
``multi-label/f1-score``, so classifier pre-training and segmentors report alike).

The macro average runs over the classes whose F1 is defined, as MMSeg's mIoU runs over the
classes whose IoU is defined: a class that no image holds and no image is predicted to hold
(TP = FP = FN = 0) is left out instead of counting as 0. On VOC every class occurs, so this
changes nothing there; on a data set with a few of the VOC classes (the synthetic VOC) it
keeps the absent classes from capping the score.
"""
import logging

import torch
from mmengine.logging import print_log
from mmpretrain.evaluation.metrics import MultiLabelMetric
from mmseg.registry import METRICS

from ..datasets.image_labels import sample_image_labels
from .finite_scores import check_finite_scores


@METRICS.register_module()
class MultiLabelF1Metric(MultiLabelMetric):
    """Precision, recall and F1 of ``pred_class_logits`` against image-level labels.

    Targets are ``gt_image_labels`` (multi-hot, index 0 = background) or, for samples
    without them, the classes present in ``gt_sem_seg`` (``ignore_index`` left out).
    A model that gives no class logits (UNet, FCN, ...) gets no F1 and one log line.
    With ``average='macro'`` classes never present and never predicted are left out.

    Args:
        thr (float): Score threshold on sigmoid(logit).
        background_index (int | None): Class left out of the metric, as it is left out of
            the classification loss (nearly every image contains background). None keeps all.
        ignore_index (int): Mask value that is not a class.
        average, items, collect_device, prefix: As in mmpretrain's ``MultiLabelMetric``.
    """

    def __init__(self, thr=0.5, background_index=0, ignore_index=255, **kwargs):
        super().__init__(thr=thr, **kwargs)
        self.background_index = background_index
        self.ignore_index = ignore_index

    def process(self, data_batch, data_samples):
        """One result per sample: scores and targets, or None for a sample without logits."""
        for sample in data_samples:
            check_finite_scores(sample, ('pred_class_logits', ))
            logits = sample.get('pred_class_logits')
            if logits is None:
                self.results.append(None)
                continue
            scores = torch.as_tensor(logits).detach().float().sigmoid().cpu()
            target = sample_image_labels(sample, scores.numel(), self.ignore_index).cpu()
            keep = [k for k in range(scores.numel()) if k != self.background_index]
            self.results.append(dict(pred_score=scores[keep], gt_score=target[keep]))

    def compute_metrics(self, results):
        without_logits = sum(result is None for result in results)
        if without_logits == len(results):
            print_log(f'{type(self).__name__}: the model gives no class logits '
                      '(no pred_class_logits in its predictions); multi-label F1 skipped',
                      logger='current', level=logging.WARNING)
            return {}
        if without_logits:
            raise ValueError(f'{type(self).__name__}: {without_logits} of {len(results)} '
                             'predictions carry no pred_class_logits')
        if self.average == 'macro':
            results = self._defined_classes_only(results)
        return super().compute_metrics(results)

    def _defined_classes_only(self, results):
        """Drop the classes with TP = FP = FN = 0 (F1 undefined) from every result."""
        scores = torch.stack([result['pred_score'] for result in results])
        targets = torch.stack([result['gt_score'] for result in results])
        if self.thr is not None:
            predicted = scores >= self.thr
        else:
            predicted = torch.zeros_like(scores, dtype=torch.bool).scatter_(
                1, scores.topk(self.topk).indices, True)
        defined = (targets > 0).any(0) | predicted.any(0)
        if not defined.any():
            return results
        return [dict(pred_score=result['pred_score'][defined],
                     gt_score=result['gt_score'][defined]) for result in results]
