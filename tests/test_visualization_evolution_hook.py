"""HeatmapEvolutionHook: snapshots of fixed validation images, redrawn as one figure."""
import os.path as osp
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import get_classes, get_palette
from mmseg.visualization import SegLocalVisualizer

from PIL import Image

from helpers import model_config
from unrolled_lrp.visualization import HeatmapEvolutionHook, HeatmapSegVisualizer, panel_box
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.datasets.voc_splits import make_splits

H, W, GAP = 24, 32, 2


class GrowingHeatmapModel(torch.nn.Module):
    """Stand-in segmentor: the ground-truth classes' scores grow with every prediction."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.modes_seen = []

    def val_step(self, data):
        self.modes_seen.append(self.training)
        self.calls += 1
        outputs = []
        for sample in data['data_samples']:
            gt = sample.gt_sem_seg.data[0]
            scores = torch.zeros(21, H, W)
            scores.scatter_(0, gt.clamp(max=20)[None], float(self.calls))
            result = sample.clone()
            result.seg_logits = PixelData(data=scores)
            result.pred_sem_seg = PixelData(data=scores.argmax(0, keepdim=True))
            outputs.append(result)
        return outputs


def make_dataset(folder):
    rng = np.random.default_rng(0)
    dataset = []
    for index, foreground in enumerate(([15], [3, 15])):
        image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
        path = osp.join(folder, f'image{index}.jpg')
        cv2.imwrite(path, image)
        gt = torch.zeros(1, H, W, dtype=torch.long)
        for offset, class_id in enumerate(foreground):
            gt[:, 4:20, 4 + 12 * offset:14 + 12 * offset] = class_id
        gt[:, 0, :] = 255
        sample = SegDataSample(metainfo=dict(img_path=path))
        sample.gt_sem_seg = PixelData(data=gt)
        dataset.append(dict(inputs=torch.zeros(3, H, W), data_samples=sample))
    return dataset


def make_runner(tmp_path, visualizer):
    return SimpleNamespace(
        model=GrowingHeatmapModel(), work_dir=str(tmp_path), iter=0,
        val_loop=SimpleNamespace(dataloader=SimpleNamespace(dataset=make_dataset(tmp_path))),
        visualizer=visualizer, logger=MMLogger.get_instance('evolution_test'))


def heatmap_visualizer(name):
    return HeatmapSegVisualizer(name=name, classes=get_classes('voc'),
                                palette=get_palette('voc'), gap=GAP)


def train(hook, runner, iterations):
    for iteration in iterations:
        runner.iter = iteration
        hook.after_train_iter(runner, iteration)


def figure_of(tmp_path, name):
    return cv2.imread(osp.join(tmp_path, 'heatmap_evolution', f'{name}.png'))[..., ::-1]


def test_figure_has_a_column_per_snapshot_and_a_row_per_foreground_class(tmp_path):
    runner = make_runner(tmp_path, heatmap_visualizer('evolution_layout'))
    runner.model.train()
    hook = HeatmapEvolutionHook(indices=[0, 1], interval=2, panel_size=W)
    hook.before_train(runner)
    train(hook, runner, range(4))  # snapshots after iterations 0, 2, 4
    assert runner.model.calls == 6 and runner.model.training
    assert runner.model.modes_seen == [False] * 6
    for name, foreground_rows in (('image0', 1), ('image1', 2)):
        rows, columns = 1 + foreground_rows, 1 + 3 + 1
        figure = figure_of(tmp_path, name)
        assert figure.shape[:2] == (rows * H + (rows - 1) * GAP, columns * W + (columns - 1) * GAP)
    # image0, class 15 row: the last column is the target (red inside the object), checked
    # below the caption band.
    figure = figure_of(tmp_path, 'image0')
    top, left, _, _ = panel_box(1, 4, H, W, GAP)
    assert figure[top + 17, left + 8].tolist() == [255, 0, 0]
    assert figure[top + 17, left + 25].tolist() == [0, 0, 255]
    # The softmax panels get redder inside the object as the scores grow.
    reds = []
    for column in (2, 3):
        top, left, _, _ = panel_box(1, column, H, W, GAP)
        reds.append(255 - int(figure[top + 17, left + 8, 2]))  # blue falls as red saturates
    assert reds[0] < reds[1]


def test_resumed_training_continues_the_same_figure(tmp_path):
    runner = make_runner(tmp_path, heatmap_visualizer('evolution_resume'))
    hook = HeatmapEvolutionHook(indices=[0], interval=2, panel_size=W)
    hook.before_train(runner)
    train(hook, runner, range(2))  # snapshots 0, 2
    resumed = HeatmapEvolutionHook(indices=[0], interval=2, panel_size=W)
    runner.iter = 2
    resumed.before_train(runner)  # snapshot 2 again, replaced
    train(resumed, runner, range(2, 4))  # snapshot 4
    assert figure_of(tmp_path, 'image0').shape[1] == 5 * W + 4 * GAP


def test_plain_visualizer_and_bad_indices_are_refused(tmp_path):
    runner = make_runner(tmp_path, SegLocalVisualizer(name='evolution_plain'))
    with pytest.raises(TypeError, match='HeatmapSegVisualizer'):
        HeatmapEvolutionHook(indices=[0]).before_train(runner)
    runner.visualizer = heatmap_visualizer('evolution_index')
    with pytest.raises(ValueError, match='index 5'):
        HeatmapEvolutionHook(indices=[5]).before_train(runner)


def test_hook_in_a_real_training_run(tmp_path):
    """Runner, synthetic VOC and a tiny UnrolledLRP: the hook as a config enables it."""
    repo = Path(__file__).parents[1]
    voc = tmp_path / 'voc'
    generate_scenes(
        voc, num_images=12, seed=1, image_size=48)
    make_splits(
        voc, [3], seed=0, out_dir=voc / 'splits')
    data = Config.fromfile(repo / 'configs/_base_/datasets/synthetic_voc.py')
    data.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    data.train_dataloader.dataset.update(
        data_root=str(voc), labeled_split=str(voc / 'splits/3/labeled.txt'),
        image_level_split=str(voc / 'splits/3/image_level.txt'))
    data.val_dataloader.update(num_workers=0, persistent_workers=False)
    data.val_dataloader.dataset.update(
        data_root=str(voc), labeled_split=str(voc / 'ImageSets/Segmentation/val.txt'))
    model = model_config('resnet18', num_classes=21, size=(32, 32))
    model['backbone'].update(stem_channels=8, base_channels=8)
    model['decode_head']['in_channels'] = 64
    runner = Runner(
        model=ConfigDict(model), work_dir=str(tmp_path / 'work'), default_scope='mmseg',
        train_dataloader=data.train_dataloader, val_dataloader=data.val_dataloader,
        val_evaluator=dict(type='IoUMetric'), val_cfg=dict(type='ValLoop'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        default_hooks=dict(checkpoint=None),
        visualizer=dict(type='HeatmapSegVisualizer', name='evolution_runner'),
        custom_hooks=[dict(type='HeatmapEvolutionHook', indices=[0], interval=1,
                           panel_size=48)])
    runner.train()
    sample = runner.val_loop.dataloader.dataset[0]['data_samples']
    name = osp.splitext(osp.basename(sample.img_path))[0]
    gt = np.array(Image.open(voc / 'SegmentationClass' / f'{name}.png'))
    foreground = [int(c) for c in np.unique(gt) if 0 < c < 255]
    folder = tmp_path / 'work' / 'heatmap_evolution'
    snapshots = sorted(path.name for path in (folder / name).iterdir())
    assert snapshots == ['iter_00000000.npz', 'iter_00000001.npz', 'iter_00000002.npz']
    assert np.load(folder / name / snapshots[-1])['classes'].tolist() == foreground
    figure = cv2.imread(str(folder / f'{name}.png'))
    rows, columns = 1 + len(foreground), 1 + 3 + 1
    assert figure.shape[:2] == (rows * 48 + (rows - 1) * 2, columns * 48 + (columns - 1) * 2)
