#!/usr/bin/env python
"""Train a segmentor: MMSegmentation's ``tools/train.py`` with this project's additions.

Additions (the logic in ``unrolled_lrp.utils``): a config that cannot run (load error, missing
section, missing data, an option no class takes, a schedule of no length) stops before anything
is built, naming the problem; ``--cfg-options classifier=PATH`` (a top-level variable) reaches
the values made from it; ``--resume`` takes an optional checkpoint and continues with the
original run's seed (so the sampler replays the same data order), from the work dir's own
checkpoint, and refuses one at the schedule's end; a work dir with checkpoints of an earlier
run is refused without ``--resume`` or ``--overwrite``, and so is a work dir another run is
training in (a lock file; an empty ``--work-dir`` too); training stops at the first NaN or
infinite loss, naming the iteration and the term; the checkpoint a run starts from
(``load_from``, resumed, or a 'Pretrained' ``init_cfg``) must fit the model exactly unless
``--allow-partial-checkpoint``; errors are one line (``--debug``: the traceback);
``tools/dist_train.sh`` also runs on CPU machines (gloo).
"""
import argparse
import os
import os.path as osp

from unrolled_lrp.utils import (check_data_paths, check_init_checkpoints,
                                check_start_checkpoints, load_config, require_sections,
                                run_main)
from unrolled_lrp.utils.cfg_options_action import CheckedDictAction
from unrolled_lrp.utils.config_checks import check_model_options
from unrolled_lrp.utils.quiet_output import drop_idle_visualization_hook
from unrolled_lrp.utils.train_setup import (build_runner, check_schedule, enable_amp,
                                            hold_out_val_list, set_resume,
                                            stop_at_non_finite_loss)
from unrolled_lrp.utils.work_dir_lock import (check_work_dir_free, lock_work_dir,
                                              unlock_work_dir)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or without it from the latest checkpoint in the work dir')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='start over in a work dir that holds checkpoints of an earlier run (without it '
        'or --resume such a work dir is refused: its checkpoints would be replaced)')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (GPU)')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='load the parameters of a start checkpoint that fit and ignore the rest '
        "(mmengine's default) instead of stopping on missing, unexpected or resized ones")
    parser.add_argument(
        '--cfg-options', nargs='+', action=CheckedDictAction,
        help='override settings of the config, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


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
    check_schedule(cfg)
    check_model_options(cfg)
    stop_at_non_finite_loss(cfg)
    drop_idle_visualization_hook(cfg)
    if args.amp:
        enable_amp(cfg)
    check_work_dir_free(cfg.work_dir)  # a run in progress there is named as such
    set_resume(cfg, args.resume, args.overwrite)
    lock_work_dir(cfg.work_dir)  # before anything is written: a second run is refused
    return cfg


def main():
    args = parse_args()
    cfg = build_config(args)  # a ConfigError is one line (run_main)
    try:
        runner = build_runner(cfg)
        if not args.allow_partial_checkpoint:
            check_start_checkpoints(runner.model, cfg)
        runner.train()
    finally:
        unlock_work_dir(cfg.work_dir)


if __name__ == '__main__':
    run_main(main)
