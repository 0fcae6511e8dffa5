"""Training with explanations alone (TEA): a student learns only from its teacher's heatmaps."""
import logging

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from mmseg.registry import MODELS

from .gap_linear_classifier import GAPLinearClassifier


@MODELS.register_module()
class HeatmapDistiller(BaseModel):
    """A trainable student fitted to the LRP-epsilon heatmaps of a frozen teacher.

    Where relevance is conserved, a heatmap sums to its class logit, so matching the
    heatmaps of all classes matches the logits; and where the teacher puts no relevance,
    e.g. on a spurious cue it has learnt to ignore, the student learns to put none either,
    even on training images that carry the cue. No label is read and the student's
    outputs get no loss of their own. Both heatmap stacks come from the same tied decoder.
    Conservation is only approximate: epsilon and the biases (BatchNorm shifts included)
    absorb relevance, so matched heatmaps bound the logits only loosely.

    Heatmaps are compared in relevance per mean pixel (relevance x H x W: a uniform map
    equals its logit), so loss values and gradients do not shrink with the resolution.

    Training logs ``loss_heatmap`` and ``logit_distance`` (mean absolute difference of
    student and teacher logits, not optimised). ``predict`` gives the student's scores:
    ``pred_class_logits`` (K,) for :class:`MultiLabelF1Metric`, and ``pred_score`` (plus
    ``pred_label`` when single-label) for mmpretrain's metrics such as ``Accuracy``.

    Args:
        teacher (dict): :class:`GAPLinearClassifier` arguments (``backbone``,
            ``in_channels``); frozen and always in eval mode.
        student (dict): The same for the student; depth and width may differ.
        num_classes (int): Classes of both classifiers.
        teacher_checkpoint (str, optional): Teacher weights, loaded by ``init_weights``:
            a checkpoint of :class:`UnrolledLRP` or of an mmpretrain ``ImageClassifier``
            with a linear head.
        composite (str | dict): The LRP rule composite of both, as the decode head takes
            it; LRP-epsilon with epsilon 0.1 by default (epsilon 0 makes deep heatmaps too
            noisy to match: on the bias benchmark's teacher the heatmap sums correlate with
            the logits at 0.32 for epsilon 0, 0.41 for 0.01, 0.81 for 0.1).
        loss_heatmap (dict): Config of the loss, a :class:`HeatmapMatchingLoss` by default.
        topk (int, optional): Match only the maps of the teacher's ``topk`` highest-scoring
            classes of each image; all classes by default.
        class_weights (list[float], optional): Weight of each class's maps in the loss.
        class_chunk (int, optional): Decode this many classes at a time.
        multi_label (bool): ``pred_score`` is the sigmoid (multi-label) or the softmax of
            the logits, the latter with ``pred_label`` = argmax.
        data_preprocessor (dict, optional): E.g. ``SegDataPreProcessor`` or
            ``mmpretrain.ClsDataPreprocessor``, matching the dataset's samples.
    """

    def __init__(self, teacher, student, num_classes, teacher_checkpoint=None,
                 composite=dict(type='LRPEpsilon', epsilon=0.1), loss_heatmap=None, topk=None,
                 class_weights=None, class_chunk=None, multi_label=False,
                 data_preprocessor=None, init_cfg=None):
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        decoder = dict(num_classes=num_classes, composite=composite, class_chunk=class_chunk)
        self.teacher = GAPLinearClassifier(**teacher, **decoder)
        self.teacher.requires_grad_(False)
        self.student = GAPLinearClassifier(**student, **decoder)
        self.teacher_checkpoint = teacher_checkpoint
        self.loss_heatmap = MODELS.build(loss_heatmap or dict(type='HeatmapMatchingLoss'))
        if topk is not None and not 0 < topk <= num_classes:
            raise ValueError(f'topk must be in 1..num_classes={num_classes}, got {topk}')
        self.topk = topk
        if class_weights is not None:
            if len(class_weights) != num_classes:
                raise ValueError(f'class_weights has {len(class_weights)} entries, expected '
                                 f'num_classes={num_classes}')
            class_weights = torch.as_tensor(class_weights, dtype=torch.float32)
        self.register_buffer('class_weights', class_weights, persistent=False)
        self.multi_label = multi_label
        self.train()

    def init_weights(self):
        super().init_weights()
        if self.teacher_checkpoint is None:
            print_log('HeatmapDistiller: no teacher_checkpoint, the teacher keeps its initial '
                      'weights', logger='current', level=logging.WARNING)
        else:
            self.teacher.load_checkpoint(self.teacher_checkpoint)

    def train(self, mode=True):
        """The teacher stays in eval mode: its BatchNorm uses its running statistics."""
        super().train(mode)
        self.teacher.eval()
        return self

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student(inputs)
        raise ValueError(f'invalid mode {mode!r}: expected loss, predict or tensor')

    def loss(self, inputs, data_samples=None):
        classes, slots = self._matched_classes(inputs)
        with torch.no_grad():
            trace = self.teacher.trace(inputs)
            teacher_maps = self.teacher.heatmaps(trace, classes)
            teacher_logits = self.teacher.logits(trace)
        trace = self.student.trace(inputs)
        student_maps = self.student.heatmaps(trace, classes)
        student_logits = self.student.logits(trace)
        pixels = inputs.shape[-2] * inputs.shape[-1]
        teacher_maps = self._gather(teacher_maps, slots) * pixels
        student_maps = self._gather(student_maps, slots) * pixels
        weight = None
        if self.class_weights is not None:
            matched = classes[slots] if slots is not None else classes
            weight = self.class_weights.to(inputs)[matched].expand(student_maps.shape[:2])
        return {
            self.loss_heatmap.loss_name: self.loss_heatmap(student_maps, teacher_maps, weight),
            'logit_distance': (student_logits.detach() - teacher_logits).abs().mean(),
        }

    def _matched_classes(self, inputs):
        """Classes to decode (1-D) and, with ``topk``, each image's maps among them (B, k)."""
        num_classes = self.student.fc.out_features
        if self.topk is None:
            return torch.arange(num_classes, device=inputs.device), None
        with torch.no_grad():
            top = self.teacher(inputs).topk(self.topk, dim=1).indices
        classes = top.unique()
        return classes, torch.searchsorted(classes, top)

    @staticmethod
    def _gather(maps, slots):
        if slots is None:
            return maps
        return maps.gather(1, slots[:, :, None, None].expand(-1, -1, *maps.shape[-2:]))

    def predict(self, inputs, data_samples=None):
        logits = self.student(inputs)
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(len(logits))]
        for sample, row in zip(data_samples, logits):
            sample.set_field(row, 'pred_class_logits')
            if self.multi_label:
                sample.set_field(row.sigmoid(), 'pred_score')
            else:
                sample.set_field(row.softmax(0), 'pred_score')
                sample.set_field(row.argmax(0, keepdim=True), 'pred_label')
        return data_samples
