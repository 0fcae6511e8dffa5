"""Bad inputs end in a clear error that names the file, and never cost a user file.

The tools run as ``python TOOL ARGS`` from the repository root, in this process (``run_tool``,
``helpers.run_tool_in_process``); one test runs them as processes of their own, so that the
one-line error and ``--debug`` are checked at the process's edge too.

One test per finding of the second bad-input round: checkpoints that do not fit the model,
images cut short, validation ids in a training list, tools writing over their input or over
foreign files, a copied work dir resuming from the source's checkpoint, splits written in
part, and errors buried under tracebacks.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

import unrolled_lrp  # noqa: F401
from helpers import build_voc_dataset
from helpers import run_tool_in_process as run_tool
from unrolled_lrp.utils import CheckpointMismatch, check_checkpoint_fits, read_state_dict
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.utils.checkpoint_fit import check_start_checkpoints, mismatch_report

REPO = Path(__file__).resolve().parents[1]
CPU_CONFIG = REPO / 'configs/synthetic/unrolled_lrp_r18_synthetic.py'


def run_tool_as_process(*args, timeout=300):
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def one_line_error(process, *fragments):
    """Non-zero exit, no traceback, an ``error:`` line holding every fragment."""
    assert process.returncode != 0, process.stdout[-2000:]
    assert 'Traceback' not in process.stderr, process.stderr[-3000:]
    lines = [line for line in process.stderr.splitlines() if line.startswith('error: ')]
    assert lines, process.stderr[-3000:]
    for fragment in fragments:
        assert fragment in process.stderr, (fragment, process.stderr[-3000:])


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_inputs') / 'voc'
    generate_scenes(root, num_images=12, seed=0, image_size=64)
    return root


def data_options(voc):
    options = [f'{loader}.dataset.data_root={voc}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    train = (voc / 'ImageSets/Segmentation/train.txt').read_text().split()
    (voc / 'labeled.txt').write_text('\n'.join(train[:3]) + '\n')
    (voc / 'image_level.txt').write_text('\n'.join(train[3:]) + '\n')
    return options + [f'train_dataloader.dataset.labeled_split={voc}/labeled.txt',
                      f'train_dataloader.dataset.image_level_split={voc}/image_level.txt',
                      f'val_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/val.txt',
                      f'test_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/val.txt',
                      'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'custom_hooks=[]']


@pytest.fixture(scope='module')
def cpu_model_state():
    """The state dict of the stage-2 CPU model (random weights, built in-process)."""
    cfg = Config.fromfile(str(CPU_CONFIG))
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.init_cfg = None
    return MODELS.build(cfg.model).state_dict()


# 1. checkpoints that do not fit ------------------------------------------------------------

def test_mismatch_report_lists_missing_unexpected_and_resized_keys():
    expected = dict(a=torch.zeros(2), b=torch.zeros(3), c=torch.zeros(4))
    assert mismatch_report(expected, dict(expected)) == ''
    report = mismatch_report(expected, dict(a=torch.zeros(2), c=torch.zeros(5), d=torch.zeros(1)))
    assert report == ('missing keys 1 (b), unexpected keys 1 (d), 1 shape mismatches '
                      '(checkpoint vs model: c (5,) vs (4,))')


def test_a_checkpoint_of_another_model_is_refused_by_name(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4))
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': torch.nn.Sequential(torch.nn.Linear(3, 5)).state_dict()}, path)
    with pytest.raises(CheckpointMismatch, match=f'{path} does not fit the model: 2 shape'):
        check_checkpoint_fits(model, str(path))
    torch.save({'state_dict': {f'module.{k}': v for k, v in model.state_dict().items()}}, path)
    check_checkpoint_fits(model, str(path))  # DistributedDataParallel's prefix is fine


def test_a_truncated_checkpoint_is_named(tmp_path):
    path = tmp_path / 'cut.pth'
    torch.save({'state_dict': torch.nn.Linear(30, 40).state_dict()}, path)
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises(CheckpointMismatch, match=f'{path}: not a readable checkpoint'):
        read_state_dict(str(path))


def test_init_checkpoints_are_checked_against_their_module(tmp_path, cpu_model_state):
    """The classifier hand-over: a converted checkpoint with 20 classifier rows for a
    21-class model is refused, naming the config key; the right one passes."""
    cfg = Config.fromfile(str(CPU_CONFIG))
    good, bad = tmp_path / 'good.pth', tmp_path / 'bad.pth'
    handed_over = {k: v for k, v in cpu_model_state.items()
                   if k.startswith(('backbone.', 'decode_head.'))}
    torch.save({'state_dict': handed_over}, good)
    torch.save({'state_dict': dict(handed_over, **{
        'decode_head.conv_seg.weight': torch.zeros(20, 128, 1, 1),
        'decode_head.conv_seg.bias': torch.zeros(20)})}, bad)
    for key in ('backbone', 'decode_head'):
        cfg.model[key].init_cfg.checkpoint = str(good)
    model = MODELS.build(cfg.model)
    check_start_checkpoints(model, cfg)
    cfg.model.decode_head.init_cfg.checkpoint = str(bad)
    with pytest.raises(CheckpointMismatch,
                       match=r"bad.pth \(keys under 'decode_head.'\) does not fit "
                       r'model.decode_head of .*: 2 shape mismatches'):
        check_start_checkpoints(model, cfg)


@pytest.mark.slow
def test_test_tool_refuses_a_checkpoint_that_does_not_fit(voc, tmp_path):
    """A torchvision ResNet18 state dict (no key matches) used to give metrics of random
    weights with exit 0."""
    import torchvision
    path = tmp_path / 'resnet18.pth'
    torch.save(torchvision.models.resnet18().state_dict(), path)
    process = run_tool('tools/test.py', CPU_CONFIG, path, '--work-dir', tmp_path / 'w',
                       '--cfg-options', *data_options(voc), 'model.backbone.init_cfg=None',
                       'model.decode_head.init_cfg=None')
    one_line_error(process, f'{path} does not fit the model of', 'missing keys',
                   'unexpected keys', '--allow-partial-checkpoint')
    assert not (tmp_path / 'w' / 'test_results.json').exists()


NOT_CHECKPOINTS = {'web page': b'<!DOCTYPE html><html><body>Not Found</body></html>',
                   'LFS pointer': b'version https://git-lfs.github.com/spec/v1\noid sha256:0\n'}


@pytest.mark.parametrize('tool', ['test.py', 'convert_classifier.py', 'publish_model.py',
                                  'explain.py'])
@pytest.mark.slow
def test_a_file_that_is_no_checkpoint_is_one_line_in_every_tool(voc, tmp_path, tool):
    """A failed download or a Git LFS pointer saved as .pth gave torch's 'IndexError: pop from
    empty list' (under a traceback) in every tool that reads a checkpoint."""
    path = tmp_path / 'model.pth'
    path.write_bytes(NOT_CHECKPOINTS['web page'])
    image = next((voc / 'JPEGImages').glob('*.jpg'))
    commands = {
        'test.py': ['tools/test.py', CPU_CONFIG, path, '--work-dir', tmp_path / 'w',
                    '--cfg-options', *data_options(voc)],
        'convert_classifier.py': ['tools/model_converters/convert_classifier.py', path, tmp_path / 'out.pth'],
        'publish_model.py': ['tools/misc/publish_model.py', path, tmp_path / 'out.pth'],
        'explain.py': ['tools/analysis_tools/explain.py', image, CPU_CONFIG, path, '--out-dir', tmp_path / 'e'],
    }
    one_line_error(run_tool(*commands[tool]), f'{path}: not a PyTorch checkpoint',
                   "starts with b'<!DOCTYPE html>")


@pytest.mark.parametrize('kind', sorted(NOT_CHECKPOINTS))
def test_the_teacher_loader_names_a_file_that_is_no_checkpoint(tmp_path, kind):
    from unrolled_lrp.models.unroll.classifier_checkpoint import load_classifier_checkpoint
    path = tmp_path / 'teacher.pth'
    path.write_bytes(NOT_CHECKPOINTS[kind])
    with pytest.raises(CheckpointMismatch, match=f'{path}: not a PyTorch checkpoint'):
        load_classifier_checkpoint(None, str(path))


@pytest.mark.slow
def test_train_tool_refuses_a_classifier_of_another_size(voc, tmp_path, cpu_model_state):
    handed_over = {k: v for k, v in cpu_model_state.items() if k.startswith('backbone.')}
    handed_over.update({'decode_head.conv_seg.weight': torch.zeros(20, 128, 1, 1),
                        'decode_head.conv_seg.bias': torch.zeros(20)})
    path = tmp_path / 'classifier20.pth'
    torch.save({'state_dict': handed_over}, path)
    process = run_tool('tools/train.py', CPU_CONFIG, '--work-dir', tmp_path / 'w',
                       '--cfg-options', *data_options(voc),
                       f'model.backbone.init_cfg.checkpoint={path}',
                       f'model.decode_head.init_cfg.checkpoint={path}')
    one_line_error(process, f'{path}', 'does not fit model.decode_head',
                   'conv_seg.weight (20, 128, 1, 1) vs (21, 128, 1, 1)')
    assert not list((tmp_path / 'w').glob('iter_*.pth'))


# 2. images cut short ------------------------------------------------------------------------

@pytest.fixture
def voc_copy(voc, tmp_path):
    root = tmp_path / 'voc'
    shutil.copytree(voc, root)
    data_options(root)  # writes labeled.txt and image_level.txt
    return root


@pytest.mark.parametrize('kind', ['image', 'mask'])
def test_an_image_or_mask_cut_short_is_named_at_build_time(voc_copy, kind):
    first = (voc_copy / 'labeled.txt').read_text().split()[0]
    path = (voc_copy / 'JPEGImages' / f'{first}.jpg' if kind == 'image'
            else voc_copy / 'SegmentationClass' / f'{first}.png')
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises(ValueError, match=f'{path}: truncated (JPEG|PNG)'):
        build_voc_dataset(voc_copy)


def corrupt_scan_data(path):
    """Zeros in the middle of a JPEG's scan data: its markers stay intact, so it is complete,
    and it decodes with a libjpeg warning and wrong pixels."""
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes(64) + data[middle + 64:])


@pytest.mark.parametrize('split', ['labeled.txt', 'image_level.txt'])
def test_corrupt_scan_data_and_empty_images_are_named_at_build_time(voc_copy, split):
    first = (voc_copy / split).read_text().split()[0]
    path = voc_copy / 'JPEGImages' / f'{first}.jpg'
    corrupt_scan_data(path)
    with pytest.raises(ValueError, match=f'{path}: the decoder warns "Corrupt JPEG data'):
        build_voc_dataset(voc_copy)
    path.write_bytes(b'')  # crashed a DataLoader worker, hours in, naming no file
    with pytest.raises(ValueError, match=f'{path}: (cannot be decoded \\(an empty file\\)|not a '
                       'readable image)'):
        build_voc_dataset(voc_copy)


def test_images_that_decoded_cleanly_are_not_decoded_again(voc_copy, monkeypatch):
    import cv2

    from unrolled_lrp.datasets import image_files
    build_voc_dataset(voc_copy)
    calls = []
    original = cv2.imread
    monkeypatch.setattr(image_files.cv2, 'imread',
                        lambda *args: calls.append(1) or original(*args))
    build_voc_dataset(voc_copy)
    assert not calls  # every image remembered
    first = (voc_copy / 'labeled.txt').read_text().split()[0]
    corrupt_scan_data(voc_copy / 'JPEGImages' / f'{first}.jpg')  # a changed file: checked again
    with pytest.raises(ValueError, match='Corrupt JPEG data'):
        build_voc_dataset(voc_copy)
    assert len(calls) == 1


def test_an_image_corrupted_in_place_behind_its_size_and_time_is_checked_again(voc_copy):
    build_voc_dataset(voc_copy)  # every image remembered
    first = (voc_copy / 'labeled.txt').read_text().split()[0]
    path = voc_copy / 'JPEGImages' / f'{first}.jpg'
    stat = path.stat()
    corrupt_scan_data(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    with pytest.raises(ValueError, match=f'{path}: the decoder warns "Corrupt JPEG data'):
        build_voc_dataset(voc_copy)


def test_a_one_pixel_image_and_a_16_bit_mask_are_named_at_build_time(voc_copy):
    import cv2
    import numpy as np
    from PIL import Image
    first = (voc_copy / 'labeled.txt').read_text().split()[0]
    mask_path = voc_copy / 'SegmentationClass' / f'{first}.png'
    mask = np.array(Image.open(mask_path))
    Image.fromarray(mask.astype(np.uint16)).save(mask_path)  # valid class values, 16 bit
    with pytest.raises(ValueError, match=f'{mask_path}: mask is a 16-bit PNG'):
        build_voc_dataset(voc_copy)
    Image.fromarray(mask).save(mask_path)
    image_only = (voc_copy / 'image_level.txt').read_text().split()[0]  # no mask to compare
    image = voc_copy / 'JPEGImages' / f'{image_only}.jpg'
    cv2.imwrite(str(image), np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(ValueError, match=f'{image}: 1x1 pixels, below the 16 px'):
        build_voc_dataset(voc_copy)


def test_a_file_that_fails_to_decode_in_the_pipeline_is_named(voc_copy):
    dataset = build_voc_dataset(voc_copy, pipeline=[dict(type='LoadImageFromFile'),
                                        dict(type='LoadOptionalSegAnnotations')])
    image = Path(dataset.get_data_info(0)['img_path'])
    image.write_bytes(b'\xff\xd8 not a JPEG any more \xff\xd9')  # replaced after the build
    with pytest.raises(OSError, match=f'{image}.*cannot be decoded'):
        dataset[0]


def build_stage1_voc(voc):
    """The classifier config's training set (mmpretrain's registry and scope)."""
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    cfg = Config.fromfile(REPO / 'configs/synthetic/classifier_r18_synthetic.py')
    dataset = dict(cfg.train_dataloader.dataset, data_root=str(voc),
                   pipeline=[dict(type='LoadImageFromFile')])
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return PRETRAIN_DATASETS.build(dataset)


def test_the_classifier_dataset_names_an_image_cut_short(voc_copy):
    dataset = build_stage1_voc(voc_copy)
    assert type(dataset).__name__ == 'CheckedVOC' and len(dataset) > 0
    path = Path(dataset.get_data_info(0)['img_path'])
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises(ValueError, match=f'{path}: truncated JPEG'):
        build_stage1_voc(voc_copy)
    path.write_bytes(b'\xff\xd8 not a JPEG any more \xff\xd9')  # complete, undecodable
    with pytest.raises(ValueError, match=f'{path}: cannot be decoded \\(not an image\\)'):
        build_stage1_voc(voc_copy)
    path.write_bytes(b'')  # an empty image-level JPEG crashed a DataLoader worker, unnamed
    with pytest.raises(ValueError, match=f'{path}: cannot be decoded \\(an empty file\\)'):
        build_stage1_voc(voc_copy)


# 3. validation ids in a training list ---------------------------------------------------------

@pytest.mark.parametrize('split', ['labeled.txt', 'image_level.txt'])
def test_a_val_id_in_a_training_list_is_refused(voc_copy, split):
    val_id = (voc_copy / 'ImageSets/Segmentation/val.txt').read_text().split()[0]
    with open(voc_copy / split, 'a') as file:
        file.write(val_id + '\n')
    with pytest.raises(ValueError, match=f'{split}: 1 ids are also in the held-out list .*'
                       f'val.txt, e.g. \\[.{val_id}.\\]'):
        build_voc_dataset(voc_copy)
    build_voc_dataset(voc_copy, held_out_split=None)  # the explicit opt-out
    # the val set itself is not checked against itself
    build_voc_dataset(voc_copy, labeled_split=str(voc_copy / 'ImageSets/Segmentation/val.txt'),
          image_level_split=None)


# 4. and 5. tools never destroy their inputs --------------------------------------------------

@pytest.mark.slow
def test_convert_classifier_refuses_to_write_over_its_input(tmp_path):
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': {'backbone.w': torch.ones(2), 'head.fc.weight': torch.ones(20, 2),
                               'head.fc.bias': torch.zeros(20)}}, path)
    before = path.read_bytes()
    one_line_error(run_tool('tools/model_converters/convert_classifier.py', path, path),
                   f'{path}: the converted checkpoint would overwrite the input')
    assert path.read_bytes() == before
    converted = tmp_path / 'out.pth'
    assert run_tool('tools/model_converters/convert_classifier.py', path, converted).returncode == 0
    assert not list(tmp_path.glob('.tmp-*'))  # written through a temporary file, renamed


def test_overwrite_refuses_a_tree_with_foreign_files_and_keeps_them(tmp_path):
    tree = tmp_path / 'voc'
    generate_scenes(tree, num_images=8, seed=0, image_size=48)
    (tree / 'splits' / '4').mkdir(parents=True)
    (tree / 'splits' / '4' / 'labeled.txt').write_text('syn_000001\n')
    (tree / 'notes.txt').write_text('keep me')
    with pytest.raises(ValueError, match='holds 2 files make_synthetic_voc.py did not write '
                       r'\(notes.txt, splits/4/labeled.txt\)'):
        generate_scenes(tree, num_images=8, seed=1, image_size=48, overwrite=True)
    assert (tree / 'notes.txt').read_text() == 'keep me'
    assert (tree / 'JPEGImages' / 'syn_000001.jpg').is_file()  # nothing deleted either
    (tree / 'notes.txt').unlink()
    shutil.rmtree(tree / 'splits')
    generate_scenes(tree, num_images=6, seed=1, image_size=48, overwrite=True)
    assert len(list((tree / 'JPEGImages').glob('*.jpg'))) == 6


# 6. a copied or moved work dir resumes from its own checkpoint ------------------------------

def test_resume_uses_the_work_dirs_own_checkpoint(tmp_path):
    from unrolled_lrp.utils.train_setup import own_latest_checkpoint
    source = tmp_path / 'source'
    source.mkdir()
    (source / 'iter_10.pth').write_bytes(b'source')
    (source / 'last_checkpoint').write_text(str(source / 'iter_10.pth'))
    copy = tmp_path / 'copy'
    shutil.copytree(source, copy)
    assert own_latest_checkpoint(str(copy)) == str(copy / 'iter_10.pth')
    # a copy without checkpoints of its own resumed from the source's without a word
    (copy / 'iter_10.pth').unlink()
    with pytest.raises(ValueError, match=f'names {source}/iter_10.pth, outside this work dir, '
                       'which has no iter_10.pth of its own'):
        own_latest_checkpoint(str(copy))
    shutil.move(str(source), str(tmp_path / 'moved'))  # the named path is gone
    assert own_latest_checkpoint(str(tmp_path / 'moved')) == str(
        tmp_path / 'moved' / 'iter_10.pth')
    with pytest.raises(ValueError, match='names .*iter_10.pth, which does not exist'):
        own_latest_checkpoint(str(copy))


def train_command(voc, work_dir, *options, classifier):
    return ['tools/train.py', CPU_CONFIG, '--work-dir', work_dir, '--cfg-options',
            *data_options(voc), f'classifier={classifier}', *options]


@pytest.mark.slow
def test_a_used_work_dir_needs_resume_or_overwrite_and_keeps_its_checkpoints(
        voc, tmp_path, cpu_model_state):
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    work_dir = tmp_path / 'w'
    work_dir.mkdir()
    (work_dir / 'iter_500.pth').write_bytes(b'an earlier run')
    one_line_error(run_tool(*train_command(voc, work_dir, classifier=classifier)),
                   f'work dir {work_dir} holds checkpoints of an earlier run (iter_500.pth)',
                   '--resume', '--overwrite')
    assert (work_dir / 'iter_500.pth').read_bytes() == b'an earlier run'


@pytest.mark.slow
def test_schedules_that_train_nothing_are_errors(voc, tmp_path, cpu_model_state):
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    for value in (0, -3):
        one_line_error(run_tool(*train_command(voc, tmp_path / 'w', f'train_cfg.max_iters={value}',
                                               classifier=classifier)),
                       f'train_cfg.max_iters={value} trains nothing')
    # resuming a checkpoint at the schedule's end: exit 0 and nothing trained, before
    finished = tmp_path / 'finished' / 'iter_20.pth'
    finished.parent.mkdir()
    torch.save({'state_dict': cpu_model_state, 'meta': {'iter': 20, 'seed': 0}}, finished)
    command = train_command(voc, tmp_path / 'w', 'train_cfg.max_iters=10',
                            classifier=classifier)
    command[4:4] = ['--resume', finished]  # before --cfg-options
    one_line_error(run_tool(*command), f'{finished} is at iters 20, the schedule ends at 10')
    assert not (tmp_path / 'w').exists()


@pytest.mark.parametrize('option, named', [('model.cls_los=1', 'model.cls_los is no option of'),
                                           ('model.decode_head.score_normalisation=rms',
                                            'model.decode_head.score_normalisation is no option')])
@pytest.mark.slow
def test_a_config_typo_is_one_line_naming_the_key(voc, tmp_path, cpu_model_state, option,
                                                  named):
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    for tool in ('train', 'test'):
        command = (train_command(voc, tmp_path / 'w', option, classifier=classifier)
                   if tool == 'train' else
                   ['tools/test.py', CPU_CONFIG, classifier, '--work-dir', tmp_path / 'w',
                    '--cfg-options', *data_options(voc), f'classifier={classifier}', option])
        one_line_error(run_tool(*command), named, '(a typo?)')
    assert not (tmp_path / 'w').exists()  # refused before the Runner wrote its work dir


def test_the_classifier_variable_reaches_the_weights_that_load(tmp_path):
    """--cfg-options classifier=PATH changed the saved config's top-level line and nothing else:
    stage 2 loaded the default classifier."""
    from unrolled_lrp.utils import load_config
    cfg = load_config(str(CPU_CONFIG), {'classifier': '/elsewhere/c.pth'})
    assert cfg.model.backbone.init_cfg.checkpoint == '/elsewhere/c.pth'
    assert cfg.model.decode_head.init_cfg.checkpoint == '/elsewhere/c.pth'
    # a deeper option still wins over the variable, and data_root reaches the split files
    cfg = load_config(str(CPU_CONFIG), {'classifier': '/elsewhere/c.pth',
                                        'model.backbone.init_cfg.checkpoint': '/b.pth',
                                        'data_root': '/data/voc'})
    assert cfg.model.backbone.init_cfg.checkpoint == '/b.pth'
    assert cfg.train_dataloader.dataset.labeled_split == '/data/voc/splits/10/labeled.txt'
    assert cfg.train_dataloader.dataset.data_root == '/data/voc'


@pytest.mark.slow
def test_amp_on_a_cpu_is_one_line(voc, tmp_path, cpu_model_state):
    if torch.cuda.is_available():
        pytest.skip('with CUDA --amp runs')
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    one_line_error(run_tool(*train_command(voc, tmp_path / 'w', classifier=classifier),
                            '--amp'), '--amp (automatic mixed precision) needs a CUDA GPU')


@pytest.mark.slow
def test_dist_scripts_name_a_wrong_process_count_or_config(tmp_path):
    for args in ((CPU_CONFIG, '0'), (CPU_CONFIG, '--work-dir', tmp_path)):
        process = subprocess.run(['bash', 'tools/dist_train.sh', *map(str, args)], cwd=REPO,
                                 capture_output=True, text=True)
        assert process.returncode == 2 and 'GPUS must be a positive number' in process.stderr
    process = subprocess.run(['bash', 'tools/dist_test.sh', 'nothing.py', 'c.pth', '2'],
                             cwd=REPO, capture_output=True, text=True)
    assert process.returncode == 2 and 'config file not found: nothing.py' in process.stderr


# 7. splits: all arguments checked before anything is written ---------------------------------

@pytest.mark.parametrize('sizes', [['4', '25'], ['0']])
@pytest.mark.slow
def test_make_voc_splits_writes_nothing_for_a_bad_size(voc, tmp_path, sizes):
    out = tmp_path / 'splits'
    process = run_tool('tools/dataset_converters/make_voc_splits.py', voc, '--num-labeled', *sizes,
                       '--out-dir', out)
    one_line_error(process, f'--num-labeled {sizes[-1]}: must be between 1 and the 6 ids',
                   'nothing written')
    assert not out.exists()


# 8. one line, the traceback on demand ------------------------------------------------------

@pytest.mark.slow
def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path):
    path = tmp_path / 'cut.pth'
    path.write_bytes(b'PK\x03\x04 truncated')
    command = ['tools/model_converters/convert_classifier.py', path, tmp_path / 'out.pth']
    plain = run_tool_as_process(*command)
    one_line_error(plain, f'{path}: not a readable checkpoint')
    debug = run_tool_as_process(*command, '--debug')
    assert debug.returncode != 0 and 'Traceback' in debug.stderr
    assert os.path.exists(path) and not (tmp_path / 'out.pth').exists()


@pytest.mark.slow
def test_publish_and_plot_name_a_bad_input_in_one_line(tmp_path):
    cut = tmp_path / 'iter_10.pth'
    torch.save({'state_dict': torch.nn.Linear(30, 40).state_dict()}, cut)
    cut.write_bytes(cut.read_bytes()[:100])
    one_line_error(run_tool('tools/misc/publish_model.py', cut, tmp_path / 'out.pth'),
                   f'{cut}: not a readable checkpoint')
    one_line_error(run_tool('tools/analysis_tools/plot_results.py', tmp_path / 'nowhere', '--out',
                            tmp_path / 'fig.png'), f'{tmp_path / "nowhere"}: not found')


def test_resuming_from_a_truncated_checkpoint_names_it(tmp_path):
    from unrolled_lrp.utils.train_setup import set_resume
    cut = tmp_path / 'iter_10.pth'
    torch.save({'state_dict': {}, 'meta': {'seed': 3}}, cut)
    cut.write_bytes(cut.read_bytes()[:60])
    cfg = Config(dict(randomness=dict(seed=0), work_dir=str(tmp_path),
                      train_cfg=dict(max_iters=20)))
    with pytest.raises(CheckpointMismatch, match=f'{cut}: not a readable checkpoint'):
        set_resume(cfg, str(cut))


@pytest.mark.slow
def test_explain_and_tea_benchmark_refuse_bad_input_in_one_line(tmp_path):
    config = REPO / 'configs/synthetic/unrolled_lrp_r18_synthetic.py'
    missing = tmp_path / 'nothing.png'
    one_line_error(run_tool('tools/analysis_tools/explain.py', missing, config, tmp_path / 'x.pth',
                            '--out-dir', tmp_path / 'out'),
                   f'{missing}: no such image file or folder')
    tea = run_tool('tools/benchmarks/tea_bias_benchmark.py', '--small', '--out', tmp_path / 'no' / 'r.json')
    assert tea.returncode == 2 and f'folder {tmp_path / "no"} does not exist' in tea.stderr
    tea = run_tool('tools/benchmarks/tea_bias_benchmark.py', '--criterion', 'l3')
    assert tea.returncode == 2 and "invalid choice: 'l3'" in tea.stderr


# 7. diverged models, two runs in one folder, options of the wrong type (round 4) -----------

def nan_checkpoint(path, state):
    state = dict(state)
    key = next(k for k, v in state.items() if v.is_floating_point())
    state[key] = torch.full_like(state[key], float('nan'))
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path


@pytest.mark.slow
def test_a_diverging_run_stops_at_its_first_nan_and_no_tool_takes_its_weights(
        voc, tmp_path, cpu_model_state):
    from unrolled_lrp.utils import load_checkpoint_file
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    work_dir = tmp_path / 'w'
    run = run_tool(*train_command(voc, work_dir, 'optim_wrapper.optimizer.lr=1e5',
                                  'train_cfg.max_iters=6', 'train_cfg.val_interval=6',
                                  'default_hooks.checkpoint.interval=1', classifier=classifier))
    one_line_error(run, 'training stopped at iteration', 'is not finite',
                   'lower the learning rate')
    for saved in work_dir.glob('*.pth'):
        load_checkpoint_file(saved)  # every checkpoint that was saved is finite
    bad = nan_checkpoint(tmp_path / 'diverged.pth', cpu_model_state)
    refused = 'weight tensors hold NaN or infinite values'
    one_line_error(run_tool('tools/misc/publish_model.py', bad, tmp_path / 'out.pth'), refused)
    assert not list(tmp_path.glob('out*.pth'))
    one_line_error(run_tool('tools/test.py', CPU_CONFIG, bad, '--work-dir', tmp_path / 't',
                            '--cfg-options', *data_options(voc), f'classifier={classifier}'),
                   refused)
    image = tmp_path / 'image.png'
    image.write_bytes((voc / 'JPEGImages').glob('*.jpg').__next__().read_bytes())
    one_line_error(run_tool('tools/analysis_tools/explain.py', image, CPU_CONFIG, bad,
                            '--out-dir', tmp_path / 'e'), refused)


@pytest.mark.slow
def test_a_second_run_in_a_work_dir_in_use_is_refused_and_the_first_finishes(
        voc, tmp_path, cpu_model_state):
    import time
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    work_dir = tmp_path / 'w'
    first = subprocess.Popen(
        [sys.executable, *map(str, train_command(voc, work_dir, 'train_cfg.max_iters=30',
                                                 'default_hooks.checkpoint.interval=10',
                                                 classifier=classifier))],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    lock = work_dir / '.train.lock'
    deadline = time.time() + 120
    while not lock.is_file() and first.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert lock.is_file(), first.stdout.read()[-2000:] if first.poll() is not None else 'no lock'
    second = run_tool(*train_command(voc, work_dir, 'randomness.seed=2', classifier=classifier))
    one_line_error(second, f'work dir {work_dir} is in use by another training run (PID '
                   f'{first.pid}', 'wait for it to finish or use another --work-dir')
    output, _ = first.communicate(timeout=600)
    assert first.returncode == 0, output[-3000:]
    assert sorted(p.name for p in work_dir.glob("*.pth")) == [
        f"iter_{i}.pth" for i in (10, 20, 30)]
    assert not lock.exists()


def test_a_stale_lock_is_taken_over_and_an_empty_work_dir_refused(tmp_path):
    from unrolled_lrp.utils import ConfigError
    from unrolled_lrp.utils.work_dir_lock import LOCK_FILE, lock_work_dir, unlock_work_dir
    gone = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / LOCK_FILE).write_text(
        f'{{"pid": {gone}, "host": "{__import__("socket").gethostname()}", "started": "x"}}')
    assert lock_work_dir(str(tmp_path)) == str(tmp_path / LOCK_FILE)
    assert f'"pid": {os.getpid()}' in (tmp_path / LOCK_FILE).read_text()
    unlock_work_dir(str(tmp_path))
    assert not (tmp_path / LOCK_FILE).exists()
    with pytest.raises(ConfigError, match='--work-dir is empty'):
        lock_work_dir('')


def test_the_other_ranks_of_a_distributed_run_share_rank_0s_lock(tmp_path, monkeypatch):
    from unrolled_lrp.utils import ConfigError
    from unrolled_lrp.utils.work_dir_lock import LOCK_FILE, check_work_dir_free, lock_work_dir
    live = os.getppid()  # a running process on this host, not this one: rank 0 of the run
    lock = tmp_path / LOCK_FILE
    lock.write_text(f'{{"pid": {live}, "host": "{__import__("socket").gethostname()}", '
                    '"started": "x"}')
    monkeypatch.setenv('RANK', '1')
    check_work_dir_free(str(tmp_path))
    assert lock_work_dir(str(tmp_path)) is None
    assert f'"pid": {live}' in lock.read_text()  # rank 0's lock is left as it was
    monkeypatch.setenv('RANK', '0')  # a second run's first process is refused
    with pytest.raises(ConfigError, match=f'is in use by another training run .PID {live}'):
        check_work_dir_free(str(tmp_path))


@pytest.mark.parametrize('option, named', [
    ('train_cfg.max_iters=four', "train_cfg.max_iters='four' is not a whole number"),
    ('train_cfg.max_iters=2.5', 'train_cfg.max_iters=2.5 is not a whole number'),
    ('optim_wrapper.optimizer.lr=1e-3x', "optim_wrapper.optimizer.lr='1e-3x' is not a learning"),
    ('optim_wrapper.optimizer.lr=1e38', 'optim_wrapper.optimizer.lr=1e+38 is not a learning'),
    ('model.decode_head.type=TiedHeavisideHed',
     "type 'TiedHeavisideHed' is not registered in mmseg::model; did you mean TiedHeavisideHead"),
])
def test_options_of_the_wrong_type_or_name_are_one_line(voc, tmp_path, cpu_model_state, option,
                                                         named):
    classifier = tmp_path / 'classifier.pth'
    torch.save({'state_dict': cpu_model_state}, classifier)
    one_line_error(run_tool(*train_command(voc, tmp_path / 'w', option, classifier=classifier)),
                   named)
    assert not (tmp_path / 'w').exists()
    one_line_error(run_tool(*train_command(voc, '', classifier=classifier)),
                   '--work-dir is empty')


@pytest.mark.parametrize('options, named', [
    (['train_cfg.max_iters'], "--cfg-options 'train_cfg.max_iters': expected KEY=VALUE"),
    (['model.decode_head.composite=[1,2'], 'unbalanced [] (quote a value with brackets'),
])
def test_malformed_cfg_options_are_one_line_naming_them(tmp_path, options, named):
    run = run_tool('tools/train.py', CPU_CONFIG, '--work-dir', tmp_path / 'w', '--cfg-options',
                   *options)
    assert run.returncode == 2 and named in run.stderr and 'Traceback' not in run.stderr
    assert not (tmp_path / 'w').exists()


def test_flags_that_cannot_work_are_refused_before_anything_runs(tmp_path):
    from unrolled_lrp.benchmarks.few_label import FewLabelBenchmark
    speed = run_tool('tools/benchmarks/speed_benchmark.py', '--json', tmp_path / 'no' / 'x.json')
    assert speed.returncode == 2 and f'folder {tmp_path / "no"} does not exist' in speed.stderr
    if not torch.cuda.is_available():
        explain = run_tool('tools/analysis_tools/explain.py', tmp_path, CPU_CONFIG,
                           tmp_path / 'c.pth', '--out-dir', tmp_path / 'o', '--device', 'cuda')
        assert explain.returncode == 2 and 'this machine has no CUDA GPU' in explain.stderr
    for option, values in (('seeds', [0, 0]), ('methods', ['unet', 'unet']),
                           ('labels_per_class', [1, 5, 1])):
        with pytest.raises(ValueError, match=f'--{option.replace("_", "-")} repeats'):
            FewLabelBenchmark(tmp_path / 'b', **{option: values})
    assert not (tmp_path / 'b').exists()
