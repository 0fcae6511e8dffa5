#!/usr/bin/env python
"""Test a checkpoint: MMSegmentation's ``tools/test.py`` with this project's additions.

Reports the config's metrics (mIoU from MMSeg's IoUMetric: whole image, 255 ignored) plus the
multi-label F1 of the class logits for models that have a classifier, prints them and writes
``<work_dir>/test_results.json`` = {"config", "checkpoint", "metrics"}. A config that cannot
run or a missing checkpoint or data stops before anything is built, naming the problem; a
checkpoint that does not fit the model exactly (another architecture, depth or number of
classes) stops before testing unless ``--allow-partial-checkpoint``, and one with NaN or
infinite weights (a diverged run's) always does. Errors are one line
(``--debug``: the traceback).
"""
import argparse
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper

from unrolled_lrp.utils import (ConfigError, check_checkpoint_fits, check_data_paths,
                                load_checkpoint_file, load_config, require_sections, run_main)
from unrolled_lrp.utils.cfg_options_action import CheckedDictAction
from unrolled_lrp.utils.config_checks import check_model_options
from unrolled_lrp.utils.quiet_output import drop_idle_visualization_hook
from unrolled_lrp.utils.evaluation_setup import add_metrics, trigger_visualization_hook, write_results
from unrolled_lrp.utils.train_setup import build_runner


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir for logs and test_results.json')
    parser.add_argument('--out', help='directory to save the predicted masks (png) to')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory to save painted predictions to')
    parser.add_argument('--wait-time', type=float, default=2, help='interval of --show (s)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CheckedDictAction,
        help='override settings of the config, e.g. test_dataloader.batch_size=2')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='test with the parameters that fit (the rest random, mmengine\'s default) instead '
        'of stopping on missing, unexpected or resized ones')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args):
    cfg = load_config(args.config, args.cfg_options)
    require_sections(cfg, ['model', 'test_dataloader', 'test_cfg', 'test_evaluator'])
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise ConfigError(f'checkpoint not found: {args.checkpoint}')
    check_data_paths(cfg, ['test_dataloader'])
    check_model_options(cfg)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args.show, args.wait_time, args.show_dir)
    else:
        drop_idle_visualization_hook(cfg)
    if args.tta:
        require_sections(cfg, ['tta_pipeline', 'tta_model'])
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    add_metrics(cfg, args.out)
    return cfg


def main():
    args = parse_args()
    cfg = build_config(args)  # a ConfigError is one line (run_main)
    runner = build_runner(cfg)
    if args.allow_partial_checkpoint:
        load_checkpoint_file(args.checkpoint)  # still refused: unreadable, NaN weights
    else:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model = model.module if args.tta else model  # the TTA wrapper holds the segmentor
        check_checkpoint_fits(model, args.checkpoint, what=f'the model of {args.config}')
    metrics = runner.test()
    if is_main_process():
        write_results(cfg.work_dir, args.config, args.checkpoint, metrics)


if __name__ == '__main__':
    run_main(main)
