#!/usr/bin/env python
"""Bias benchmark of training with explanations alone (TEA) on generated images, on a CPU.

Every image shows one of four filled shapes (square, disc, triangle, plus: the label) in a
random colour on grey noise, and a coloured patch in the top-left corner (the cue; red,
green, blue, yellow). Where the patch takes the colour of the label, it is a shortcut that is
far easier to learn than the shapes.

* teacher training set: patch colour random, so the teacher has to learn the shapes;
* student training set: patch colour = the label's colour, on every image (biased);
* test sets: patch colour agrees with the label, is random, or misleads (another class's).

Three classifiers (ResNet-18 layout at reduced width, GAP, linear), trained for the same
number of steps on the same batches where they share data:

(a) label student: mmpretrain ``ImageClassifier``, cross-entropy on the biased set;
(b) TEA student: :class:`HeatmapDistiller` on the same biased images without their labels,
    matching the LRP-epsilon heatmaps of all classes of the teacher, whose weights it loads
    from the teacher's mmpretrain checkpoint;
(c) teacher: mmpretrain ``ImageClassifier``, cross-entropy on the unbiased set.

All are scored with mmpretrain's ``Accuracy`` on their predictions. Prints a table (and
writes it as JSON with ``--out``)::

    python tools/tea_bias_benchmark.py            # about six minutes on two CPU cores
    python tools/tea_bias_benchmark.py --small    # seconds: a smoke run, numbers meaningless
"""
import argparse
import json
import os.path as osp
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'projects'))

from unrolled_lrp.models.distillers.heatmap_matching_loss import CRITERIA  # noqa: E402
from unrolled_lrp.utils import run_main  # noqa: E402

SHAPES = ('square', 'disc', 'triangle', 'plus')
CUE_COLOURS = ((230, 30, 30), (30, 200, 30), (40, 70, 235), (235, 215, 30))  # RGB
CUE_SIZE = 7
TEST_CUES = ('agrees', 'random', 'misleads')
MEAN, STD = [127.5] * 3, [64.0] * 3

FULL = dict(size=32, teacher_images=2000, student_images=2000, test_images=1000,
            teacher_width=8, student_width=8, teacher_iters=600, student_iters=1500,
            batch=64, teacher_lr=2e-3)
SMALL = dict(size=32, teacher_images=64, student_images=64, test_images=32, teacher_width=8,
             student_width=8, teacher_iters=3, student_iters=3, batch=16, teacher_lr=2e-3)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--small', action='store_true', help='tiny smoke configuration')
    parser.add_argument('--seed', type=int, default=0, help='seed of data, weights and batches')
    parser.add_argument('--eps', type=float, default=0.1, help='epsilon of the LRP-epsilon rule')
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
    if args.eps <= 0 or args.lr <= 0:
        parser.error('--eps and --lr must be positive')
    if args.out and not osp.isdir(osp.dirname(osp.abspath(args.out))):
        parser.error(f'--out {args.out}: folder {osp.dirname(osp.abspath(args.out))} does not '
                     'exist (checked before the benchmark runs, not after)')
    return args


def draw_shape(image, shape, centre, radius, colour):
    x, y = centre
    if shape == 'square':
        side = int(radius * 0.85)
        cv2.rectangle(image, (x - side, y - side), (x + side, y + side), colour, -1)
    elif shape == 'disc':
        cv2.circle(image, (x, y), radius, colour, -1)
    elif shape == 'triangle':
        points = np.array([(x, y - radius), (x - radius, y + radius), (x + radius, y + radius)])
        cv2.fillPoly(image, [points.astype(np.int32)], colour)
    else:
        bar = max(1, radius // 3)
        cv2.rectangle(image, (x - radius, y - bar), (x + radius, y + bar), colour, -1)
        cv2.rectangle(image, (x - bar, y - radius), (x + bar, y + radius), colour, -1)


def generate(rng, count, size, cue):
    """uint8 RGB images (count, 3, size, size) and labels; ``cue`` in 'agrees', 'random',
    'misleads' sets the colour of the corner patch."""
    labels = rng.integers(len(SHAPES), size=count)
    images = np.empty((count, size, size, 3), np.uint8)
    for index, label in enumerate(labels):
        image = np.repeat(rng.integers(40, 140, (size, size, 1)), 3, axis=2).astype(np.uint8)
        radius = int(rng.integers(5, 8))
        low = max(radius, CUE_SIZE + 4)
        centre = tuple(int(v) for v in rng.integers(low, size - radius, 2))
        colour = tuple(int(v) for v in rng.integers(150, 256, 3))
        draw_shape(image, SHAPES[label], centre, radius, colour)
        if cue == 'agrees':
            cue_class = label
        elif cue == 'random':
            cue_class = rng.integers(len(SHAPES))
        else:
            cue_class = (label + rng.integers(1, len(SHAPES))) % len(SHAPES)
        image[:CUE_SIZE, :CUE_SIZE] = CUE_COLOURS[cue_class]
        images[index] = image
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels)


def backbone(width):
    """mmpretrain ResNet-18 at ``width`` base channels; 32 px inputs end at 2 x 2."""
    return dict(type='mmpretrain.ResNet', depth=18, stem_channels=width, base_channels=width,
                strides=(1, 2, 2, 1), out_indices=(3, ))


def preprocessor():
    return dict(type='mmpretrain.ClsDataPreprocessor', mean=MEAN, std=STD, to_rgb=False)


def label_classifier(width):
    from mmpretrain.registry import MODELS
    model = MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier', backbone=backbone(width),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=len(SHAPES), in_channels=8 * width),
        data_preprocessor=preprocessor()))
    model.init_weights()
    return model


def heatmap_distiller(cfg, teacher_checkpoint, eps, loss):
    from mmseg.registry import MODELS
    model = MODELS.build(dict(
        type='HeatmapDistiller', num_classes=len(SHAPES), teacher_checkpoint=teacher_checkpoint,
        teacher=dict(backbone=backbone(cfg['teacher_width']), in_channels=8 * cfg['teacher_width']),
        student=dict(backbone=backbone(cfg['student_width']), in_channels=8 * cfg['student_width']),
        eps=eps, loss_heatmap=dict(type='HeatmapMatchingLoss', **loss),
        data_preprocessor=preprocessor()))
    model.init_weights()
    return model


def batch(images, labels, index):
    from mmpretrain.structures import DataSample
    return dict(inputs=images[index],
                data_samples=[DataSample().set_gt_label(int(label)) for label in labels[index]])


def train(model, images, labels, iters, batch_size, lr, seed):
    """AdamW with cosine decay on random batches; the batch order depends on ``seed`` only."""
    from mmengine.optim import OptimWrapper
    params = [param for param in model.parameters() if param.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, iters)
    wrapper = OptimWrapper(optimizer)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    log = {}
    for _ in range(iters):
        index = torch.randint(len(images), (batch_size, ), generator=generator)
        log = model.train_step(batch(images, labels, index), wrapper)
        schedule.step()
    return {name: float(value.detach()) for name, value in log.items()}


@torch.no_grad()
def accuracy(model, images, labels, batch_size=200):
    """Top-1 accuracy (%) of the model's predictions, by mmpretrain's ``Accuracy``."""
    from mmpretrain.evaluation import Accuracy
    metric = Accuracy(topk=(1, ))
    model.eval()
    for start in range(0, len(images), batch_size):
        data = batch(images, labels, torch.arange(start, min(start + batch_size, len(images))))
        outputs = model.val_step(data)
        metric.process(data, [output.to_dict() for output in outputs])
    return metric.evaluate(len(images))['accuracy/top1']


def run(cfg, seed, eps, loss, lr, work_dir):
    import mmpretrain.models  # noqa: F401  (registers ImageClassifier and its parts)
    from mmengine.logging import MMLogger

    import unrolled_lrp  # noqa: F401  (registers HeatmapDistiller)
    MMLogger.get_instance('tea_bias_benchmark', log_level='WARNING')  # no init_weights report
    rng = np.random.default_rng(seed)
    size = cfg['size']
    teacher_set = generate(rng, cfg['teacher_images'], size, 'random')
    student_set = generate(rng, cfg['student_images'], size, 'agrees')
    test_sets = {cue: generate(rng, cfg['test_images'], size, cue) for cue in TEST_CUES}

    def score(model):
        return {cue: accuracy(model, *test_sets[cue]) for cue in TEST_CUES}

    start = time.time()

    def trained(name, model, data, iters, data_seed, lr):
        log = train(model, *data, iters, cfg['batch'], lr, data_seed)
        print(f'{name}: {iters} steps, {time.time() - start:.0f} s so far', flush=True)
        return log

    torch.manual_seed(seed)
    teacher = label_classifier(cfg['teacher_width'])
    trained('teacher', teacher, teacher_set, cfg['teacher_iters'], seed, cfg['teacher_lr'])
    checkpoint = osp.join(work_dir, 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), checkpoint)

    torch.manual_seed(seed + 1)
    student = label_classifier(cfg['student_width'])
    trained('label student', student, student_set, cfg['student_iters'], seed + 1, lr)

    torch.manual_seed(seed + 1)
    distiller = heatmap_distiller(cfg, checkpoint, eps, loss)
    log = trained('TEA student', distiller, student_set, cfg['student_iters'], seed + 1, lr)
    rows = [
        dict(model='(a) label student', data='biased', signal='labels', **score(student)),
        dict(model='(b) TEA student', data='biased', signal='teacher heatmaps',
             **score(distiller)),
        dict(model='(c) teacher', data='unbiased', signal='labels', **score(teacher)),
    ]
    return dict(config=cfg, seed=seed, eps=eps, loss=loss, lr=lr, rows=rows,
                final_tea_log=log, seconds=round(time.time() - start, 1))


def table(results):
    header = ['model', 'trained on', 'signal'] + [f'test, cue {cue}' for cue in TEST_CUES]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in results['rows']:
        cells = [row['model'], row['data'], row['signal']]
        cells += [f'{row[cue]:.1f}' for cue in TEST_CUES]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main():
    args = parse_args()
    cfg = dict(SMALL if args.small else FULL)
    if args.student_iters is not None:
        cfg['student_iters'] = args.student_iters
    loss = dict(criterion=args.criterion, center_classes=args.center_classes)
    with tempfile.TemporaryDirectory() as work_dir:
        results = run(cfg, args.seed, args.eps, loss, args.lr, work_dir)
    centred = 'class-centred ' if args.center_classes else ''
    print(f'TEA bias benchmark ({"small" if args.small else "full"} configuration, seed '
          f'{args.seed}, eps {args.eps}, {centred}{args.criterion} heatmap loss, '
          f'{results["seconds"]} s); top-1 accuracy (%):')
    print(table(results))
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(results, file, indent=2)


if __name__ == '__main__':
    run_main(main)
