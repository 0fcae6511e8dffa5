#!/usr/bin/env python
"""Test a checkpoint: MMSegmentation's ``tools/test.py`` with this project's additions.

Reports the config's metrics (mIoU from MMSeg's IoUMetric: whole image, 255 ignored) plus the
multi-label F1 of the class logits for models that have a classifier, prints them and writes
``<work_dir>/test_results.json`` = {"config", "checkpoint", "metrics"}. A config that cannot
run or a missing checkpoint or data stops before anything is built, naming the problem; a
checkpoint that does not fit the model exactly (another architecture, depth or number of
classes) stops before testing unless ``--allow-partial-checkpoint``. Errors are one line
(``--debug``: the traceback).
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS, RUNNERS

from unrolled_lrp.utils import (ConfigError, check_checkpoint_fits, check_data_paths,
                                load_config, prepare_cpu_distributed, prepare_cpu_memory,
                                require_sections, run_main)
from unrolled_lrp.utils.config_checks import check_model_options
from unrolled_lrp.utils.quiet_output import drop_idle_visualization_hook

F1_METRIC = 'MultiLabelF1Metric'


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
        '--cfg-options', nargs='+', action=DictAction,
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


def test_metrics(cfg):
    """The test evaluator's metric configs, as a list that lives in ``cfg``."""
    evaluator = cfg.test_evaluator
    holder, key = (evaluator, 'metrics') if 'metrics' in evaluator else (cfg, 'test_evaluator')
    metrics = holder[key]
    holder[key] = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    return holder[key]


def is_iou_metric(metric_type):
    """Whether a metric type is MMSeg's IoUMetric or derives from it (such as
    PresentClassIoUMetric): those write the predicted masks of ``--out``."""
    if isinstance(metric_type, str):
        metric_type = METRICS.get(metric_type)
    return isinstance(metric_type, type) and issubclass(metric_type, IoUMetric)


def trigger_visualization_hook(cfg, args):
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ConfigError(f'config {cfg.filename}: --show/--show-dir need a `visualization` '
                          'hook in default_hooks (e.g. SegVisualizationHook)')
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


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
        trigger_visualization_hook(cfg, args)
    else:
        drop_idle_visualization_hook(cfg)
    if args.tta:
        require_sections(cfg, ['tta_pipeline', 'tta_model'])
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    metrics = test_metrics(cfg)
    # F1 of the class logits; the metric itself skips models without a classifier
    if not any(metric.get('type') == F1_METRIC for metric in metrics):
        metrics.append(dict(type=F1_METRIC))
    if args.out is not None:
        iou_metrics = [metric for metric in metrics if is_iou_metric(metric.get('type'))]
        if not iou_metrics:
            raise ConfigError(f'config {cfg.filename}: --out needs an IoUMetric (or a subclass) '
                              'in test_evaluator, which writes the masks')
        for metric in iou_metrics:
            metric.update(output_dir=args.out)
    return cfg


def write_results(cfg, args, metrics):
    metrics = {name: value if value is None or isinstance(value, (list, str)) else float(value)
               for name, value in metrics.items()}
    path = osp.join(cfg.work_dir, 'test_results.json')
    with open(path, 'w') as file:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint, metrics=metrics),
                  file, indent=2)
    print('\n'.join(f'{name}: {value}' for name, value in metrics.items()))
    print(f'results written to {path}')


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
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model = model.module if args.tta else model  # the TTA wrapper holds the segmentor
        check_checkpoint_fits(model, args.checkpoint, what=f'the model of {args.config}')
    metrics = runner.test()
    if is_main_process():
        write_results(cfg, args, metrics)


if __name__ == '__main__':
    run_main(main)
