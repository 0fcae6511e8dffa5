"""How far a student's heatmaps are from its teacher's, one distance per (image, class) map."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

CRITERIA = ('mse', 'l1', 'cosine', 'pyramid')


def _mse(student, teacher):
    return (student - teacher).pow(2).mean(dim=(2, 3))


def _l1(student, teacher):
    return (student - teacher).abs().mean(dim=(2, 3))


def _cosine(student, teacher):
    return 1 - F.cosine_similarity(student.flatten(2), teacher.flatten(2), dim=2)


@MODELS.register_module()
class HeatmapMatchingLoss(nn.Module):
    """Mean distance between heatmap stacks (B, K, H, W), optionally weighted per map.

    Criteria:

    * ``'mse'``: mean squared difference over pixels (the default).
    * ``'l1'``: mean absolute difference; less dominated by a few strong pixels.
    * ``'cosine'``: one minus the cosine similarity of the flattened maps; matches where
      relevance lies but not its scale, so the logits are not matched.
    * ``'pyramid'``: the squared difference averaged over ``levels`` scales, each one
      average-pooled by 2 from the previous; coarse levels reward relevance in the right
      region even where the exact pixel differs.

    ``center_classes`` compares the maps after subtracting, per image, their mean over the
    matched classes. A softmax decision does not change when all logits shift alike, and
    the class-mean map is the heatmap of such a shift (the decoder is linear in the
    classifier rows up to the epsilon of the top layer). What remains is the relevance
    that separates the classes: relevance that raises all classes alike, e.g. on a
    conspicuous patch the teacher sees but does not decide by, is not asked of the
    student, while relevance there that favours one class is penalised.

    Args:
        criterion (str): One of ``CRITERIA``.
        levels (int): Scales of ``'pyramid'``.
        center_classes (bool): Compare class-centred maps (see above).
        loss_weight (float): Factor on the loss.
        loss_name (str): Key in the loss dict (must contain 'loss' to be optimised).
    """

    def __init__(self, criterion='mse', levels=3, center_classes=False, loss_weight=1.0,
                 loss_name='loss_heatmap'):
        super().__init__()
        if criterion not in CRITERIA:
            raise ValueError(f'heatmap criterion must be one of {CRITERIA}, got {criterion!r}')
        if levels < 1:
            raise ValueError(f'pyramid levels must be >= 1, got {levels}')
        self.criterion = criterion
        self.levels = levels
        self.center_classes = center_classes
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def distances(self, student, teacher):
        """One distance per map: (B, K)."""
        if student.shape != teacher.shape:
            raise ValueError(f'student heatmaps {tuple(student.shape)} and teacher heatmaps '
                             f'{tuple(teacher.shape)} differ in shape')
        if self.center_classes:
            student = student - student.mean(1, keepdim=True)
            teacher = teacher - teacher.mean(1, keepdim=True)
        if self.criterion == 'mse':
            return _mse(student, teacher)
        if self.criterion == 'l1':
            return _l1(student, teacher)
        if self.criterion == 'cosine':
            return _cosine(student, teacher)
        levels = [_mse(student, teacher)]
        for _ in range(self.levels - 1):
            student = F.avg_pool2d(student, 2, ceil_mode=True)
            teacher = F.avg_pool2d(teacher, 2, ceil_mode=True)
            levels.append(_mse(student, teacher))
        return torch.stack(levels).mean(0)

    def forward(self, student, teacher, weight=None):
        """Mean over maps, or with ``weight`` (B, K) the weighted mean (divided by its sum)."""
        distances = self.distances(student, teacher)
        if weight is None:
            return self.loss_weight * distances.mean()
        return self.loss_weight * (distances * weight).sum() / weight.sum().clamp_min(1e-12)
