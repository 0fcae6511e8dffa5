"""Fail-fast config checks, checkpoint loading under torch's weights_only, CPU launchers."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub

from helpers import run_tool_in_process
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.utils import (ConfigError, check_data_paths, check_init_checkpoints,
                                load_config, prepare_cpu_distributed, require_sections)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CPU_CONFIG = osp.join(REPO, 'configs/synthetic/unrolled_lrp_r18_synthetic.py')


def named_config(filename, **sections):
    """A Config that reports ``filename`` without the file existing."""
    return Config(sections, cfg_text='# in memory', filename=filename)


def test_load_config_names_a_missing_file_and_a_broken_one(tmp_path):
    with pytest.raises(ConfigError, match='config file not found: .*nowhere.py'):
        load_config(str(tmp_path / 'nowhere.py'))
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    with pytest.raises(ConfigError, match=f'cannot load config {broken}: SyntaxError'):
        load_config(str(broken))


def test_require_sections_names_what_is_missing():
    cfg = named_config('some_config.py', model=dict(type='X'))
    with pytest.raises(ConfigError, match='some_config.py has no test_dataloader, test_cfg'):
        require_sections(cfg, ['model', 'test_dataloader', 'test_cfg'])


def test_missing_data_is_named_by_config_key_including_wrapped_datasets(tmp_path):
    (tmp_path / 'voc' / 'JPEGImages').mkdir(parents=True)
    present = str(tmp_path / 'voc')
    cfg = named_config(
        'cfg.py',
        train_dataloader=dict(dataset=dict(type='RepeatDataset', times=2, dataset=dict(
            data_root=present, ann_file='missing_list.txt',
            data_prefix=dict(img_path='JPEGImages', seg_map_path='Masks')))),
        val_dataloader=dict(dataset=dict(type='ConcatDataset', datasets=[
            dict(data_root=str(tmp_path / 'gone')),
            dict(data_root=present, labeled_split=str(tmp_path / 'labeled.txt'))])))
    with pytest.raises(ConfigError) as error:
        check_data_paths(cfg, ['train_dataloader', 'val_dataloader'])
    lines = str(error.value).splitlines()
    assert lines[0] == 'config cfg.py: data not found'
    missing_keys = {line.split(':')[0].strip() for line in lines[1:-1]}
    assert missing_keys == {
        'train_dataloader.dataset.dataset.ann_file',
        'train_dataloader.dataset.dataset.data_prefix.seg_map_path',
        'val_dataloader.dataset.datasets[0].data_root',
        'val_dataloader.dataset.datasets[1].labeled_split'}
    check_data_paths(cfg, [])  # nothing asked, nothing checked


@pytest.mark.slow
def test_train_tool_stops_before_building_anything_when_data_is_missing(tmp_path):
    process = run_tool_in_process(
        'tools/train.py', CPU_CONFIG, '--work-dir', tmp_path / 'w', '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}/no_voc')
    assert process.returncode == 1
    assert 'Traceback' not in process.stderr
    assert f'train_dataloader.dataset.data_root: {tmp_path}/no_voc' in process.stderr
    assert 'data not found' in process.stderr
    assert not (tmp_path / 'w').exists()  # no Runner was built


def message_hub_checkpoint(path):
    """What mmengine's Runner stores besides tensors: the message hub's history buffers
    (numpy arrays, statistics methods pickled through getattr) and numpy scalars."""
    hub = MessageHub('checks')
    for value in (0.5, 0.25):
        hub.update_scalar('train/loss', value)
    torch.save(dict(meta=dict(seed=np.int64(3), lr=np.float32(0.1)),
                    message_hub=hub.state_dict(),
                    state_dict=dict(weight=torch.ones(2))), path)


def test_runner_checkpoints_load_with_weights_only(tmp_path):
    path = tmp_path / 'runner.pth'
    message_hub_checkpoint(path)
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.mean() == pytest.approx(0.375)
    assert checkpoint['meta']['seed'] == 3


@pytest.mark.slow
def test_importing_the_package_alone_allows_runner_checkpoints(tmp_path):
    """`mim train` and MMSeg's own tools/train.py import only the package (custom_imports)."""
    path = tmp_path / 'runner.pth'
    message_hub_checkpoint(path)
    code = ('import torch, unrolled_lrp; '
            f'print(torch.load({str(path)!r}, map_location="cpu", weights_only=True)["meta"])')
    result = subprocess.run(
        [sys.executable, '-c', code], cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=osp.join(REPO, 'projects')))
    assert result.returncode == 0, result.stderr
    assert "'seed': 3" in result.stdout


class GetattrOnHistoryBuffer:
    """Pickles as getattr(HistoryBuffer, 'update'): not a statistics method."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, 'update')


class ArbitraryGlobal:
    def __reduce__(self):
        return subprocess.call, (['true'], )


@pytest.mark.parametrize('payload, message', [
    (GetattrOnHistoryBuffer(), 'only the statistics methods'),
    (ArbitraryGlobal(), 'Unsupported global'),
])
def test_weights_only_still_rejects_other_globals(tmp_path, payload, message):
    path = tmp_path / 'payload.pth'
    torch.save(dict(x=payload), path)
    with pytest.raises(pickle.UnpicklingError, match=message):
        torch.load(path, map_location='cpu', weights_only=True)


def test_cpu_launch_without_cuda_needs_the_pytorch_launcher():
    if torch.cuda.is_available():
        pytest.skip('with CUDA the launchers are mmengine\'s own')
    cfg = Config(dict(launcher='slurm'))
    with pytest.raises(ValueError, match="launcher 'slurm' needs CUDA"):
        prepare_cpu_distributed(cfg)
    prepare_cpu_distributed(Config(dict(launcher='none')))  # single process: nothing to do


def test_cpu_processes_run_sync_bn_as_batch_norm():
    from unrolled_lrp.utils.cpu_distributed import _sync_bn_to_bn
    cfg = Config.fromfile(osp.join(REPO, 'configs/unet_r50_voc_20.py'))
    assert _sync_bn_to_bn(cfg.model) == 2  # the encoder's and the free decoder's
    assert 'SyncBN' not in str(cfg.model)


def test_missing_start_checkpoint_is_named_by_config_key(tmp_path):
    present = tmp_path / 'classifier.pth'
    present.write_bytes(b'')
    cfg = named_config('stage2.py', model=dict(
        backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=str(present))),
        decode_head=dict(init_cfg=[dict(type='Normal'),
                                   dict(type='Pretrained', checkpoint='nowhere/cls.pth')]),
        neck=dict(init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet50'))))
    with pytest.raises(ConfigError) as error:
        check_init_checkpoints(cfg)
    lines = str(error.value).splitlines()
    assert lines[0] == 'config stage2.py: checkpoint to start from not found'
    # the present file and the URL are not reported
    assert lines[1] == ('  model.decode_head.init_cfg[1].checkpoint: nowhere/cls.pth '
                        f'(resolved: {osp.abspath("nowhere/cls.pth")})')
    assert len(lines) == 3 and 'tools/model_converters/convert_classifier.py' in lines[2]
    cfg.model.decode_head.init_cfg[1].checkpoint = str(present)
    check_init_checkpoints(cfg)


@pytest.mark.slow
def test_train_tool_names_the_missing_stage_one_classifier(tmp_path):
    """The stage-2 CPU config without its stage-1 classifier: one line, before any Runner."""
    voc = tmp_path / 'voc'
    generate_scenes(
        voc, num_images=12, seed=0, image_size=64)
    options = [f'{loader}.dataset.data_root={voc}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    options += [f'train_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/train.txt',
                f'train_dataloader.dataset.image_level_split={voc}/ImageSets/Main/train.txt',
                f'val_dataloader.dataset.labeled_split={voc}/ImageSets/Segmentation/val.txt',
                f'model.backbone.init_cfg.checkpoint={tmp_path}/none.pth']
    process = run_tool_in_process('tools/train.py', CPU_CONFIG, '--work-dir', tmp_path / 'w',
                                  '--cfg-options', *options)
    assert process.returncode == 1, process.stderr[-3000:]
    assert 'Traceback' not in process.stderr
    assert 'checkpoint to start from not found' in process.stderr
    assert f'model.backbone.init_cfg.checkpoint: {tmp_path}/none.pth' in process.stderr
    assert not (tmp_path / 'w').exists()
