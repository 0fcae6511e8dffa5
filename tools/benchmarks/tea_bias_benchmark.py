#!/usr/bin/env python
"""Bias benchmark of training with explanations alone (TEA) on generated images, on a CPU.

A teacher learns shapes on unbiased images; a label student and a TEA student (the teacher's
heatmaps, no labels) learn on images whose corner patch gives the label away; all are tested
with the patch agreeing, random and misleading (``unrolled_lrp.benchmarks.tea_bias``). Prints
a table (and writes it as JSON with ``--out``)::

    python tools/benchmarks/tea_bias_benchmark.py            # about six minutes on two CPU cores
    python tools/benchmarks/tea_bias_benchmark.py --small    # seconds: a smoke run, numbers meaningless
"""
import argparse
import json
import os.path as osp
import tempfile

from unrolled_lrp.benchmarks.tea_bias import FULL, SMALL, run, table
from unrolled_lrp.models.distillers.heatmap_matching_loss import CRITERIA
from unrolled_lrp.models.rules import LRP_COMPOSITES, build_composite
from unrolled_lrp.utils import run_main
from unrolled_lrp.utils.cfg_options_action import CheckedDictAction


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--small', action='store_true', help='tiny smoke configuration')
    parser.add_argument('--seed', type=int, default=0, help='seed of data, weights and batches')
    parser.add_argument('--composite', choices=sorted(LRP_COMPOSITES.module_dict),
                        default='LRPEpsilon', help='LRP rule composite of the heatmaps')
    parser.add_argument('--composite-args', nargs='+', action=CheckedDictAction,
                        default=dict(epsilon=0.1), metavar='KEY=VALUE',
                        help='its arguments (default: epsilon=0.1)')
    parser.add_argument('--criterion', default='mse', choices=CRITERIA, help='heatmap loss')
    parser.add_argument('--no-center-classes', dest='center_classes', action='store_false',
                        help='compare the raw heatmaps, not the class-centred ones')
    parser.add_argument('--lr', type=float, default=1e-3, help='AdamW learning rate (students)')
    parser.add_argument('--student-iters', type=int, help='override the training steps')
    parser.add_argument('--out', help='write the results as JSON to this file')
    args = parser.parse_args()
    if args.student_iters is not None and args.student_iters < 1:
        parser.error(f'--student-iters {args.student_iters}: must be positive (0 printed a '
                     'table of untrained students)')
    if args.lr <= 0:
        parser.error('--lr must be positive')
    args.composite = dict(type=args.composite, **args.composite_args)
    try:
        build_composite(args.composite)
    except (TypeError, ValueError) as error:
        parser.error(f'--composite-args: {error}')
    if args.out and not osp.isdir(osp.dirname(osp.abspath(args.out))):
        parser.error(f'--out {args.out}: folder {osp.dirname(osp.abspath(args.out))} does not '
                     'exist (checked before the benchmark runs, not after)')
    return args


def main():
    args = parse_args()
    cfg = dict(SMALL if args.small else FULL)
    if args.student_iters is not None:
        cfg['student_iters'] = args.student_iters
    loss = dict(criterion=args.criterion, center_classes=args.center_classes)
    with tempfile.TemporaryDirectory() as work_dir:
        results = run(cfg, args.seed, args.composite, loss, args.lr, work_dir,
                      log=lambda line: print(line, flush=True))
    centred = 'class-centred ' if args.center_classes else ''
    print(f'TEA bias benchmark ({"small" if args.small else "full"} configuration, seed '
          f'{args.seed}, {args.composite}, {centred}{args.criterion} heatmap loss, '
          f'{results["seconds"]} s); top-1 accuracy (%):')
    print(table(results))
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(results, file, indent=2)


if __name__ == '__main__':
    run_main(main)
