"""How coherent the heatmaps are: the sign statistics of the texture study.

A tied decoder that segments gives each object a solid map of its own class's relevance:
positive on every pixel of the object, no sign changes inside it. Input x gradient of a
classifier that tells classes apart by texture contrast gives salt and pepper instead, half
the pixels positive and the sign flipping with the texture; the scores then say little about
why a model fails. This metric reads the class scores a segmentor's ``predict`` leaves in
``seg_logits`` (the heatmaps times a positive factor per image, so their signs are the
heatmaps'), against the ground truth:

- ``own_class_positive``: % of object pixels whose own class has positive relevance;
- ``background_positive``: % of background pixels whose background score is positive;
- ``sign_flips``: % of horizontally adjacent pixel pairs inside one object (same class on
  both, neither ignored) whose own-class relevance changes sign between them.

Counts are pooled over the pixels of every image. For models whose scores are logits (UNet,
FCN) the same numbers describe their logits.
"""
import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

KEYS = ('own_class_positive', 'background_positive', 'sign_flips')


@METRICS.register_module()
class HeatmapSignMetric(BaseMetric):
    """Sign statistics of ``seg_logits`` against ``gt_sem_seg`` (see the module docstring);
    ``ignore_index`` as in MMSeg's metrics."""
    default_prefix = ''

    def __init__(self, ignore_index=255, **kwargs):
        super().__init__(**kwargs)
        self.ignore_index = ignore_index

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            scores = sample['seg_logits']['data']
            truth = sample['gt_sem_seg']['data'][0].to(scores.device)
            if truth.shape != scores.shape[1:]:
                raise ValueError(f'{sample.get("img_path")}: scores of {tuple(scores.shape[1:])}'
                                 f' against a mask of {tuple(truth.shape)}; test at the mask\'s '
                                 'size')
            valid = truth != self.ignore_index
            objects = valid & (truth > 0)
            background = valid & (truth == 0)
            own = scores.gather(0, torch.where(valid, truth, 0).long()[None])[0]
            same_object = objects[:, :-1] & objects[:, 1:] & (truth[:, :-1] == truth[:, 1:])
            flips = (own[:, :-1] > 0) != (own[:, 1:] > 0)
            self.results.append(torch.tensor([
                (own[objects] > 0).sum(), objects.sum(), (scores[0][background] > 0).sum(),
                background.sum(), (flips & same_object).sum(), same_object.sum()],
                dtype=torch.float64))

    def compute_metrics(self, results):
        own, objects, background_positive, background, flips, pairs = torch.stack(
            results).sum(0).tolist()

        def percent(count, total):
            return round(100 * count / total, 2) if total else float('nan')
        return dict(zip(KEYS, (percent(own, objects), percent(background_positive, background),
                               percent(flips, pairs))))
