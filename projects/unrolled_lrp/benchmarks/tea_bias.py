"""Bias benchmark of training with explanations alone (TEA) on generated images, on a CPU.

Every image shows one of four filled shapes (the label) in a random colour on grey noise, and a
coloured patch in the top-left corner (the cue, ``datasets.synthetic.cue_images``). Where the
patch takes the colour of the label, it is a shortcut that is far easier to learn than the
shapes.

* teacher training set: patch colour random, so the teacher has to learn the shapes;
* student training set: patch colour = the label's colour, on every image (biased);
* test sets: patch colour agrees with the label, is random, or misleads (another class's).

Three classifiers (ResNet-18 layout at reduced width, GAP, linear), trained for the same number
of steps on the same batches where they share data: (a) a label student, mmpretrain
``ImageClassifier`` with cross-entropy on the biased set; (b) a TEA student,
:class:`HeatmapDistiller` on the same biased images without their labels, matching the LRP
heatmaps of all classes of the teacher, whose weights it loads from the teacher's checkpoint;
(c) the teacher, cross-entropy on the unbiased set. All are scored with mmpretrain's
``Accuracy``.
"""
import os.path as osp
import time

import numpy as np
import torch

from ..datasets.synthetic.cue_images import CUE_SHAPES, CUES, cue_images

MEAN, STD = [127.5] * 3, [64.0] * 3
FULL = dict(size=32, teacher_images=2000, student_images=2000, test_images=1000,
            teacher_width=8, student_width=8, teacher_iters=600, student_iters=1500,
            batch=64, teacher_lr=2e-3)
SMALL = dict(size=32, teacher_images=64, student_images=64, test_images=32, teacher_width=8,
             student_width=8, teacher_iters=3, student_iters=3, batch=16, teacher_lr=2e-3)


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
        head=dict(type='LinearClsHead', num_classes=len(CUE_SHAPES), in_channels=8 * width),
        data_preprocessor=preprocessor()))
    model.init_weights()
    return model


def heatmap_distiller(cfg, teacher_checkpoint, composite, loss):
    from mmseg.registry import MODELS
    teacher, student = cfg['teacher_width'], cfg['student_width']
    model = MODELS.build(dict(
        type='HeatmapDistiller', num_classes=len(CUE_SHAPES),
        teacher_checkpoint=teacher_checkpoint,
        teacher=dict(backbone=backbone(teacher), in_channels=8 * teacher),
        student=dict(backbone=backbone(student), in_channels=8 * student),
        composite=composite, loss_heatmap=dict(type='HeatmapMatchingLoss', **loss),
        data_preprocessor=preprocessor()))
    model.init_weights()
    return model


def batch(images, labels, index):
    from mmpretrain.structures import DataSample
    return dict(inputs=images[index],
                data_samples=[DataSample().set_gt_label(int(label)) for label in labels[index]])


def train(model, images, labels, iters, batch_size, lr, seed):
    """AdamW with cosine decay on random batches through the model's own ``train_step``; the
    batch order depends on ``seed`` only."""
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


def run(cfg, seed, composite, loss, lr, work_dir, log=print):
    """The three classifiers trained and scored; returns the results (rows of accuracies)."""
    import mmpretrain.models  # noqa: F401  (registers ImageClassifier and its parts)
    from mmengine.logging import MMLogger
    MMLogger.get_instance('tea_bias_benchmark', log_level='WARNING')  # no init_weights report
    rng = np.random.default_rng(seed)
    size = cfg['size']
    teacher_set = cue_images(rng, cfg['teacher_images'], size, 'random')
    student_set = cue_images(rng, cfg['student_images'], size, 'agrees')
    test_sets = {cue: cue_images(rng, cfg['test_images'], size, cue) for cue in CUES}
    start = time.time()

    def trained(name, model, data, iters, data_seed, lr):
        result = train(model, *data, iters, cfg['batch'], lr, data_seed)
        log(f'{name}: {iters} steps, {time.time() - start:.0f} s so far')
        return result

    def score(model):
        return {cue: accuracy(model, *test_sets[cue]) for cue in CUES}

    torch.manual_seed(seed)
    teacher = label_classifier(cfg['teacher_width'])
    trained('teacher', teacher, teacher_set, cfg['teacher_iters'], seed, cfg['teacher_lr'])
    checkpoint = osp.join(work_dir, 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), checkpoint)
    torch.manual_seed(seed + 1)
    student = label_classifier(cfg['student_width'])
    trained('label student', student, student_set, cfg['student_iters'], seed + 1, lr)
    torch.manual_seed(seed + 1)
    distiller = heatmap_distiller(cfg, checkpoint, composite, loss)
    final = trained('TEA student', distiller, student_set, cfg['student_iters'], seed + 1, lr)
    rows = [
        dict(model='(a) label student', data='biased', signal='labels', **score(student)),
        dict(model='(b) TEA student', data='biased', signal='teacher heatmaps',
             **score(distiller)),
        dict(model='(c) teacher', data='unbiased', signal='labels', **score(teacher)),
    ]
    return dict(config=cfg, seed=seed, composite=composite, loss=loss, lr=lr, rows=rows,
                final_tea_log=final, seconds=round(time.time() - start, 1))


def table(results):
    """The results as a markdown table of top-1 accuracies."""
    header = ['model', 'trained on', 'signal'] + [f'test, cue {cue}' for cue in CUES]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in results['rows']:
        cells = [row['model'], row['data'], row['signal']]
        cells += [f'{row[cue]:.1f}' for cue in CUES]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
