"""IoU on the looks a split's masks show, and on the looks they never show.

The paper's claim is a mechanism: with few masks, the unrolled classifier segments what the
masks never showed, because its classifier learned every look of a class from image labels.
On scenes whose objects record their look (``SegmentationLook/<id>.png`` beside each mask,
written by ``tools/dataset_converters/make_synthetic_voc.py``), this metric scores that
directly: the looks present in the masks of ``labeled_split`` are *seen*; every other look is
*unseen*.

``mIoU_unseen_looks`` is MMSeg's per-class IoU with the pixels of seen-look objects set to
ignore (so predictions there count nowhere), averaged over the object classes that still have
ground-truth pixels; ``mIoU_seen_looks`` the same with the unseen-look objects ignored.
Background is no look and stays out of both means (it remains in ``mIoU_present``). A split
that shows every look has no unseen-look score (None).
"""
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmseg.registry import METRICS
from PIL import Image

from ..datasets.split_files import read_image_ids
from .finite_scores import check_finite_scores
from .present_class_iou_metric import PresentClassIoUMetric

LOOK_MAP_DIR = 'SegmentationLook'


def read_look_map(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: look map does not exist (a tree written by '
                                'tools/dataset_converters/make_synthetic_voc.py has one beside '
                                'every mask)')
    return np.asarray(Image.open(path))


@METRICS.register_module()
class LookSplitIoUMetric(PresentClassIoUMetric):
    """``PresentClassIoUMetric`` plus ``mIoU_seen_looks`` and ``mIoU_unseen_looks``.

    Args:
        data_root: root of the VOC tree that holds ``SegmentationLook/``.
        labeled_split: id list of the pixel-labelled training images whose looks count as
            seen (the run's ``labeled_split``).
        **kwargs: as ``IoUMetric``.
    """

    def __init__(self, data_root: str, labeled_split: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.look_dir = osp.join(data_root, LOOK_MAP_DIR)
        seen = set()
        for image_id in read_image_ids(labeled_split):
            seen |= set(np.unique(read_look_map(osp.join(self.look_dir, f'{image_id}.png'))))
        self.seen_looks = torch.tensor(sorted(seen - {0, self.ignore_index}), dtype=torch.long)

    def process(self, data_batch, data_samples) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            check_finite_scores(data_sample)
            pred = data_sample['pred_sem_seg']['data'].squeeze()
            label = data_sample['gt_sem_seg']['data'].squeeze().to(pred)
            name = osp.splitext(osp.basename(data_sample['seg_map_path']))[0]
            looks = torch.from_numpy(read_look_map(
                osp.join(self.look_dir, f'{name}.png')).astype(np.int64)).to(pred.device)
            if looks.shape != label.shape:
                raise ValueError(f'{self.look_dir}/{name}.png: look map of shape '
                                 f'{tuple(looks.shape)}, mask of {tuple(label.shape)}')
            is_object = (looks != 0) & (looks != self.ignore_index)
            seen = is_object & torch.isin(looks, self.seen_looks.to(looks.device))
            views = [label]
            for hidden in (is_object & ~seen, seen):  # seen view, unseen view
                view = label.clone()
                view[hidden] = self.ignore_index
                views.append(view)
            self.results.append(tuple(
                self.intersect_and_union(pred, view, num_classes, self.ignore_index)
                for view in views))

    def compute_metrics(self, results) -> dict:
        metrics = super().compute_metrics([result[0] for result in results])
        for key, index in (('mIoU_seen_looks', 1), ('mIoU_unseen_looks', 2)):
            metrics[key] = self.object_class_miou([result[index] for result in results])
        return metrics

    def object_class_miou(self, results) -> Optional[float]:
        intersect, union, pred_area, label_area = (sum(column) for column in zip(*results))
        iou = np.asarray(self.total_area_to_metrics(
            intersect, union, pred_area, label_area, ['mIoU'], self.nan_to_num,
            self.beta)['IoU'])
        present = np.asarray(label_area > 0)
        present[0] = False  # background is no look
        return round(float(np.nanmean(iou[present])) * 100, 2) if present.any() else None
