"""The few-label benchmark: the paper's Tables 1 and 3 at CPU scale, on scenes made for it.

    python tools/benchmarks/few_label_benchmark.py                 # the README's grid: 1, 5 masks per class and all
    python tools/benchmarks/few_label_benchmark.py --methods unrolled_lrp unrolled_lrp_a2b1 lrp_eps ws_ae mt_unet unet fcn \
        --labels-per-class 1 2 5                                   # the paper's full table
    python tools/benchmarks/few_label_benchmark.py --image-labels 300 1000   # plus the image-label curve
    python tools/benchmarks/few_label_benchmark.py --quick         # one split, one seed, short runs

The protocol (data, stage 1, stage 2, tables and plots) is
``unrolled_lrp.benchmarks.few_label.FewLabelBenchmark``; an interrupted benchmark resumes
where it stopped, and a work dir made with other settings is refused, naming what differs.
"""
import argparse
import os
import sys

from unrolled_lrp.benchmarks.few_label import (CURVE_METHODS, LABELS_PER_CLASS, METHODS, SCENES,
                                               FewLabelBenchmark, available_methods)
from unrolled_lrp.utils import run_main


def positive(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f'{value} is not a positive number')
    return number


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/few_label_benchmark',
                        help='data, classifiers, runs, tables and plots go here')
    parser.add_argument('--scenes', choices=tuple(SCENES), default='looks',
                        help="'looks': classes with several looks each (the paper's regime); "
                        "'textures': classes told apart by high-contrast textures (the hard "
                        "case); 'shapes': classes with several looks told apart by silhouette "
                        'alone')
    parser.add_argument('--looks-per-class', type=positive, default=3)
    parser.add_argument('--num-images', type=positive,
                        help="scenes to make (default: the scene style's)")
    parser.add_argument('--methods', nargs='+', choices=available_methods(),
                        default=list(METHODS),
                        help='rows: any configs/few_label/<method>_r18_few_label.py')
    parser.add_argument('--labels-per-class', type=positive, nargs='*',
                        default=list(LABELS_PER_CLASS),
                        help='pixel-labelled images per class of the splits (none: the '
                        'ceilings alone, on every mask)')
    parser.add_argument('--no-all-masks', dest='all_masks', action='store_false',
                        help='skip the runs on every mask (the ceilings)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--max-iters', type=positive, default=1000,
                        help='stage-2 iterations of the runs with 1-5 masks per class')
    parser.add_argument('--all-masks-iters', type=positive, default=3000,
                        help='stage-2 iterations of the runs on every mask')
    parser.add_argument('--image-labels', type=positive, nargs='*', default=[],
                        help='the image-label curve: image-labelled scenes at 1 mask per class '
                        '(each count trains its own stage-1 classifier)')
    parser.add_argument('--curve-methods', nargs='+', choices=available_methods(),
                        default=list(CURVE_METHODS))
    parser.add_argument('--classifier-iters', type=positive,
                        help="stage-1 iterations (default: the classifier config's)")
    parser.add_argument('--pretrained',
                        help='backbone checkpoint that stage 1 starts from (the model zoo\'s '
                        'fractal pretraining: checkpoints/fractal_r18_quarter-*.pth); default: '
                        'random weights')
    parser.add_argument('--jobs', type=positive, default=min(2, os.cpu_count() or 1),
                        help='runs trained side by side (one thread each)')
    parser.add_argument('--data-seed', type=int, default=0)
    parser.add_argument('--progress-every', type=float, default=30,
                        help='seconds between progress lines')
    parser.add_argument('--quick', action='store_true',
                        help='1 mask per class, seed 0, 300 iterations, stage 1 1,000 '
                        'iterations, no ceilings: checks that everything runs')
    args = parser.parse_args(argv)
    if args.quick:
        args.labels_per_class, args.seeds, args.max_iters = [1], [0], 300
        args.all_masks = False
        args.classifier_iters = args.classifier_iters or 1000
    return args


def main(argv=None):
    args = vars(parse_args(argv))
    args.pop('quick')
    FewLabelBenchmark(log=lambda line: print(line, flush=True), **args)()


if __name__ == '__main__':
    sys.exit(run_main(main))
