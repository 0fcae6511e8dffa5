"""tools/train.py, test.py, dist_train.sh, dist_test.sh, publish_model.py end to end on CPU.

A tiny generated dataset (32 px, MMSeg's BaseSegDataset layout) and a tiny UnrolledLRP
(ResNet18 at 1/8 width). Every tool runs as the user runs it: a subprocess from the repo.
"""
import json
import os
import os.path as osp
import re
import signal
import socket
import subprocess
import sys
from glob import glob

import cv2
import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PYTHON = sys.executable
MAX_ITERS = 6
CHECKPOINT_INTERVAL = 2
SEED = 123
CLASSES = ('background', 'square', 'disc')

CONFIG = '''
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)
data_root = {data_root!r}
dataset = dict(type='BaseSegDataset', data_root=data_root, img_suffix='.png',
               seg_map_suffix='.png',
               metainfo=dict(classes={classes!r}, palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0]]))
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                  dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                 dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size=2, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(dataset, data_prefix=dict(img_path='img/train', seg_map_path='ann/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, data_prefix=dict(img_path='img/val', seg_map_path='ann/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
model = dict(
    type='UnrolledLRP',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255, size=(32, 32)),
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, num_stages=4,
                  out_indices=(3, ), style='pytorch'),
    decode_head=dict(type='TiedHeavisideHead', in_channels=64, num_classes=3),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3))
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end={max_iters},
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters}, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval={interval}),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
'''

# A run killed by SIGKILL right after its first checkpoint is written (LOWEST priority:
# after CheckpointHook), as a crashed or pre-empted job would be.
KILL_HOOK = '''
import os
import signal

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class KillAfterIterationHook(Hook):
    priority = 'LOWEST'

    def __init__(self, iteration):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
'''


def write_split(root, split, count, rng):
    """Images with a red square (class 1) and a green disc (class 2) on noise."""
    for folder in ('img', 'ann'):
        os.makedirs(osp.join(root, folder, split), exist_ok=True)
    for index in range(count):
        image = rng.integers(60, 120, (32, 32, 3), dtype=np.uint8)
        mask = np.zeros((32, 32), np.uint8)
        x, y = rng.integers(2, 14, 2)
        image[y:y + 10, x:x + 10] = (0, 0, 230)  # BGR red
        mask[y:y + 10, x:x + 10] = 1
        cx, cy = rng.integers(20, 27, 2)
        disc = np.zeros_like(mask)
        cv2.circle(disc, (int(cx), int(cy)), 5, 1, -1)
        image[disc == 1] = (0, 220, 0)
        mask[disc == 1] = 2
        cv2.imwrite(osp.join(root, 'img', split, f'{index:03d}.png'), image)
        cv2.imwrite(osp.join(root, 'ann', split, f'{index:03d}.png'), mask)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Data, the config, and a variant of it that kills training after the first checkpoint."""
    root = tmp_path_factory.mktemp('tools')
    rng = np.random.default_rng(0)
    data_root = str(root / 'data')
    write_split(data_root, 'train', 8, rng)
    write_split(data_root, 'val', 3, rng)
    config = root / 'tiny.py'
    config.write_text(CONFIG.format(data_root=data_root, classes=CLASSES, max_iters=MAX_ITERS,
                                    interval=CHECKPOINT_INTERVAL))
    (root / 'kill_hook.py').write_text(KILL_HOOK)
    killed_config = root / 'tiny_killed.py'
    killed_config.write_text(
        "_base_ = ['./tiny.py']\n"
        "custom_imports = dict(imports=['unrolled_lrp', 'kill_hook'])\n"
        f"custom_hooks = [dict(type='KillAfterIterationHook', iteration={CHECKPOINT_INTERVAL})]\n")
    return dict(root=root, data_root=data_root, config=str(config),
                killed_config=str(killed_config))


def run(*command, env=None, timeout=240):
    """Run a tool from the repo root; return the finished process (output captured)."""
    environment = dict(os.environ, PYTHON=PYTHON, **(env or {}))
    return subprocess.run([str(part) for part in command], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def succeed(*command, **kwargs):
    process = run(*command, **kwargs)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-5000:]
    return process


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def loss_log(work_dir):
    """{iteration: smoothed loss} from every run (timestamp folder) in a work dir."""
    losses = {}
    for path in sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as file:
            for line in file:
                record = json.loads(line)
                if 'loss' in record:
                    losses[record['iter']] = record['loss']
    return losses


@pytest.fixture(scope='module')
def trained(setup):
    """A single-process run of tools/train.py with a fixed seed (the reference run)."""
    work_dir = setup['root'] / 'train'
    succeed(PYTHON, 'tools/train.py', setup['config'], '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={SEED}')
    return dict(work_dir=str(work_dir), checkpoint=str(work_dir / f'iter_{MAX_ITERS}.pth'))


@pytest.fixture(scope='module')
def tested(setup, trained):
    """tools/test.py on the reference checkpoint."""
    work_dir = setup['root'] / 'test'
    process = succeed(PYTHON, 'tools/test.py', setup['config'], trained['checkpoint'],
                      '--work-dir', work_dir)
    with open(work_dir / 'test_results.json') as file:
        return dict(stdout=process.stdout, results=json.load(file))


def miou_by_hand(config, checkpoint, data_root):
    """mIoU of the checkpoint on the val images: mmseg inference + a numpy confusion matrix."""
    from mmseg.apis import inference_model, init_model
    model = init_model(config, checkpoint, device='cpu')
    confusion = np.zeros((len(CLASSES), len(CLASSES)), np.int64)
    for image in sorted(glob(osp.join(data_root, 'img', 'val', '*.png'))):
        prediction = inference_model(model, image).pred_sem_seg.data[0].numpy()
        truth = cv2.imread(image.replace('img', 'ann'), cv2.IMREAD_UNCHANGED)
        np.add.at(confusion, (truth.ravel(), prediction.ravel()), 1)
    intersection = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - intersection
    present = union > 0
    return 100 * np.mean(intersection[present] / union[present])


def test_train_then_test_prints_miou_and_f1_and_writes_results(setup, trained, tested):
    results = tested['results']
    assert results['config'] == setup['config']
    assert results['checkpoint'] == trained['checkpoint']
    metrics = results['metrics']
    assert re.search(r'^mIoU: ', tested['stdout'], re.MULTILINE)
    assert re.search(r'^multi-label/f1-score: ', tested['stdout'], re.MULTILINE)
    assert 0 <= metrics['multi-label/f1-score'] <= 100
    # the trained weights were evaluated, not a fresh model: an independent recount agrees
    assert metrics['mIoU'] == pytest.approx(
        miou_by_hand(setup['config'], trained['checkpoint'], setup['data_root']), abs=0.01)


def test_dist_train_two_cpu_processes_and_its_checkpoint_tests(setup, trained):
    work_dir = setup['root'] / 'dist'
    succeed('bash', 'tools/dist_train.sh', setup['config'], 2, '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={SEED}', env=dict(PORT=free_port()))
    log = open(glob(str(work_dir / '*' / '*.log'))[0]).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    checkpoint = torch.load(work_dir / f'iter_{MAX_ITERS}.pth', map_location='cpu')
    reference = torch.load(trained['checkpoint'], map_location='cpu')
    assert checkpoint['meta']['iter'] == MAX_ITERS
    assert checkpoint['state_dict'].keys() == reference['state_dict'].keys()
    succeed(PYTHON, 'tools/test.py', setup['config'], work_dir / f'iter_{MAX_ITERS}.pth',
            '--work-dir', work_dir / 'test')
    metrics = json.load(open(work_dir / 'test' / 'test_results.json'))['metrics']
    assert 0 <= metrics['mIoU'] <= 100


def test_dist_test_matches_single_process(setup, trained, tested):
    work_dir = setup['root'] / 'dist_test'
    succeed('bash', 'tools/dist_test.sh', setup['config'], trained['checkpoint'], 2,
            '--work-dir', work_dir, env=dict(PORT=free_port()))
    metrics = json.load(open(work_dir / 'test_results.json'))['metrics']
    assert metrics == pytest.approx(tested['results']['metrics'], abs=1e-6)


def test_resume_after_kill_continues_the_same_run(setup, trained):
    work_dir = setup['root'] / 'resume'
    killed = run(PYTHON, 'tools/train.py', setup['killed_config'], '--work-dir', work_dir,
                 '--cfg-options', f'randomness.seed={SEED}', env=dict(PYTHONPATH=setup['root']))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert sorted(os.listdir(work_dir)).count(f'iter_{CHECKPOINT_INTERVAL}.pth') == 1
    assert not osp.exists(work_dir / f'iter_{MAX_ITERS}.pth')
    # no seed on the command line now: the resumed run must take it from the checkpoint
    succeed(PYTHON, 'tools/train.py', setup['config'], '--work-dir', work_dir, '--resume')
    final = torch.load(work_dir / f'iter_{MAX_ITERS}.pth', map_location='cpu')
    assert final['meta']['iter'] == MAX_ITERS
    losses, reference = loss_log(work_dir), loss_log(trained['work_dir'])
    assert sorted(losses) == list(range(1, MAX_ITERS + 1))
    # same data order, optimizer, scheduler and smoothing window as the uninterrupted run
    assert losses == pytest.approx(reference, rel=1e-4)


def test_publish_model_strips_training_state(setup, trained, tmp_path):
    process = succeed(PYTHON, 'tools/publish_model.py', trained['checkpoint'],
                      tmp_path / 'tiny_lrp.pth')
    (published, ) = glob(str(tmp_path / 'tiny_lrp-*.pth'))
    digest = subprocess.run(['sha256sum', published], capture_output=True, text=True).stdout
    assert osp.basename(published) == f'tiny_lrp-{digest[:8]}.pth'
    assert 'optimizer' in process.stdout
    # loads with torch's default weights_only=True and nothing of this project imported
    keys = succeed(PYTHON, '-c', 'import sys, torch; '
                   'print(sorted(torch.load(sys.argv[1], map_location="cpu")))', published)
    assert keys.stdout.strip() == "['meta', 'state_dict']"
    original = torch.load(trained['checkpoint'], map_location='cpu')
    stripped = torch.load(published, map_location='cpu')
    assert stripped['meta']['dataset_meta']['classes'] == CLASSES
    for name, tensor in original['state_dict'].items():
        assert torch.equal(stripped['state_dict'][name], tensor), name
