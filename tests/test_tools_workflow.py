"""tools/train.py, test.py, dist_train.sh, dist_test.sh, publish_model.py end to end on CPU.

The README's main job, its two stages shortened to 300 iterations each, on a freshly
generated synthetic VOC (the data tools write it, as a user would): the stage-1 classifier,
converted by tools/model_converters/convert_classifier.py, is where the stage-2 unrolled model starts. Every
tool runs as the user runs it: a subprocess from the repository root. One reference training
run is shared.
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

import numpy as np
import pytest
import torch
from PIL import Image

import unrolled_lrp.utils  # noqa: F401  (torch.load of mmengine checkpoints, torch >= 2.6)
from helpers import run_tool_in_process
from test_evaluation_multilabel_f1 import hand_counted_f1

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PYTHON = sys.executable
CONFIG = osp.join(REPO, 'configs/synthetic/unrolled_lrp_r18_synthetic.py')
STAGE1_CONFIG = osp.join(REPO, 'configs/synthetic/classifier_r18_synthetic.py')
NUM_LABELED = 10
MAX_ITERS = 300  # of both stages (the configs': 1500)
CHECKPOINT_INTERVAL = 100
RESUMED_ITERS = 150  # where the resumed run stops (killed at CHECKPOINT_INTERVAL)
DIST_ITERS = 4
SEED = 123

# The stage-2 CPU config on the generated data, from the stage-1 classifier, on a shorter
# schedule, its loss logged every iteration, the weights it starts from saved.
DATA_CONFIG = '''
_base_ = [{config!r}]
custom_imports = dict(imports=['unrolled_lrp', 'workflow_hooks'], allow_failed_imports=False)
data_root = {data_root!r}
model = dict(backbone=dict(init_cfg=dict(checkpoint={classifier!r})),
             decode_head=dict(init_cfg=dict(checkpoint={classifier!r})))
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end={max_iters}, by_epoch=False)
]
split_dir = data_root + '/splits/{num_labeled}'
train_dataloader = dict(dataset=dict(data_root=data_root,
                                     labeled_split=split_dir + '/labeled.txt',
                                     image_level_split=split_dir + '/image_level.txt'))
val_dataloader = dict(dataset=dict(
    data_root=data_root, labeled_split=data_root + '/ImageSets/Segmentation/val.txt'))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval={checkpoint_interval}))
custom_hooks = [dict(type='SaveUntrainedHook')]
'''

HOOKS = '''
import os
import signal

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class SaveUntrainedHook(Hook):
    """iter_0.pth: the weights the run starts from, for comparison with the trained ones."""

    def before_train(self, runner):
        if runner.iter == 0:
            runner.save_checkpoint(runner.work_dir, 'iter_0.pth', save_optimizer=False,
                                   save_param_scheduler=False)


@HOOKS.register_module()
class KillAfterIterationHook(Hook):
    """SIGKILL right after an iteration's checkpoint is written (LOWEST: after
    CheckpointHook), as a crashed or pre-empted job dies."""
    priority = 'LOWEST'

    def __init__(self, iteration):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def run(*command, root, timeout=600):
    """Run a tool from the repo root; return the finished process (output captured).

    One thread per process: as fast for this model, and two ranks cannot oversubscribe."""
    environment = dict(os.environ, PYTHON=PYTHON, PYTHONPATH=str(root), OMP_NUM_THREADS='1',
                       PORT=free_port())
    return subprocess.run([str(part) for part in command], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def succeed(*command, root):
    process = run(*command, root=root)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-5000:]
    return process


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Synthetic VOC and its splits, the stage-1 classifier trained on it and converted, the
    stage-2 config on both, and a variant that gets killed."""
    root = tmp_path_factory.mktemp('workflow')
    voc = root / 'voc'
    succeed(PYTHON, 'tools/dataset_converters/make_synthetic_voc.py', voc, '--num-images', 240, '--seed', 0,
            root=root)
    succeed(PYTHON, 'tools/dataset_converters/make_voc_splits.py', voc, '--num-labeled', NUM_LABELED, '--seed', 0,
            '--out-dir', voc / 'splits', root=root)
    stage1 = root / 'stage1'
    succeed(PYTHON, 'tools/train.py', STAGE1_CONFIG, '--work-dir', stage1, '--cfg-options',
            f'train_dataloader.dataset.data_root={voc}', f'val_dataloader.dataset.data_root={voc}',
            f'test_dataloader.dataset.data_root={voc}', f'train_cfg.max_iters={MAX_ITERS}',
            f'train_cfg.val_interval={MAX_ITERS}', f'param_scheduler.0.end={MAX_ITERS}',
            f'default_hooks.checkpoint.interval={MAX_ITERS}', root=root)
    classifier = root / 'classifier.pth'
    succeed(PYTHON, 'tools/model_converters/convert_classifier.py', stage1 / f'iter_{MAX_ITERS}.pth', classifier,
            root=root)
    (root / 'workflow_hooks.py').write_text(HOOKS)
    config = root / 'synthetic.py'
    config.write_text(DATA_CONFIG.format(
        config=CONFIG, data_root=str(voc), num_labeled=NUM_LABELED, classifier=str(classifier),
        max_iters=MAX_ITERS, checkpoint_interval=CHECKPOINT_INTERVAL))
    killed_config = root / 'synthetic_killed.py'
    killed_config.write_text(
        "_base_ = ['./synthetic.py']\n"
        f"custom_hooks = [dict(type='KillAfterIterationHook', iteration={CHECKPOINT_INTERVAL})]\n")
    return dict(root=root, voc=voc, config=str(config), killed_config=str(killed_config),
                classifier=str(classifier))


@pytest.fixture(scope='module')
def trained(setup):
    """The reference run: single process, fixed seed."""
    work_dir = setup['root'] / 'train'
    succeed(PYTHON, 'tools/train.py', setup['config'], '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={SEED}', root=setup['root'])
    return dict(work_dir=str(work_dir), checkpoint=str(work_dir / f'iter_{MAX_ITERS}.pth'),
                untrained=str(work_dir / 'iter_0.pth'))


def evaluate_checkpoint(setup, checkpoint, work_dir, *options):
    """tools/test.py; returns (stdout, test_results.json)."""
    process = succeed(PYTHON, 'tools/test.py', setup['config'], checkpoint, '--work-dir',
                      work_dir, *options, root=setup['root'])
    with open(osp.join(work_dir, 'test_results.json')) as file:
        return process.stdout, json.load(file)


@pytest.fixture(scope='module')
def tested(setup, trained):
    """tools/test.py on the reference checkpoint, predictions saved with --out and drawn
    with --show-dir."""
    work_dir = setup['root'] / 'test'
    stdout, results = evaluate_checkpoint(setup, trained['checkpoint'], work_dir, '--out',
                                          work_dir / 'masks', '--show-dir', work_dir / 'shown')
    return dict(stdout=stdout, results=results, work_dir=work_dir)


def recount(config, checkpoint, voc):
    """mIoU and F1 of a checkpoint on the val images, counted in numpy from mmseg inference:
    confusion matrix over pixels (255 ignored), F1 of logit > 0 against the mask's classes."""
    from mmengine.config import Config
    from mmseg.apis import inference_model, init_model
    # the test hooks are not importable here, and inference needs none of them
    cfg = Config.fromfile(config, import_custom_modules=False)
    # mmseg's inference drops LoadAnnotations; packing without labels needs MMSeg's packer
    cfg.test_pipeline = [step if step['type'] != 'PackSegInputsWithImageLabels' else
                         dict(type='PackSegInputs') for step in cfg.test_pipeline]
    model = init_model(cfg, checkpoint, device='cpu')
    num_classes = model.decode_head.num_classes
    confusion = np.zeros((num_classes, num_classes), np.int64)
    logits, labels = [], []
    for image_id in (voc / 'ImageSets/Segmentation/val.txt').read_text().split():
        result = inference_model(model, str(voc / 'JPEGImages' / f'{image_id}.jpg'))
        prediction = result.pred_sem_seg.data[0].numpy()
        truth = np.array(Image.open(voc / 'SegmentationClass' / f'{image_id}.png'))
        valid = truth != 255
        np.add.at(confusion, (truth[valid], prediction[valid]), 1)
        logits.append(result.pred_class_logits.tolist())
        labels.append([float(k in truth[valid]) for k in range(num_classes)])
    intersection = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - intersection
    miou = 100 * np.mean(intersection[union > 0] / union[union > 0])
    return miou, hand_counted_f1(logits, labels, range(1, num_classes))[2]


@pytest.mark.slow
def test_train_then_test_prints_miou_and_f1_and_writes_results(setup, trained, tested):
    results = tested['results']
    assert results['config'] == setup['config']
    assert results['checkpoint'] == trained['checkpoint']
    assert re.search(r'^mIoU: ', tested['stdout'], re.MULTILINE)
    assert re.search(r'^multi-label/f1-score: ', tested['stdout'], re.MULTILINE)
    # the trained weights were evaluated, not a fresh model: an independent recount agrees
    miou, f1 = recount(setup['config'], trained['checkpoint'], setup['voc'])
    assert results['metrics']['mIoU'] == pytest.approx(miou, abs=0.01)
    assert results['metrics']['multi-label/f1-score'] == pytest.approx(f1, abs=0.01)
    # --out: one class-index mask per val image
    val_ids = (setup['voc'] / 'ImageSets/Segmentation/val.txt').read_text().split()
    masks = sorted(osp.basename(path) for path in glob(str(tested['work_dir'] / 'masks/*.png')))
    assert masks == sorted(f'{image_id}.png' for image_id in val_ids)
    # --show-dir: MMSeg's visualization hook draws every 50th test image
    assert glob(str(tested['work_dir'] / 'shown/vis_data/vis_image/test_syn_*.png'))


@pytest.mark.slow
def test_stage_two_starts_from_the_converted_stage_one_classifier(setup, trained):
    classifier = torch.load(setup['classifier'], map_location='cpu')['state_dict']
    start = torch.load(trained['untrained'], map_location='cpu')['state_dict']
    assert any(name.startswith('backbone.') for name in classifier)
    assert 'decode_head.conv_seg.weight' in classifier
    for name, tensor in classifier.items():
        assert torch.equal(start[name], tensor), name


@pytest.mark.slow
def test_training_beats_the_untrained_start(setup, trained, tested):
    _, untrained = evaluate_checkpoint(setup, trained['untrained'],
                                       setup['root'] / 'test_untrained')
    before, after = untrained['metrics'], tested['results']['metrics']
    print(f'untrained: {before}\ntrained {MAX_ITERS} iterations: {after}')
    # Measured: present-class mIoU 5.2 -> 43.2 (the 300-iteration classifier's heatmaps,
    # F1 96, do not segment; 300 stage-2 iterations start to; the full 1500 reach 78).
    assert after['mIoU_present'] > before['mIoU_present'] + 20


@pytest.mark.slow
def test_dist_train_two_cpu_processes_and_its_checkpoint_tests(setup, trained, tested):
    work_dir = setup['root'] / 'dist'
    # torchrun exits with 0 only when both ranks do
    process = succeed('bash', 'tools/dist_train.sh', setup['config'], 2, '--work-dir',
                      work_dir, '--cfg-options', f'randomness.seed={SEED}',
                      f'train_cfg.max_iters={DIST_ITERS}', root=setup['root'])
    assert 'distributed run on CPU with gloo, rank 0 of 2' in process.stdout
    (log, ) = glob(str(work_dir / '*' / '*.log'))
    log = open(log).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    checkpoint = torch.load(work_dir / f'iter_{DIST_ITERS}.pth', map_location='cpu')
    reference = torch.load(trained['checkpoint'], map_location='cpu')
    assert checkpoint['meta']['iter'] == DIST_ITERS
    assert checkpoint['state_dict'].keys() == reference['state_dict'].keys()
    _, results = evaluate_checkpoint(setup, work_dir / f'iter_{DIST_ITERS}.pth',
                                     work_dir / 'test')
    assert results['metrics'].keys() == tested['results']['metrics'].keys()


@pytest.mark.slow
def test_dist_test_matches_single_process(setup, trained, tested):
    work_dir = setup['root'] / 'dist_test'
    succeed('bash', 'tools/dist_test.sh', setup['config'], trained['checkpoint'], 2,
            '--work-dir', work_dir, root=setup['root'])
    metrics = json.load(open(work_dir / 'test_results.json'))['metrics']
    assert metrics == pytest.approx(tested['results']['metrics'], abs=1e-6)


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


@pytest.mark.slow
def test_resume_after_kill_continues_the_same_run(setup, trained):
    work_dir = setup['root'] / 'resume'
    killed = run(PYTHON, 'tools/train.py', setup['killed_config'], '--work-dir', work_dir,
                 '--cfg-options', f'randomness.seed={SEED}', root=setup['root'])
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert osp.exists(work_dir / f'iter_{CHECKPOINT_INTERVAL}.pth')
    assert not osp.exists(work_dir / f'iter_{CHECKPOINT_INTERVAL + 1}.pth')
    assert sorted(loss_log(work_dir)) == list(range(1, CHECKPOINT_INTERVAL + 1))
    # no seed on the command line now (the config's differs): the resumed run must take the
    # seed from the checkpoint, and its weights with weights_only loading (torch >= 2.6)
    # it stops at RESUMED_ITERS; the scheduler keeps the reference's end, so every iteration
    # up to there has the reference's learning rate
    resumed = succeed(PYTHON, 'tools/train.py', setup['config'], '--work-dir', work_dir,
                      '--resume', '--cfg-options', f'train_cfg.max_iters={RESUMED_ITERS}',
                      root=setup['root'])
    assert f'resuming with the seed of {work_dir}/iter_{CHECKPOINT_INTERVAL}.pth: {SEED}' \
        in resumed.stdout
    final = torch.load(work_dir / f'iter_{RESUMED_ITERS}.pth', map_location='cpu')
    assert final['meta']['iter'] == RESUMED_ITERS
    losses, reference = loss_log(work_dir), loss_log(trained['work_dir'])
    assert sorted(losses) == list(range(1, RESUMED_ITERS + 1))
    # same data order, optimizer, scheduler and smoothing window as the uninterrupted run
    assert losses == pytest.approx({i: reference[i] for i in losses}, rel=1e-4)


@pytest.mark.slow
def test_publish_model_strips_training_state(setup, trained, tmp_path):
    # the tool in this process (it needs nothing of the run's hooks); loading its output below
    # in a fresh interpreter is what proves the file stands alone
    process = run_tool_in_process('tools/misc/publish_model.py', trained['checkpoint'],
                                  tmp_path / 'lrp_synthetic.pth')
    assert process.returncode == 0, process.stderr[-3000:]
    (published, ) = glob(str(tmp_path / 'lrp_synthetic-*.pth'))
    digest = subprocess.run(['sha256sum', published], capture_output=True, text=True).stdout
    assert osp.basename(published) == f'lrp_synthetic-{digest[:8]}.pth'
    assert 'optimizer' in process.stdout
    # loads with torch's default weights_only=True and nothing of this project imported
    keys = succeed(PYTHON, '-c', 'import sys, torch; '
                   'print(sorted(torch.load(sys.argv[1], map_location="cpu")))', published,
                   root=setup['root'])
    assert keys.stdout.strip() == "['meta', 'state_dict']"
    original = torch.load(trained['checkpoint'], map_location='cpu')
    stripped = torch.load(published, map_location='cpu')
    assert stripped['meta']['dataset_meta']['classes'][:2] == ('background', 'aeroplane')
    assert stripped['state_dict'].keys() == original['state_dict'].keys()
    for name, tensor in original['state_dict'].items():
        assert torch.equal(stripped['state_dict'][name], tensor), name
    # a folder as the output: the input's name there (it was 'folder/-<hash>.pth')
    process = run_tool_in_process('tools/misc/publish_model.py', trained['checkpoint'],
                                  f'{tmp_path}/zoo/')
    assert process.returncode == 0, process.stderr[-3000:]
    stem = osp.splitext(osp.basename(trained['checkpoint']))[0]
    assert glob(str(tmp_path / 'zoo' / f'{stem}-*.pth'))
