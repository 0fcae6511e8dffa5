#!/usr/bin/env python
"""Train a segmentor: MMSegmentation's ``tools/train.py`` with this project's additions.

Additions: ``unrolled_lrp`` is importable from a checkout; a config that cannot run (load
error, missing section, missing data) stops before anything is built, naming the problem;
``--resume`` takes an optional checkpoint and continues with the original run's seed (so the
sampler replays the same data order), from the work dir's own checkpoint when the work dir was
copied or moved; the checkpoint a run starts from (``load_from``, resumed, or a 'Pretrained'
``init_cfg``) must fit the model exactly unless ``--allow-partial-checkpoint``; errors are one
line (``--debug``: the traceback); ``tools/dist_train.sh`` also runs on CPU machines (gloo).
"""
import argparse
import logging
import os
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'projects'))

from mmengine.config import DictAction  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.runner import Runner, find_latest_checkpoint  # noqa: E402
from mmseg.registry import RUNNERS  # noqa: E402

from unrolled_lrp.utils import (ConfigError, check_data_paths,  # noqa: E402
                                check_init_checkpoints, check_start_checkpoints, load_config,
                                prepare_cpu_distributed, prepare_cpu_memory, require_sections,
                                run_main, use_seed_of_checkpoint)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or without it from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (GPU)')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='load the parameters of a start checkpoint that fit and ignore the rest '
        "(mmengine's default) instead of stopping on missing, unexpected or resized ones")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_amp(cfg):
    optim_wrapper = cfg.optim_wrapper.type
    if optim_wrapper == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in the config.', logger='current',
                  level=logging.WARNING)
        return
    if optim_wrapper != 'OptimWrapper':
        raise ConfigError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def own_latest_checkpoint(work_dir):
    """The checkpoint ``last_checkpoint`` names, taken from ``work_dir`` itself.

    mmengine writes its absolute path, so a copied work dir would resume from the source
    directory's checkpoint and a moved one would name a path that no longer exists; a file of
    that name in ``work_dir`` is the one meant.
    """
    named = find_latest_checkpoint(work_dir)
    if named is None:
        return None
    own = osp.join(work_dir, osp.basename(named))
    if osp.isfile(own):
        if not (osp.isfile(named) and osp.samefile(own, named)):
            print_log(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {named}, '
                      f'outside this work dir; resuming from {own}', logger='current',
                      level=logging.WARNING)
        return own
    if not osp.isfile(named):
        raise ConfigError(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {named}, '
                          f'which does not exist, and {own} does not either')
    return named


def set_resume(cfg, resume):
    """Resolve ``--resume [CHECKPOINT]`` to one checkpoint and continue with its seed.

    As in MMSegmentation, the command line decides: without ``--resume`` nothing resumes.
    """
    cfg.resume = False
    if resume is None:
        return
    checkpoint = own_latest_checkpoint(cfg.work_dir) if resume == 'auto' else resume
    if checkpoint is None:
        print_log(f'--resume: no checkpoint in {cfg.work_dir}; training starts from scratch',
                  logger='current', level=logging.WARNING)
        return
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise ConfigError(f'--resume: checkpoint not found: {checkpoint}')
    cfg.resume, cfg.load_from = True, checkpoint
    use_seed_of_checkpoint(cfg, checkpoint)


def hold_out_val_list(cfg):
    """The train set refuses ids of the val list the config validates on (it checks the tree's
    ``ImageSets/Segmentation/val.txt`` by itself; the config's list may be another)."""
    train = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    val = (cfg.get('val_dataloader') or {}).get('dataset') or {}
    if (train.get('type') == 'SemiSupervisedVOCDataset' and 'held_out_split' not in train
            and val.get('type') == 'SemiSupervisedVOCDataset' and val.get('labeled_split')):
        train['held_out_split'] = osp.abspath(val['labeled_split'])


def build_config(args):
    cfg = load_config(args.config, args.cfg_options)
    require_sections(cfg, ['model', 'train_dataloader', 'train_cfg', 'optim_wrapper'])
    validates = cfg.get('val_cfg') is not None
    if validates:
        require_sections(cfg, ['val_dataloader', 'val_evaluator'])
    check_data_paths(cfg, ['train_dataloader'] + (['val_dataloader'] if validates else []))
    check_init_checkpoints(cfg)
    if validates:
        hold_out_val_list(cfg)
    cfg.launcher = args.launcher
    # work_dir: command line > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    set_resume(cfg, args.resume)
    return cfg


def main():
    args = parse_args()
    try:
        cfg = build_config(args)
    except ConfigError as error:
        sys.exit(f'error: {error}')
    prepare_cpu_distributed(cfg)
    prepare_cpu_memory(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if not args.allow_partial_checkpoint:
        check_start_checkpoints(runner.model, cfg)
    runner.train()


if __name__ == '__main__':
    run_main(main)
