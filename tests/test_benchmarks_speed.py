"""tools/benchmarks/speed_benchmark.py: interleaved rounds, medians with their spread, equal gradients."""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from unrolled_lrp.benchmarks import speed

REPO = Path(__file__).resolve().parents[1]


def test_summary_is_the_median_and_the_relative_spread():
    runs = [dict(seconds=s, peak_mib=m) for s, m in ((2.0, 10), (1.0, 30), (4.0, 20))]
    assert speed.summary(runs) == (2.0, 1.5, 30)


@pytest.mark.slow
def test_variants_take_turns_and_the_table_reports_the_conditions(tmp_path):
    process = subprocess.run(
        [sys.executable, 'tools/benchmarks/speed_benchmark.py', '--backbone', 'resnet18', '--size', '32',
         '--batch', '2', '--labeled', '1', '--num-classes', '3', '--repeats', '2',
         '--composite', 'EpsilonPlusFlat', '--composite-args', '{"epsilon": 0.1}',
         '--json', str(tmp_path / 'speed.json')],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    out = process.stdout
    # the JSON holds what the table prints: every variant's rounds, the ratios, the conditions
    saved = json.loads((tmp_path / 'speed.json').read_text())
    (table, ) = saved['tables']
    assert table['labeled'] == 1 and saved['conditions']['rounds'] == 2
    assert set(table['variants']) == set(speed.VARIANTS + speed.COMPOSITE_VARIANTS)
    assert all(len(v['rounds_s']) == 2 for v in table['variants'].values())
    speedup = float(re.search(r'speed-up of the training step:\s+([\d.]+)x', out)[1])
    assert round(table['ratios']['training_step_speedup'], 2) == speedup
    order = re.findall(r'round (\d)/2 (\w+):', out)
    variants = speed.VARIANTS + speed.COMPOSITE_VARIANTS
    assert order == [(str(r), v) for r in (1, 2) for v in variants]
    assert re.search(r'all-class decoder forward, EpsilonPlusFlat\s+[\d.]+\s+\d+%\s+\d+', out)
    assert re.search(r'EpsilonPlusFlat / LRP-0, training step:\s+[\d.]+x', out)
    assert re.search(r'bfloat16 in hardware: ', out)
    assert re.search(r'over the faster plain step: training step, autograd, ', out)
    assert re.search(r'threads \(OMP_NUM_THREADS=\S+\), 2 interleaved rounds, freed memory kept, '
                     r'load average '
                     r'[\d.]+ [\d.]+ [\d.]+ at start', out)
    assert re.search(r'training step, batched decoder\s+[\d.]+\s+\d+%\s+\d+', out)
    difference = float(re.search(r'max relative gradient difference:\s+(\S+)', out)[1])
    assert difference <= 1e-5
    assert re.search(r'training step, bfloat16 decoder\s+[\d.]+\s+\d+%\s+\d+', out)
    assert re.search(r'bfloat16 decoder, forward:\s+[\d.]+x faster, [\d.]+x less peak memory',
                     out)
    error = re.search(r'bfloat16 heatmap error \(of float32\):\s+max (\S+), RMS (\S+), arg max '
                      r'changed at ([\d.]+)% of pixels', out)
    assert 0 < float(error[2]) < 5e-2 and float(error[3]) < 5, out


@pytest.mark.slow
def test_profile_lists_the_operators_of_one_variant():
    process = subprocess.run(
        [sys.executable, 'tools/benchmarks/speed_benchmark.py', '--backbone', 'resnet18', '--size', '32',
         '--batch', '2', '--labeled', '1', '--num-classes', '3', '--profile', 'decoder_forward',
         '--profile-rows', '5'],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    assert 'aten::_convolution' in process.stdout and 'Self CPU time total' in process.stdout


def benchmark(*args):
    return subprocess.run([sys.executable, 'tools/benchmarks/speed_benchmark.py', '--backbone', 'resnet18',
                           '--batch', '2', '--labeled', '1', '--num-classes', '3', *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_bad_composite_and_failing_variant_are_one_line_errors():
    unknown = benchmark('--composite', 'EpsilonPlusFlatt')
    assert unknown.returncode == 2 and 'not a registered composite' in unknown.stderr
    assert 'EpsilonPlusFlat,' in unknown.stderr
    bad_args = benchmark('--composite', 'EpsilonPlusFlat', '--composite-args', '{"epsilom": 1}')
    assert bad_args.returncode == 2 and 'epsilom' in bad_args.stderr, bad_args.stderr
    out_of_range = benchmark('--size', '0')
    assert out_of_range.returncode == 2 and '--size, --batch and --num-classes must be positive' \
        in out_of_range.stderr
    # a variant's child process that fails (VGG's pooling leaves nothing of 3 px): its last
    # line, no traceback of the parent
    failing = subprocess.run([sys.executable, 'tools/benchmarks/speed_benchmark.py', '--backbone', 'vgg16bn',
                              '--size', '3', '--batch', '2', '--labeled', '1', '--num-classes',
                              '3', '--repeats', '1'], cwd=REPO, capture_output=True, text=True,
                             timeout=600)
    assert failing.returncode == 1 and 'Traceback' not in failing.stderr, failing.stderr
    assert re.search(r'error: ChildProcessError: variant batched_step failed \(exit status 1\): '
                     r'RuntimeError: .*Output size is too small', failing.stderr), failing.stderr


def test_plain_autograd_steps_give_the_batched_steps_gradients():
    """Equal work: the plain steps decode the pixel-labelled samples only, and every step
    yields the same parameter gradients (BatchNorm in eval mode, as in the benchmark)."""
    args = argparse.Namespace(backbone='resnet18', size=32, batch=3, labeled=2, num_classes=4)
    gradients = {}
    for variant in ('batched_step', 'naive_step', 'vmap_step'):
        model, inputs, masks, labels = speed.build(args, {})
        getattr(speed, variant)(model, inputs, masks, labels)
        gradients[variant] = {n: p.grad for n, p in model.named_parameters()
                              if p.grad is not None}
    for variant in ('naive_step', 'vmap_step'):
        assert gradients[variant].keys() == gradients['batched_step'].keys()
        assert speed.max_relative_difference(gradients[variant],
                                               gradients['batched_step']) < 1e-5
