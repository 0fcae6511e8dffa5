"""tools/benchmarks/speed_benchmark.py: interleaved rounds, medians with their spread, equal gradients."""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import load_tool
from unrolled_lrp.benchmarks import speed

REPO = Path(__file__).resolve().parents[1]
SPEED_TOOL = load_tool('tools/benchmarks/speed_benchmark.py')


def test_summary_is_the_median_and_the_relative_spread():
    runs = [dict(seconds=s, peak_mib=m) for s, m in ((2.0, 10), (1.0, 30), (4.0, 20))]
    assert speed.summary(runs) == (2.0, 1.5, 30)


def test_variants_take_turns_round_after_round(tmp_path, monkeypatch):
    """Load that comes and goes falls on every variant alike; the first round saves what the
    steps and forwards computed, for the equal-work checks."""
    calls = []

    def spawn(args, variant, output_file=None):
        calls.append((variant, output_file))
        return dict(seconds=1.0, peak_mib=1)

    monkeypatch.setattr(SPEED_TOOL, 'spawn', spawn)
    args = argparse.Namespace(repeats=3, composite='EpsilonPlusFlat')
    results = SPEED_TOOL.interleaved(args, str(tmp_path))
    variants = speed.VARIANTS + speed.COMPOSITE_VARIANTS
    assert [variant for variant, _ in calls] == list(variants) * 3
    assert list(results) == list(variants) and all(len(r) == 3 for r in results.values())
    saved = {variant for variant, output_file in calls if output_file}
    assert saved == {v for v in variants if v.endswith(('_step', '_forward'))}
    assert all(output_file is None for _, output_file in calls[len(variants):])


@pytest.mark.slow
def test_every_variant_runs_and_the_table_reports_the_conditions(tmp_path):
    process = subprocess.run(
        [sys.executable, 'tools/benchmarks/speed_benchmark.py', '--backbone', 'resnet18', '--size', '32',
         '--batch', '2', '--labeled', '1', '--num-classes', '3', '--repeats', '1',
         '--composite', 'EpsilonPlusFlat', '--composite-args', '{"epsilon": 0.1}',
         '--json', str(tmp_path / 'speed.json')],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    out = process.stdout
    # the JSON holds what the table prints: every variant's rounds, the ratios, the conditions
    saved = json.loads((tmp_path / 'speed.json').read_text())
    (table, ) = saved['tables']
    assert table['labeled'] == 1 and saved['conditions']['rounds'] == 1
    assert set(table['variants']) == set(speed.VARIANTS + speed.COMPOSITE_VARIANTS)
    assert all(len(v['rounds_s']) == 1 for v in table['variants'].values())
    speedup = float(re.search(r'speed-up of the training step:\s+([\d.]+)x', out)[1])
    assert round(table['ratios']['training_step_speedup'], 2) == speedup
    order = re.findall(r'round 1/1 (\w+):', out)
    assert order == list(speed.VARIANTS + speed.COMPOSITE_VARIANTS)
    assert re.search(r'all-class decoder forward, EpsilonPlusFlat\s+[\d.]+\s+\d+%\s+\d+', out)
    assert re.search(r'EpsilonPlusFlat / LRP-0, training step:\s+[\d.]+x', out)
    assert re.search(r'bfloat16 in hardware: ', out)
    assert re.search(r'over the faster plain step: training step, autograd, ', out)
    assert re.search(r'threads \(OMP_NUM_THREADS=\S+\), 1 interleaved round, freed memory kept, '
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


def refusal(capsys, monkeypatch, *args):
    """The tool's exit status and stderr for arguments it refuses before any work."""
    monkeypatch.setattr(sys, 'argv', ['speed_benchmark.py', '--backbone', 'resnet18', *args])
    with pytest.raises(SystemExit) as exit_info:
        SPEED_TOOL.main()
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.slow
def test_bad_composite_and_failing_variant_are_one_line_errors(capsys, monkeypatch):
    status, stderr = refusal(capsys, monkeypatch, '--composite', 'EpsilonPlusFlatt')
    assert status == 2 and 'not a registered composite' in stderr
    assert 'EpsilonPlusFlat,' in stderr
    status, stderr = refusal(capsys, monkeypatch, '--composite', 'EpsilonPlusFlat',
                             '--composite-args', '{"epsilom": 1}')
    assert status == 2 and 'epsilom' in stderr, stderr
    status, stderr = refusal(capsys, monkeypatch, '--size', '0')
    assert status == 2 and '--size, --batch and --num-classes must be positive' in stderr
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
