"""LookSplitIoUMetric: IoU on looks the masks show and on looks they never show, checked
against MMSeg's IoUMetric on ground truth with the other looks' pixels set to ignore."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample
from PIL import Image

from unrolled_lrp.evaluation import LookSplitIoUMetric

CLASSES = ('background', 'a', 'b')
# look 1 and 2 are class a, look 3 is class b; the labelled image shows looks 1 and 3
LOOK_CLASS = np.array([0, 1, 1, 2])


def write_tree(root, look_maps):
    (root / 'SegmentationLook').mkdir(parents=True)
    for name, looks in look_maps.items():
        Image.fromarray(np.array(looks, np.uint8), mode='L').save(
            root / 'SegmentationLook' / f'{name}.png')
    (root / 'labeled.txt').write_text('train_0\n')


def sample(name, looks, prediction):
    looks = np.array(looks)
    truth = np.where(looks == 255, 255, LOOK_CLASS[np.minimum(looks, 3)])
    data = SegDataSample()
    data.gt_sem_seg = PixelData(data=torch.tensor(truth[None]))
    data.pred_sem_seg = PixelData(data=torch.tensor(np.array(prediction)[None]))
    data.set_metainfo(dict(seg_map_path=f'/somewhere/SegmentationClass/{name}.png'))
    return data.to_dict(), looks, truth


def iou_metric(samples, hidden_looks):
    """MMSeg's per-class IoU with the pixels of ``hidden_looks`` ignored."""
    metric = IoUMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    hidden = []
    for data, looks, truth in samples:
        data = dict(data)
        view = truth.copy()
        view[np.isin(looks, hidden_looks)] = 255
        data['gt_sem_seg'] = dict(data=torch.tensor(view[None]))
        hidden.append(data)
    metric.process([], hidden)
    intersect, union, _, label = (sum(c) for c in zip(*metric.results))
    iou = (intersect / union).numpy()
    present = (label > 0).numpy()
    present[0] = False
    return 100 * float(np.nanmean(iou[present]))


@pytest.fixture
def samples(tmp_path):
    looks_val = [[[0, 1, 1, 2], [2, 255, 3, 3], [0, 0, 3, 0]],
                 [[2, 2, 0, 0], [0, 1, 255, 0], [3, 0, 0, 0]]]
    predictions = [[[0, 1, 1, 0], [2, 1, 2, 2], [0, 1, 2, 0]],
                   [[1, 0, 0, 0], [0, 1, 0, 2], [2, 0, 0, 0]]]
    write_tree(tmp_path, {'train_0': [[1, 3, 0]], 'val_0': looks_val[0], 'val_1': looks_val[1]})
    return [sample(f'val_{i}', looks, prediction)
            for i, (looks, prediction) in enumerate(zip(looks_val, predictions))]


def test_seen_and_unseen_looks_match_iou_metric_with_the_other_looks_ignored(tmp_path, samples):
    metric = LookSplitIoUMetric(data_root=str(tmp_path), labeled_split=str(tmp_path / 'labeled.txt'))
    assert metric.seen_looks.tolist() == [1, 3]
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], [data for data, _, _ in samples])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mIoU_seen_looks'] == pytest.approx(iou_metric(samples, [2]), abs=0.01)
    assert metrics['mIoU_unseen_looks'] == pytest.approx(iou_metric(samples, [1, 3]), abs=0.01)
    # the unseen view has class a only (look 2); the seen view a and b
    assert metrics['mIoU_unseen_looks'] != metrics['mIoU_seen_looks']
    # the whole-image numbers are PresentClassIoUMetric's
    assert 'mIoU_present' in metrics and 'mIoU' in metrics


def test_a_split_that_shows_every_look_has_no_unseen_score(tmp_path, samples):
    (tmp_path / 'all.txt').write_text('val_0\nval_1\n')
    metric = LookSplitIoUMetric(data_root=str(tmp_path), labeled_split=str(tmp_path / 'all.txt'))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], [data for data, _, _ in samples])
    assert metric.compute_metrics(metric.results)['mIoU_unseen_looks'] is None


def test_missing_look_map_names_the_file(tmp_path):
    (tmp_path / 'labeled.txt').write_text('train_9\n')
    with pytest.raises(FileNotFoundError, match='train_9.png: look map does not exist'):
        LookSplitIoUMetric(data_root=str(tmp_path), labeled_split=str(tmp_path / 'labeled.txt'))
