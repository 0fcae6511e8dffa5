"""HeatmapSignMetric: the heatmaps' sign statistics against counts made pixel by pixel."""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from unrolled_lrp.evaluation import HeatmapSignMetric


def sample(scores, truth):
    data = SegDataSample()
    data.seg_logits = PixelData(data=torch.as_tensor(scores, dtype=torch.float32))
    data.gt_sem_seg = PixelData(data=torch.as_tensor(truth)[None])
    return data.to_dict()


def counted(pairs):
    """The three shares, counted with loops over pixels."""
    own = objects = background_positive = background = flips = neighbours = 0
    for scores, truth in pairs:
        height, width = truth.shape
        for y in range(height):
            for x in range(width):
                label = truth[y, x]
                if label == 255:
                    continue
                if label == 0:
                    background += 1
                    background_positive += scores[0, y, x] > 0
                    continue
                objects += 1
                own += scores[label, y, x] > 0
                if x + 1 < width and truth[y, x + 1] == label:
                    neighbours += 1
                    flips += (scores[label, y, x] > 0) != (scores[label, y, x + 1] > 0)
    return (100 * own / objects, 100 * background_positive / background,
            100 * flips / neighbours)


def test_the_shares_are_those_counted_pixel_by_pixel():
    generator = np.random.default_rng(0)
    pairs = []
    for _ in range(3):
        truth = generator.choice([0, 1, 2, 255], size=(7, 9), p=[0.4, 0.25, 0.25, 0.1])
        pairs.append((generator.normal(size=(3, 7, 9)), truth))
    metric = HeatmapSignMetric()
    metric.process({}, [sample(scores, truth) for scores, truth in pairs])
    result = metric.compute_metrics(metric.results)
    expected = counted(pairs)
    for key, value in zip(('own_class_positive', 'background_positive', 'sign_flips'),
                          expected):
        assert result[key] == pytest.approx(round(value, 2))


def test_a_solid_map_has_no_flips_and_salt_and_pepper_flips_everywhere():
    truth = np.zeros((4, 6), np.int64)
    truth[1:3, 1:5] = 1
    solid = np.where(truth == 1, 1.0, -1.0)[None].repeat(2, 0)
    solid[0] = -solid[0]  # background positive on the background
    checkered = solid.copy()
    checkered[1] *= np.where(np.indices((4, 6)).sum(0) % 2 == 0, 1.0, -1.0)
    metric = HeatmapSignMetric()
    metric.process({}, [sample(solid, truth)])
    assert metric.compute_metrics(metric.results) == dict(
        own_class_positive=100.0, background_positive=100.0, sign_flips=0.0)
    metric = HeatmapSignMetric()
    metric.process({}, [sample(checkered, truth)])
    result = metric.compute_metrics(metric.results)
    assert result['own_class_positive'] == 50.0 and result['sign_flips'] == 100.0


def test_scores_of_another_size_than_the_mask_are_refused():
    metric = HeatmapSignMetric()
    with pytest.raises(ValueError, match=r'scores of \(4, 4\) against a mask of \(5, 5\)'):
        metric.process({}, [sample(np.zeros((2, 4, 4)), np.zeros((5, 5), np.int64))])
    assert math.isnan(HeatmapSignMetric().compute_metrics(
        [torch.zeros(6, dtype=torch.float64)])['sign_flips'])
