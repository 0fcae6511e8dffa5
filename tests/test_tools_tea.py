"""The TEA recipe as a user runs it: tools/train.py and tools/test.py with configs/tea on a
generated VOC tree and a saved teacher; and the bias benchmark's small configuration."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.datasets.voc_splits import make_splits

REPO = Path(__file__).parents[1]
CONFIG = 'configs/tea/tea_r18_synthetic.py'
TEACHER_CONFIG = REPO / 'configs/synthetic/unrolled_lrp_r18_synthetic.py'
ITERS = 2


def run(*command):
    process = subprocess.run([sys.executable, *map(str, command)], cwd=REPO, text=True,
                             capture_output=True, timeout=300,
                             env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-5000:]
    return process


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A small synthetic VOC tree and a teacher checkpoint of the synthetic UnrolledLRP config."""
    root = tmp_path_factory.mktemp('tea')
    voc = root / 'voc'
    generate_scenes(
        voc, num_images=12, seed=0, image_size=64)
    make_splits(
        voc, [4], seed=0, out_dir=voc / 'splits')
    torch.manual_seed(0)
    teacher_cfg = Config.fromfile(TEACHER_CONFIG).model
    # random weights, not the stage-1 classifier the config starts from
    teacher_cfg.backbone.init_cfg = teacher_cfg.decode_head.init_cfg = None
    teacher = MODELS.build(teacher_cfg)
    teacher.init_weights()
    checkpoint = root / 'teacher.pth'
    torch.save(dict(meta=dict(iter=0), state_dict=teacher.state_dict()), checkpoint)
    options = [
        f'model.teacher_checkpoint={checkpoint}', f'train_cfg.max_iters={ITERS}',
        f'train_cfg.val_interval={ITERS}', 'default_hooks.checkpoint.interval=1',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.data_root={voc}', f'val_dataloader.dataset.data_root={voc}',
        f'test_dataloader.dataset.data_root={voc}',
        f'train_dataloader.dataset.labeled_split={voc}/splits/4/labeled.txt',
        f'train_dataloader.dataset.image_level_split={voc}/splits/4/image_level.txt',
        f'val_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/val.txt',
        f'test_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/val.txt',
    ]
    return dict(root=root, teacher=teacher.state_dict(), options=options)


@pytest.mark.slow
def test_recipe_trains_the_student_only_and_tests_its_f1(setup):
    work_dir = setup['root'] / 'work'
    run('tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options', *setup['options'])
    first, last = (torch.load(work_dir / f'iter_{i}.pth', map_location='cpu',
                              weights_only=False)['state_dict'] for i in (1, ITERS))

    teacher = setup['teacher']
    expected = {'teacher.' + key: value for key, value in teacher.items()
                if key.startswith('backbone.')}
    expected['teacher.fc.weight'] = teacher['decode_head.conv_seg.weight'].flatten(1)
    expected['teacher.fc.bias'] = teacher['decode_head.conv_seg.bias']
    for state in (first, last):
        assert {key for key in state if key.startswith('teacher.')} == set(expected)
        for key, value in expected.items():
            assert torch.equal(state[key], value), key
    assert not torch.equal(first['student.backbone.conv1.weight'],
                           last['student.backbone.conv1.weight'])
    assert not torch.equal(first['student.fc.weight'], last['student.fc.weight'])

    test_dir = setup['root'] / 'test'
    run('tools/test.py', CONFIG, work_dir / f'iter_{ITERS}.pth', '--work-dir', test_dir, '--cfg-options',
        *setup['options'])
    metrics = json.loads((test_dir / 'test_results.json').read_text())['metrics']
    assert 0 <= metrics['multi-label/f1-score'] <= 100


@pytest.mark.slow
def test_bias_benchmark_small_configuration_prints_the_table(tmp_path):
    out = tmp_path / 'results.json'
    process = run('tools/benchmarks/tea_bias_benchmark.py', '--small', '--out', out)
    results = json.loads(out.read_text())
    assert [row['model'] for row in results['rows']] == [
        '(a) label student', '(b) TEA student', '(c) teacher']
    for row in results['rows']:
        assert row['model'] in process.stdout
        for cue in ('agrees', 'random', 'misleads'):
            assert 0 <= row[cue] <= 100
    assert results['final_tea_log']['loss_heatmap'] > 0
    assert results['composite'] == dict(type='LRPEpsilon', epsilon=0.1)


def test_cue_images_show_their_shape_and_cue():
    import numpy as np

    from unrolled_lrp.datasets.synthetic.cue_images import (CUE_COLOURS, CUE_SIZE,
                                                            cue_images)
    images, labels = cue_images(np.random.default_rng(0), 40, 32, 'agrees')
    assert images.shape == (40, 3, 32, 32) and set(labels.tolist()) <= {0, 1, 2, 3}
    for image, label in zip(images, labels):
        corner = image[:, :CUE_SIZE, :CUE_SIZE].reshape(3, -1).T
        assert (corner == torch.tensor(CUE_COLOURS[label], dtype=torch.uint8)).all()
        assert (image.amax(0) >= 150).sum() >= 60  # the shape: bright, about a disc's area
