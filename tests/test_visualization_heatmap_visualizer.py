"""HeatmapSegVisualizer: figure size, panel contents, and MMSeg's hook writing PNGs."""
import os.path as osp
from glob import glob
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.utils import get_classes, get_palette

from unrolled_lrp.visualization import HeatmapSegVisualizer, panel_box

H, W, GAP = 40, 56, 2
VOC = dict(classes=get_classes('voc'), palette=get_palette('voc'))
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def make_visualizer(name, **kwargs):
    return HeatmapSegVisualizer(name=name, classes=VOC['classes'], palette=VOC['palette'],
                                gap=GAP, **kwargs)


def synthetic_sample():
    """Class 15 (person) positive on the left half, negative on the right; class 0 flat."""
    image = np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)
    scores = torch.zeros(21, H, W)
    scores[15, :, :W // 2] = 10.0
    scores[15, :, W // 2:] = -10.0
    scores[0] = 1.0
    gt = torch.zeros(1, H, W, dtype=torch.long)
    gt[:, :, :W // 2] = 15
    sample = SegDataSample()
    sample.seg_logits = PixelData(data=scores)
    sample.pred_sem_seg = PixelData(data=scores.argmax(0, keepdim=True))
    sample.gt_sem_seg = PixelData(data=gt)
    return image, sample


def figure_shape(rows, columns):
    return rows * H + (rows - 1) * GAP, columns * W + (columns - 1) * GAP


def panel(figure, row, column):
    top, left, bottom, right = panel_box(row, column, H, W, GAP)
    return figure[top:bottom, left:right]


def test_figure_has_one_panel_per_view_and_class():
    image, sample = synthetic_sample()
    visualizer = make_visualizer('viz_size')
    scores = sample.seg_logits.data
    figure = visualizer.draw_explanation(image, [0, 15], scores[[0, 15]].numpy(),
                                         scores.softmax(0)[[0, 15]].numpy(),
                                         sample.pred_sem_seg.data[0].numpy(),
                                         sample.gt_sem_seg.data[0].numpy())
    assert figure.shape == (*figure_shape(3, 3), 3)
    # Image panel: the image itself below the caption band.
    assert np.array_equal(panel(figure, 0, 0)[H // 2:], image[H // 2:])
    # Raw heatmap of class 15 (second column): red where positive, blue where negative.
    raw = panel(figure, 1, 1)
    assert raw[H - 5, 5].tolist() == [255, 0, 0]
    assert raw[H - 5, W - 5].tolist() == [0, 0, 255]
    # Class 0 is constant 1: all its relevance is at the maximum -> red.
    assert panel(figure, 1, 0)[H - 5, W - 5].tolist() == [255, 0, 0]
    # Softmax of class 15: ~1 on the left (red), ~0 on the right (blue).
    softmax = panel(figure, 2, 1)
    assert softmax[H - 5, 5, 0] > 240 and softmax[H - 5, 5, 2] < 15
    assert softmax[H - 5, W - 5, 2] > 240 and softmax[H - 5, W - 5, 0] < 15
    # The empty third cells of the heatmap rows stay white.
    assert (panel(figure, 1, 2) == 255).all()


def test_c1c_adds_a_row_and_ground_truth_a_column():
    image, sample = synthetic_sample()
    visualizer = make_visualizer('viz_c1c', c1c=True)
    scores = sample.seg_logits.data
    args = ([15], scores[[15]].numpy(), scores.softmax(0)[[15]].numpy(),
            sample.pred_sem_seg.data[0].numpy())
    assert visualizer.draw_explanation(image, *args).shape[:2] == figure_shape(4, 2)
    with_gt = visualizer.draw_explanation(image, *args, sample.gt_sem_seg.data[0].numpy())
    assert with_gt.shape[:2] == figure_shape(4, 3)


def test_heatmaps_of_another_size_are_refused():
    image, sample = synthetic_sample()
    scores = sample.seg_logits.data
    with pytest.raises(ValueError, match='do not match the image'):
        make_visualizer('viz_bad').draw_explanation(
            image[:20], [15], scores[[15]].numpy(), scores.softmax(0)[[15]].numpy(),
            sample.pred_sem_seg.data[0].numpy())


def test_classes_shown_are_the_largest_in_prediction_or_ground_truth():
    visualizer = make_visualizer('viz_choose', max_heatmaps=2)
    pred = np.array([[0, 0, 0, 3], [0, 0, 7, 7]])
    gt = np.array([[0, 0, 255, 255], [9, 9, 9, 9]])
    assert visualizer.choose_classes(pred, gt) == [0, 9]
    assert visualizer.choose_classes(pred) == [0, 7]


def test_seg_visualization_hook_writes_the_heatmap_figure(tmp_path):
    """MMSeg's own hook, as used by ``tools/test.py --show-dir``, draws our figure."""
    image, sample = synthetic_sample()
    image_path = str(tmp_path / 'sample.png')
    cv2.imwrite(image_path, image[..., ::-1])
    sample.set_metainfo(dict(img_path=image_path))
    visualizer = VISUALIZERS.build(dict(
        type='HeatmapSegVisualizer', name='viz_hook', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'vis'), gap=GAP))
    visualizer.dataset_meta = VOC
    hook = SegVisualizationHook(draw=True, interval=1)
    hook.after_test_iter(SimpleNamespace(iter=0), 0, {}, [sample])
    written = glob(osp.join(tmp_path, 'vis', '**', '*.png'), recursive=True)
    assert len(written) == 1
    with open(written[0], 'rb') as file:
        assert file.read(8) == PNG_MAGIC
    figure = cv2.imread(written[0])[..., ::-1]
    # Ground truth present, classes 0 and 15 predicted -> 3 rows x 3 columns.
    assert figure.shape == (*figure_shape(3, 3), 3)
    assert panel(figure, 1, 1)[H - 5, 5].tolist() == [255, 0, 0]


def test_sample_without_scores_falls_back_to_mmseg_drawing(tmp_path):
    image, sample = synthetic_sample()
    del sample.seg_logits
    out_file = str(tmp_path / 'plain.png')
    make_visualizer('viz_plain').add_datasample('plain', image, sample, out_file=out_file)
    assert cv2.imread(out_file).shape == (H, 2 * W, 3)  # MMSeg: ground truth | prediction
