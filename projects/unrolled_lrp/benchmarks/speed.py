"""The training steps and forwards that ``tools/benchmarks/speed_benchmark.py`` times, and how it
reports them.

Every variant computes the same thing another way, so that speed is compared at equal work:

* ``batched_step``: the tied decoder's training step (the project's): classification loss on
  every sample, all classes decoded in one pass for the pixel-labelled samples only;
* ``naive_step``: the same in plain autograd, class by class (input x gradient by double
  backpropagation, ``create_graph=True``), for the pixel-labelled samples only;
* ``vmap_step``: the same in plain autograd with all classes in one vectorised call
  (``torch.autograd.grad(is_grads_batched=True)``);
* ``decoder_forward``: the all-class heatmaps of prediction; ``input_gradients``: its floor,
  one encoder forward plus one input-gradient per class;
* ``bf16_*`` and ``composite_*``: the step and the forward with the decoder in bfloat16 or
  with another LRP rule composite.

BatchNorm runs in eval mode in every variant: the plain steps would otherwise also
differentiate through the batch statistics, which the tied decoder treats as constants, and
the gradients could not be compared.
"""
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F

from ..utils import keep_freed_cpu_memory

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
    from mmengine.logging import MMLogger
    from mmseg.registry import MODELS
    # init_weights logs every parameter at INFO: a wall of lines in front of --profile's table
    MMLogger.get_instance('speed_benchmark', log_level='WARNING')
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
    """Prints the table and the ratios of one --labeled value; returns them as a dict (the
    rounds of every variant, the ratios) for ``--json``."""
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
    ratios = dict(training_step_speedup=plain[0] / ours[0], best_plain_step=best,
                  peak_memory_plain_over_batched=plain[2] / ours[2],
                  decoder_forward_over_floor=forward[0] / floor[0],
                  max_relative_gradient_difference=difference,
                  bf16_step_speedup=ours[0] / bf16_step[0],
                  bf16_step_over_plain=plain[0] / bf16_step[0],
                  bf16_forward_speedup=forward[0] / bf16_forward[0],
                  bf16_heatmap_error=dict(max=bf16_max, rms=bf16_rms, argmax_changed=bf16_flips),
                  bf16_max_relative_gradient_difference=bf16_difference)
    if args.composite:
        print(f'{args.composite} / LRP-0, training step:  '
              f'{stats["composite_step"][0] / ours[0]:.2f}x')
        print(f'{args.composite} / LRP-0, decoder forward: '
              f'{stats["composite_forward"][0] / forward[0]:.2f}x')
        ratios.update(composite_step_over_lrp0=stats['composite_step'][0] / ours[0],
                      composite_forward_over_lrp0=stats['composite_forward'][0] / forward[0])
    noisy = [row_name(v, args) for v in stats if stats[v][1] > SPREAD_WARNING]
    if noisy:
        print(f'warning: spread over {SPREAD_WARNING:.0%} for {", ".join(noisy)}: the machine '
              'was not quiet; the ratios are less reliable')
    rows = {variant: dict(row=row_name(variant, args), median_s=stats[variant][0],
                          spread=stats[variant][1], peak_mib=stats[variant][2],
                          rounds_s=[run['seconds'] for run in results[variant]])
            for variant in stats}
    return dict(labeled=args.labeled, variants=rows, ratios=ratios)


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
