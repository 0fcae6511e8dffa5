#!/usr/bin/env python
"""Train a segmentor: MMSegmentation's ``tools/train.py`` with this project's additions.

Additions: ``unrolled_lrp`` is importable from a checkout; a config that cannot run (load
error, missing section, missing data) stops before anything is built, naming the problem;
``--resume`` takes an optional checkpoint and continues with the original run's seed (so the
sampler replays the same data order); ``tools/dist_train.sh`` also runs on CPU machines (gloo).
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
                                check_init_checkpoints, load_config, prepare_cpu_distributed,
                                require_sections, use_seed_of_checkpoint)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or without it from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (GPU)')
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


def set_resume(cfg, resume):
    """Resolve ``--resume [CHECKPOINT]`` to one checkpoint and continue with its seed.

    As in MMSegmentation, the command line decides: without ``--resume`` nothing resumes.
    """
    cfg.resume = False
    if resume is None:
        return
    checkpoint = find_latest_checkpoint(cfg.work_dir) if resume == 'auto' else resume
    if checkpoint is None:
        print_log(f'--resume: no checkpoint in {cfg.work_dir}; training starts from scratch',
                  logger='current', level=logging.WARNING)
        return
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise ConfigError(f'--resume: checkpoint not found: {checkpoint}')
    cfg.resume, cfg.load_from = True, checkpoint
    use_seed_of_checkpoint(cfg, checkpoint)


def build_config(args):
    cfg = load_config(args.config, args.cfg_options)
    require_sections(cfg, ['model', 'train_dataloader', 'train_cfg', 'optim_wrapper'])
    validates = cfg.get('val_cfg') is not None
    if validates:
        require_sections(cfg, ['val_dataloader', 'val_evaluator'])
    check_data_paths(cfg, ['train_dataloader'] + (['val_dataloader'] if validates else []))
    check_init_checkpoints(cfg)
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
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
