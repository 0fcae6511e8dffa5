"""Speed and memory of the tied all-class decoder against the naive way, in one run.

Prints, for a backbone / input size / batch / number of pixel-labelled samples:

* one training step (forward, both losses, backward) of the batched decoder vs the best
  plain-autograd step doing the same work: the classification loss on every sample, the
  heatmaps (input x gradient by double backpropagation, ``create_graph=True``) and the pixel
  loss of the pixel-labelled samples only. Two plain ways are timed: one class at a time
  (``naive_step``, the paper's reference code, which however also decodes the samples
  without masks) and all classes in one vectorised call (``vmap_step``,
  ``torch.autograd.grad(is_grads_batched=True)``); the faster of the two is the baseline
  of the speed-up, and the gradients of all three are compared;
* the all-class decoder forward (prediction) vs its cost floor: one encoder
  forward plus ``num_classes`` autograd input-gradients.

BatchNorm runs in eval mode in every variant: the naive way would otherwise also
differentiate through the batch statistics, which the tied decoder treats as
constants, and the gradients could not be compared. Each variant runs in its own
process so that its peak memory (max RSS) is its own, and every process keeps freed memory
for reuse as the training and test tools do (``unrolled_lrp.utils.keep_freed_cpu_memory``;
``--no-keep-freed-memory`` measures glibc's defaults).

The variants are interleaved (round 1: A B C D, round 2: A B C D, ...), so that load that
comes and goes on the machine falls on all of them alike; each figure is the median over the
rounds, with the spread ((max - min) / median) next to it, and a warning when a spread
exceeds 15%. The thread count and the load average at the start are printed with the table.

The training step and the decoder forward also run with the decoder in bfloat16
(``decoder_dtype='bfloat16'``), with their error against float32: the heatmaps' (max and
RMS difference relative to the float32 ones, and the share of pixels whose arg max class
changes) and the gradients'. With ``--composite NAME`` (an LRP rule composite, e.g.
EpsilonPlusFlat) both also run with that composite, and its cost is given relative to LRP-0.

Example: python tools/benchmark.py --backbone resnet50 --size 128 --batch 4 --labeled 2
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

from unrolled_lrp.models.rules import LRP_COMPOSITES
from unrolled_lrp.utils import keep_freed_cpu_memory, run_main

BACKBONES = {
    'resnet18': (dict(type='ResNet', depth=18, out_indices=(3, )), 512),
    'resnet50': (dict(type='ResNet', depth=50, out_indices=(3, )), 2048),
    'vgg16bn': (dict(type='mmpretrain.VGG', depth=16, norm_cfg=dict(type='BN'), out_indices=(4, )),
                512),
}
VARIANTS = ('batched_step', 'naive_step', 'vmap_step', 'decoder_forward', 'input_gradients',
            'bf16_step', 'bf16_forward')
PLAIN_STEPS = ('naive_step', 'vmap_step')
COMPOSITE_VARIANTS = ('composite_step', 'composite_forward')
ROWS = {'batched_step': 'training step, batched decoder',
        'naive_step': 'training step, autograd, class by class',
        'vmap_step': 'training step, autograd, classes vectorised',
        'decoder_forward': 'all-class decoder forward',
        'input_gradients': 'floor: forward + {num_classes} input-gradients',
        'bf16_step': 'training step, bfloat16 decoder',
        'bf16_forward': 'all-class decoder forward, bfloat16',
        'composite_step': 'training step, {composite}',
        'composite_forward': 'all-class decoder forward, {composite}'}
# variants that run another one's step on a model with other head options
DERIVED = {'bf16_step': 'batched_step', 'bf16_forward': 'decoder_forward',
           'composite_step': 'batched_step', 'composite_forward': 'decoder_forward'}
SPREAD_WARNING = 0.15


def head_options(args, variant):
    if variant.startswith('bf16_'):
        return dict(decoder_dtype='bfloat16')
    if variant.startswith('composite_'):
        return dict(composite=dict(type=args.composite, **json.loads(args.composite_args)))
    return {}


def build(args, options):
    from mmseg.registry import MODELS
    backbone, channels = BACKBONES[args.backbone]
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='UnrolledLRP', backbone=backbone,
        decode_head=dict(type='TiedHeavisideHead', in_channels=channels,
                         num_classes=args.num_classes, **options)))
    model.init_weights()
    torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=0.1)
    model.eval()  # BN as a fixed affine scale in every variant (see module docstring)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(args.batch, 3, args.size, args.size, generator=generator)
    masks = torch.randint(0, args.num_classes, (args.labeled, args.size, args.size),
                          generator=generator)
    labels = (torch.rand(args.batch, args.num_classes, generator=generator) > 0.7).float()
    return model, inputs, masks, labels


def data_samples(masks, labels):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for i, label in enumerate(labels):
        sample = SegDataSample()
        sample.gt_image_labels = label
        if i < len(masks):
            sample.gt_sem_seg = PixelData(data=masks[i][None])
        samples.append(sample)
    return samples


def batched_step(model, inputs, masks, labels):
    losses = model.loss(inputs, data_samples(masks, labels))
    sum(v for k, v in losses.items() if 'loss' in k).backward()


def autograd_heatmaps(model, inputs, vectorised):
    """(logits, heatmaps) of ``inputs``: input x gradient of every class logit by double
    backpropagation, class by class or all classes in one ``is_grads_batched`` call."""
    inputs = inputs.clone().requires_grad_(True)
    logits = model.class_logits(inputs)
    if vectorised:
        one_hots = torch.eye(logits.shape[1])[:, None].expand(-1, *logits.shape)
        (grads, ) = torch.autograd.grad(logits, inputs, one_hots, create_graph=True,
                                        is_grads_batched=True)
        return logits, (inputs * grads).sum(2).transpose(0, 1)
    heatmaps = []
    for c in range(logits.shape[1]):
        (grad, ) = torch.autograd.grad(logits[:, c].sum(), inputs, create_graph=True)
        heatmaps.append((inputs * grad).sum(1))
    return logits, torch.stack(heatmaps, 1)


def plain_step(model, inputs, masks, labels, vectorised):
    """The training step in plain autograd, doing the batched step's work: heatmaps of the
    pixel-labelled samples (the first ``len(masks)``) only. BatchNorm is in eval mode, so
    the samples are independent and the two groups can run as two forwards."""
    labelled = len(masks)
    logits, heatmaps = autograd_heatmaps(model, inputs[:labelled], vectorised)
    if labelled < len(inputs):
        logits = torch.cat([logits, model.class_logits(inputs[labelled:])])
    loss = F.binary_cross_entropy_with_logits(logits[:, 1:], labels[:, 1:])
    if labelled:
        loss = loss + F.cross_entropy(heatmaps, masks, ignore_index=255)
    loss.backward()


def naive_step(model, inputs, masks, labels):
    plain_step(model, inputs, masks, labels, vectorised=False)


def vmap_step(model, inputs, masks, labels):
    plain_step(model, inputs, masks, labels, vectorised=True)


def decoder_forward(model, inputs, masks, labels):
    with torch.no_grad():
        return model(inputs, mode='tensor')


def input_gradients(model, inputs, masks, labels):
    inputs = inputs.clone().requires_grad_(True)
    logits = model.class_logits(inputs)
    for c in range(logits.shape[1]):
        torch.autograd.grad(logits[:, c].sum(), inputs, retain_graph=True)


def run_variant(args):
    """Child process: one warm-up and one timed call of a variant, its peak RSS, and what
    it computed (a training step's gradients, a forward's heatmaps)."""
    if args.keep_freed_memory:
        keep_freed_cpu_memory()
    model, inputs, masks, labels = build(args, head_options(args, args.variant))
    step = globals()[DERIVED.get(args.variant, args.variant)]
    step(model, inputs, masks, labels)  # warm-up
    model.zero_grad(set_to_none=True)
    if args.profile:
        return print_profile(step, model, inputs, masks, labels, args.profile_rows)
    start = time.perf_counter()
    heatmaps = step(model, inputs, masks, labels)
    seconds = time.perf_counter() - start
    if args.output_file:
        torch.save({'heatmaps': heatmaps} if heatmaps is not None else
                   {n: p.grad for n, p in model.named_parameters() if p.grad is not None},
                   args.output_file)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(seconds=seconds, peak_mib=peak_mib)))


def print_profile(step, model, inputs, masks, labels, rows):
    """One call of ``step`` under ``torch.profiler``: the operators that take the most time."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        step(model, inputs, masks, labels)
    print(profiler.key_averages().table(sort_by='self_cpu_time_total', row_limit=rows))


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
    results = {variant: [] for variant in variants(args)}
    for round_index in range(args.repeats):
        for variant in results:
            output_file = (os.path.join(tmp, f'{variant}.pt') if round_index == 0
                           and variant.endswith(('_step', '_forward')) else None)
            results[variant].append(spawn(args, variant, output_file))
            print(f'[benchmark] round {round_index + 1}/{args.repeats} {variant}: '
                  f'{results[variant][-1]["seconds"]:.3f} s', flush=True)
    return results


def variants(args):
    return VARIANTS + (COMPOSITE_VARIANTS if args.composite else ())


def row_name(variant, args):
    return ROWS[variant].format(num_classes=args.num_classes, composite=args.composite)


def summary(runs):
    """(median seconds, spread, peak MiB) of one variant's rounds."""
    seconds = [run['seconds'] for run in runs]
    median = statistics.median(seconds)
    return median, (max(seconds) - min(seconds)) / median, max(run['peak_mib'] for run in runs)


def max_relative_difference(a, b):
    return max(((a[n] - b[n]).abs().max() / b[n].abs().max().clamp_min(1e-30)).item() for n in b)


def heatmap_error(heatmaps, reference):
    """(max difference / max |reference|, RMS difference / RMS reference, share of pixels
    whose arg max class differs) of two (B, K, H, W) heatmap batches."""
    difference = (heatmaps - reference).abs()
    return ((difference.max() / reference.abs().max()).item(),
            (difference.square().mean() / reference.square().mean()).sqrt().item(),
            (heatmaps.argmax(1) != reference.argmax(1)).float().mean().item())


def cpu_conditions():
    """The CPU model and its bfloat16 instructions (from /proc/cpuinfo, where there is one)."""
    try:
        info = open('/proc/cpuinfo').read()
    except OSError:
        return 'CPU unknown'
    model = next((line.split(':', 1)[1].strip() for line in info.splitlines()
                  if line.startswith('model name')), 'CPU unknown')
    flags = set(next((line.split(':', 1)[1].split() for line in info.splitlines()
                      if line.startswith('flags')), []))
    bf16 = [name for name, flag in (('AVX512-BF16', 'avx512_bf16'), ('AMX-BF16', 'amx_bf16'))
            if flag in flags]
    return f'{model}, bfloat16 in hardware: {", ".join(bf16) if bf16 else "none (emulated)"}'


def report(args, results, outputs):
    """The table and the ratios of one --labeled value."""
    stats = {variant: summary(runs) for variant, runs in results.items()}
    print(f'\n{args.labeled} of {args.batch} samples pixel-labelled')
    print(f'{"":44s} {"median s":>9s} {"spread":>7s} {"peak MiB":>9s}')
    for variant in stats:
        median, spread, peak = stats[variant]
        print(f'{row_name(variant, args):44s} {median:9.3f} {spread:6.0%} {peak:9.0f}')
    ours = stats['batched_step']
    best = min(PLAIN_STEPS, key=lambda variant: stats[variant][0])
    plain = stats[best]
    forward, floor = stats['decoder_forward'], stats['input_gradients']
    print(f'\nspeed-up of the training step:            {plain[0] / ours[0]:.2f}x '
          f'(over the faster plain step: {row_name(best, args)})')
    print(f'peak memory, plain / batched:              {plain[2] / ours[2]:.2f}x')
    print(f'decoder forward / floor:                   {forward[0] / floor[0]:.2f}x')
    difference = max(max_relative_difference(outputs['batched_step'], outputs[variant])
                     for variant in PLAIN_STEPS)
    print(f'max relative gradient difference:          {difference:.2e}')
    bf16_step, bf16_forward = stats['bf16_step'], stats['bf16_forward']
    print(f'bfloat16 decoder, training step:           {ours[0] / bf16_step[0]:.2f}x faster, '
          f'{ours[2] / bf16_step[2]:.2f}x less peak memory '
          f'({plain[0] / bf16_step[0]:.2f}x the plain step)')
    print(f'bfloat16 decoder, forward:                 {forward[0] / bf16_forward[0]:.2f}x '
          f'faster, {forward[2] / bf16_forward[2]:.2f}x less peak memory')
    bf16_max, bf16_rms, bf16_flips = heatmap_error(outputs['bf16_forward']['heatmaps'],
                                                   outputs['decoder_forward']['heatmaps'])
    print(f'bfloat16 heatmap error (of float32):       max {bf16_max:.2e}, RMS {bf16_rms:.2e}, '
          f'arg max changed at {bf16_flips:.2%} of pixels')
    bf16_difference = max_relative_difference(outputs['bf16_step'], outputs['batched_step'])
    print(f'bfloat16 max relative gradient difference: {bf16_difference:.2e}')
    if args.composite:
        print(f'{args.composite} / LRP-0, training step:  '
              f'{stats["composite_step"][0] / ours[0]:.2f}x')
        print(f'{args.composite} / LRP-0, decoder forward: '
              f'{stats["composite_forward"][0] / forward[0]:.2f}x')
    noisy = [row_name(v, args) for v in stats if stats[v][1] > SPREAD_WARNING]
    if noisy:
        print(f'warning: spread over {SPREAD_WARNING:.0%} for {", ".join(noisy)}: the machine '
              'was not quiet; the ratios are less reliable')


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
    print(f'[benchmark] {args.backbone}, {args.size}x{args.size}, batch {args.batch}, '
          f'{args.num_classes} classes, {cpu_conditions()}, {torch.get_num_threads()} threads '
          f'(OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}), {args.repeats} '
          f'interleaved rounds, freed memory '
          f'{"kept" if args.keep_freed_memory else "returned (glibc default)"}, load average '
          f'{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start')
    for labeled in args.labeled:
        run_args = argparse.Namespace(**{**vars(args), 'labeled': labeled})
        with tempfile.TemporaryDirectory() as tmp:
            results = interleaved(run_args, tmp)
            outputs = {name[:-3]: torch.load(os.path.join(tmp, name))
                       for name in os.listdir(tmp)}
        report(run_args, results, outputs)


if __name__ == '__main__':
    run_main(main)
