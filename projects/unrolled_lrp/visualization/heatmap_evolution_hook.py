"""Training hook that records how heatmaps and segmentations of fixed images evolve.

This reproduces the paper's Fig. 2/3 for any run: a few validation images are
predicted at the start of training and every ``interval`` iterations, and one
figure per image is redrawn from all snapshots so far.
"""
import os.path as osp
from glob import glob

import cv2
import mmcv
import mmengine
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from .heatmap_seg_visualizer import HeatmapSegVisualizer
from .panel_grid import caption, tile
from .relevance_colormap import probability_to_rgb, relevance_to_rgb


def _resize(array, size, interpolation):
    """``array`` (H, W[, C]) resized to ``size`` = (height, width)."""
    return cv2.resize(array, (size[1], size[0]), interpolation=interpolation)


@HOOKS.register_module()
class HeatmapEvolutionHook(Hook):
    """Saves the evolution of segmentations and heatmaps of fixed validation images.

    Each snapshot (at the first training iteration, then every ``interval``
    iterations) is stored as ``<out_dir>/<image>/iter_<N>.npz``; after it, the
    figure ``<out_dir>/<image>.png`` is redrawn from all snapshots found there (so
    a resumed run continues the same figure):

    * row 0: image | predicted segmentation at each snapshot | ground truth
    * one row per class present in the ground truth (except ``skip_classes``):
      image | that class's heatmap at each snapshot | its ground-truth mask
      (red inside, blue outside). The first snapshot shows the raw heatmap, the
      later ones its softmax over all classes, as in the paper's Fig. 3.

    Requires the runner's visualizer to be a :class:`HeatmapSegVisualizer` (it draws
    the segmentations in the dataset palette) and a validation dataloader whose
    samples carry ``gt_sem_seg``.

    Args:
        indices (Sequence[int]): positions of the images in the validation dataset.
        interval (int): training iterations between snapshots.
        out_dir (str, optional): defaults to ``<work_dir>/heatmap_evolution``.
        panel_size (int): longest side of each panel in pixels.
        skip_classes (Sequence[str]): classes that get no heatmap row.
    """

    priority = 'LOW'

    def __init__(self, indices=(0, 1, 2), interval=1000, out_dir=None, panel_size=128,
                 skip_classes=('background', )):
        if not indices:
            raise ValueError('HeatmapEvolutionHook needs at least one image index')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.indices = list(indices)
        self.interval = interval
        self.out_dir = out_dir
        self.panel_size = panel_size
        self.skip_classes = set(skip_classes)

    def before_train(self, runner):
        if self.out_dir is None:
            self.out_dir = osp.join(runner.work_dir, 'heatmap_evolution')
        if not isinstance(runner.visualizer, HeatmapSegVisualizer):
            raise TypeError('HeatmapEvolutionHook draws with the runner\'s visualizer, which '
                            f'is a {type(runner.visualizer).__name__}; set visualizer = '
                            'dict(type=\'HeatmapSegVisualizer\', ...) in the config')
        if runner.val_loop is None:
            raise ValueError('HeatmapEvolutionHook needs a val_dataloader to take images from')
        dataset = runner.val_loop.dataloader.dataset
        for index in self.indices:
            if not 0 <= index < len(dataset):
                raise ValueError(f'HeatmapEvolutionHook: image index {index} is outside the '
                                 f'validation dataset of {len(dataset)} images')
        self._snapshot(runner, runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.every_n_train_iters(runner, self.interval):
            self._snapshot(runner, runner.iter + 1)

    def _snapshot(self, runner, iteration):
        if not is_main_process():
            return
        dataset = runner.val_loop.dataloader.dataset
        model = runner.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                samples = [model.val_step(pseudo_collate([dataset[index]]))[0]
                           for index in self.indices]
        finally:
            model.train(was_training)
        for sample in samples:
            name = osp.splitext(osp.basename(sample.img_path))[0]
            self._save_snapshot(runner.visualizer, sample, osp.join(self.out_dir, name),
                                iteration)
            figure = self._evolution_figure(runner.visualizer, sample, osp.join(self.out_dir, name))
            mmcv.imwrite(mmcv.rgb2bgr(figure), osp.join(self.out_dir, f'{name}.png'))
        runner.logger.info(f'heatmap evolution of {len(samples)} images saved to {self.out_dir}')

    def _panel_shape(self, shape):
        scale = self.panel_size / max(shape)
        return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))

    def _classes(self, visualizer, sample):
        if 'gt_sem_seg' not in sample:
            raise ValueError(f'HeatmapEvolutionHook: {sample.img_path} has no gt_sem_seg; its '
                             'heatmap rows are the classes of the ground truth')
        labels = np.unique(sample.gt_sem_seg.data.cpu().numpy())
        num_classes = sample.seg_logits.data.shape[0]
        return [int(label) for label in labels if label < num_classes
                and visualizer.class_name(int(label)) not in self.skip_classes]

    def _save_snapshot(self, visualizer, sample, folder, iteration):
        scores = sample.seg_logits.data.detach().float().cpu()
        classes = self._classes(visualizer, sample)
        shape = self._panel_shape(scores.shape[-2:])
        small_scores = torch.nn.functional.interpolate(scores[None], shape, mode='bilinear',
                                                       align_corners=False)[0]
        pred = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        mmengine.mkdir_or_exist(folder)
        np.savez_compressed(
            osp.join(folder, f'iter_{iteration:08d}.npz'), iteration=iteration,
            classes=np.array(classes, np.int64),
            heatmaps=small_scores[classes].numpy().astype(np.float16),
            probabilities=small_scores.softmax(0)[classes].numpy().astype(np.float16),
            pred=_resize(pred, shape, cv2.INTER_NEAREST))

    def _evolution_figure(self, visualizer, sample, folder):
        image = mmcv.imread(sample.img_path, channel_order='rgb')
        gt = sample.gt_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        shape = self._panel_shape(image.shape[:2])
        image = _resize(image, shape, cv2.INTER_AREA)
        gt = _resize(gt, shape, cv2.INTER_NEAREST)
        snapshots = [dict(np.load(path)) for path in sorted(glob(osp.join(folder, 'iter_*.npz')))]
        classes = [int(class_id) for class_id in snapshots[-1]['classes']]
        rows = [[caption(image, 'image')]
                + [caption(visualizer.draw_segmentation(image, snap['pred'], with_labels=False),
                           f'iter {int(snap["iteration"])}') for snap in snapshots]
                + [caption(visualizer.draw_segmentation(image, gt, with_labels=False),
                           'ground truth')]]
        for row_index, class_id in enumerate(classes):
            row = [caption(image, visualizer.class_name(class_id))]
            for column, snap in enumerate(snapshots):
                if column == 0:
                    row.append(caption(relevance_to_rgb(snap['heatmaps'][row_index]), 'raw'))
                else:
                    row.append(caption(probability_to_rgb(snap['probabilities'][row_index]),
                                       'softmax'))
            target = np.where(gt == 255, 0.5, gt == class_id)
            row.append(caption(probability_to_rgb(target), 'target'))
            rows.append(row)
        return tile(rows, visualizer.gap)
