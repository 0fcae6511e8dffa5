"""HeatmapMatchingLoss against distances written out with numpy, map by map."""
import numpy as np
import pytest
import torch

from unrolled_lrp.models.distillers import HeatmapMatchingLoss


def maps(seed, shape=(2, 3, 7, 5)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def block_means(image, factor):
    """Means of factor x factor blocks; blocks at the border hold what is left (ceil mode)."""
    rows = range(0, image.shape[0], factor)
    cols = range(0, image.shape[1], factor)
    return np.array([[image[r:r + factor, c:c + factor].mean() for c in cols] for r in rows])


def numpy_distance(criterion, s, t, levels=3):
    if criterion == 'mse':
        return ((s - t)**2).mean()
    if criterion == 'l1':
        return np.abs(s - t).mean()
    if criterion == 'cosine':
        return 1 - (s * t).sum() / np.sqrt((s * s).sum() * (t * t).sum())
    distances = []
    for _ in range(levels):  # each level: 2 x 2 block means of the one before
        distances.append(((s - t)**2).mean())
        s, t = block_means(s, 2), block_means(t, 2)
    return np.mean(distances)


@pytest.mark.parametrize('center', [False, True])
@pytest.mark.parametrize('criterion', ['mse', 'l1', 'cosine', 'pyramid'])
def test_distances_and_weighted_mean_match_numpy(criterion, center):
    student, teacher = maps(0), maps(1)
    weight = torch.rand(2, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    loss = HeatmapMatchingLoss(criterion, levels=3, center_classes=center, loss_weight=2.0)
    s, t = student.numpy(), teacher.numpy()
    if center:  # minus each image's mean map over the classes
        s, t = s - s.mean(1, keepdims=True), t - t.mean(1, keepdims=True)
    expected = np.array([[numpy_distance(criterion, s[b, k], t[b, k]) for k in range(3)]
                         for b in range(2)])
    np.testing.assert_allclose(loss.distances(student, teacher).numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(loss(student, teacher).item(), 2 * expected.mean(), rtol=1e-10)
    weighted = 2 * (expected * weight.numpy()).sum() / weight.numpy().sum()
    np.testing.assert_allclose(loss(student, teacher, weight).item(), weighted, rtol=1e-10)


def test_class_centred_loss_ignores_relevance_shared_by_all_classes():
    student, teacher = maps(0), maps(1)
    shared = maps(2, (2, 1, 7, 5)).expand_as(student)
    centred = HeatmapMatchingLoss('mse', center_classes=True)
    plain = HeatmapMatchingLoss('mse')
    assert centred(student + shared, teacher) == pytest.approx(centred(student, teacher).item())
    assert plain(student + shared, teacher) != pytest.approx(plain(student, teacher).item())


def test_pyramid_coarse_levels_forgive_a_one_pixel_shift_inside_a_block():
    teacher = torch.zeros(1, 1, 8, 8)
    teacher[..., 0, 0] = 1
    shifted = torch.zeros_like(teacher)
    shifted[..., 1, 1] = 1  # same 2x2 block
    mse = HeatmapMatchingLoss('mse')(shifted, teacher)
    pyramid = HeatmapMatchingLoss('pyramid', levels=3)(shifted, teacher)
    assert pyramid < mse


def test_bad_arguments_and_shapes_are_named():
    with pytest.raises(ValueError, match='criterion must be one of'):
        HeatmapMatchingLoss('kl')
    with pytest.raises(ValueError, match='levels must be >= 1'):
        HeatmapMatchingLoss('pyramid', levels=0)
    with pytest.raises(ValueError, match=r'differ in shape'):
        HeatmapMatchingLoss()(maps(0), maps(1, (2, 2, 7, 5)))
