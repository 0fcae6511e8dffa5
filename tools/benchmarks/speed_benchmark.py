"""Speed and memory of the tied all-class decoder against plain autograd, at equal work.

Prints, for a backbone / input size / batch and each number of pixel-labelled samples
(``--labeled``, default 2 and 4 of 4): one training step of the batched decoder against the
faster of two plain-autograd steps doing the same work (heatmaps of the pixel-labelled samples
only), the all-class decoder forward against its floor, the bfloat16 decoder's speed and
error, and optionally another LRP composite's cost; the variants are defined in
``unrolled_lrp.benchmarks.speed``. Each variant runs in its own process so that its peak
memory (max RSS) is its own, and every process keeps freed memory for reuse as the training
and test tools do (``--no-keep-freed-memory`` measures glibc's defaults). The variants take
turns round after round, so that load that comes and goes falls on all of them alike; each
figure is the median over the rounds, with the spread next to it, and a warning when a spread
exceeds 15%. The CPU, its bfloat16 support, the thread count and the load are printed.

Example: python tools/benchmarks/speed_benchmark.py --backbone resnet50 --size 128 --batch 4 --labeled 2 4
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

from unrolled_lrp.benchmarks import speed
from unrolled_lrp.benchmarks.speed import (BACKBONES, COMPOSITE_VARIANTS, VARIANTS,
                                           cpu_conditions, report, run_variant)
from unrolled_lrp.models.rules import LRP_COMPOSITES
from unrolled_lrp.utils import run_main


def spawn(args, variant, output_file=None):
    command = [sys.executable, __file__, '--variant', variant, '--backbone', args.backbone,
               '--size', str(args.size), '--batch', str(args.batch), '--labeled', str(args.labeled),
               '--num-classes', str(args.num_classes)]
    if not args.keep_freed_memory:
        command.append('--no-keep-freed-memory')
    if output_file:
        command += ['--output-file', output_file]
    if args.composite:
        command += ['--composite', args.composite, '--composite-args', args.composite_args]
    # children keep their traceback (UNROLLED_LRP_DEBUG); the parent reports its last line
    process = subprocess.run(command, capture_output=True, text=True,
                             env={**os.environ, 'UNROLLED_LRP_DEBUG': '1'})
    if process.returncode:
        last = (process.stderr.strip().splitlines() or ['(no output)'])[-1]
        raise ChildProcessError(f'variant {variant} failed (exit status {process.returncode}): '
                           f'{last}')
    return json.loads(process.stdout.strip().splitlines()[-1])


def interleaved(args, tmp):
    """{variant: [result of each round]}, the variants taking turns round after round; the
    first round also saves what the steps and forwards computed to ``tmp``."""
    results = {variant: [] for variant in speed.variants(args)}
    for round_index in range(args.repeats):
        for variant in results:
            output_file = (os.path.join(tmp, f'{variant}.pt') if round_index == 0
                           and variant.endswith(('_step', '_forward')) else None)
            results[variant].append(spawn(args, variant, output_file))
            print(f'[benchmark] round {round_index + 1}/{args.repeats} {variant}: '
                  f'{results[variant][-1]["seconds"]:.3f} s', flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--backbone', choices=sorted(BACKBONES), default='resnet50')
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--labeled', type=int, nargs='+', default=[2, 4],
                        help='pixel-labelled samples in the batch; each value is one table')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--repeats', type=int, default=3,
                        help='interleaved rounds, one timed process per variant each '
                        '(the median is reported)')
    parser.add_argument('--no-keep-freed-memory', dest='keep_freed_memory', action='store_false',
                        help="glibc's default allocator settings, which return large freed "
                        'blocks to the system (each new large tensor page-faults again)')
    parser.add_argument('--profile', choices=VARIANTS,
                        help='instead of the table: profile one call of this variant with '
                        'torch.profiler and print the operators by their own time')
    parser.add_argument('--profile-rows', type=int, default=25,
                        help='operators listed by --profile')
    parser.add_argument('--composite',
                        help='also time the training step and the decoder forward with this '
                        'LRP rule composite (a registered name, e.g. EpsilonPlusFlat)')
    parser.add_argument('--composite-args', default='{}',
                        help='the composite\'s arguments as JSON, e.g. \'{"epsilon": 0.1}\'')
    parser.add_argument('--json', help='also write the tables, their rounds and the '
                        'conditions to this JSON file')
    parser.add_argument('--variant', choices=VARIANTS + COMPOSITE_VARIANTS,
                        help=argparse.SUPPRESS)
    parser.add_argument('--output-file', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if min(args.size, args.batch, args.num_classes) < 1:
        parser.error('--size, --batch and --num-classes must be positive')
    if not all(0 <= labeled <= args.batch for labeled in args.labeled):
        parser.error('--labeled must be between 0 and --batch')
    if args.repeats < 1:
        parser.error('--repeats must be at least 1')
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        parser.error(f'--json {args.json}: folder {os.path.dirname(os.path.abspath(args.json))} '
                     'does not exist')
    try:
        composite_args = json.loads(args.composite_args)
    except ValueError as error:
        parser.error(f'--composite-args is not JSON: {error}')
    if args.composite and args.composite not in LRP_COMPOSITES.module_dict:
        parser.error(f'--composite {args.composite}: not a registered composite (registered: '
                     f'{", ".join(sorted(LRP_COMPOSITES.module_dict))})')
    if args.composite:
        try:
            LRP_COMPOSITES.build(dict(type=args.composite, **composite_args))
        except (TypeError, ValueError) as error:
            parser.error(f'--composite-args for {args.composite}: {error}')
    if args.profile:
        args.variant = args.profile
    if args.variant:
        args.labeled = args.labeled[0]
        return run_variant(args)

    load = os.getloadavg()
    conditions = dict(cpu=cpu_conditions(), threads=torch.get_num_threads(),
                      omp_num_threads=os.environ.get('OMP_NUM_THREADS'), rounds=args.repeats,
                      freed_memory_kept=args.keep_freed_memory, load_average_at_start=load)
    print(f'[benchmark] {args.backbone}, {args.size}x{args.size}, batch {args.batch}, '
          f'{args.num_classes} classes, {cpu_conditions()}, {torch.get_num_threads()} threads '
          f'(OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}), {args.repeats} '
          f'interleaved round{"s" if args.repeats > 1 else ""}, freed memory '
          f'{"kept" if args.keep_freed_memory else "returned (glibc default)"}, load average '
          f'{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start')
    tables = []
    for labeled in args.labeled:
        run_args = argparse.Namespace(**{**vars(args), 'labeled': labeled})
        with tempfile.TemporaryDirectory() as tmp:
            results = interleaved(run_args, tmp)
            outputs = {name[:-3]: torch.load(os.path.join(tmp, name))
                       for name in os.listdir(tmp)}
        tables.append(report(run_args, results, outputs))
    if args.json:
        settings = {key: getattr(args, key) for key in (
            'backbone', 'size', 'batch', 'num_classes', 'composite', 'composite_args')}
        with open(args.json, 'w') as file:
            json.dump(dict(settings=settings, conditions=conditions, tables=tables), file,
                      indent=1)
        print(f'[benchmark] wrote {args.json}')


if __name__ == '__main__':
    run_main(main)
