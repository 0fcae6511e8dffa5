"""C1C on synthetic relevance maps whose kept region is known by construction."""
import cv2
import numpy as np
import pytest

from unrolled_lrp.postprocessing import c1c_filter, c1c_mask


def square(shape, top, left, size, value=1.0):
    region = np.zeros(shape)
    region[top:top + size, left:left + size] = value
    return region


def ring(shape, centre, outer, inner):
    rows, cols = np.mgrid[:shape[0], :shape[1]]
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return ((distance <= outer) & (distance > inner)).astype(float)


def test_single_blob_is_kept_and_scattered_noise_is_dropped():
    blob = square((40, 40), 5, 5, 12)
    relevance = blob.copy()
    relevance[30, 30] = 0.7
    relevance[35, 2] = 0.2
    assert np.array_equal(c1c_mask(relevance), blob > 0)


def test_the_larger_of_two_blobs_wins():
    large, small = square((40, 40), 2, 2, 10), square((40, 40), 25, 25, 6)
    assert np.array_equal(c1c_mask(large + 3 * small), large > 0)  # size counts, not value


def test_negative_relevance_never_counts():
    positive = square((40, 40), 30, 30, 5)
    negative = -square((40, 40), 0, 0, 25)
    assert np.array_equal(c1c_mask(positive + negative), positive > 0)


def test_threshold_is_relative_to_the_maximum():
    strong, weak = square((40, 40), 0, 0, 4, 1.0), square((40, 40), 10, 10, 20, 0.3)
    assert np.array_equal(c1c_mask(strong + weak, threshold=0.0), weak > 0)
    assert np.array_equal(c1c_mask(strong + weak, threshold=0.5), strong > 0)


def test_hole_stays_out_and_blob_inside_the_hole_goes():
    """The contour covers the hole and what lies in it, the component does not."""
    shape = (64, 64)
    annulus = ring(shape, (32, 32), 28, 14)
    island = square(shape, 30, 30, 4)
    mask = c1c_mask(annulus + island)
    assert np.array_equal(mask, annulus > 0)


def test_largest_area_and_most_pixels_disagree_gives_empty_mask():
    """A thin ring encloses the largest area, a solid square has the most pixels."""
    shape = (80, 160)
    thin_ring = ring(shape, (40, 40), 36, 34)
    solid = square(shape, 20, 100, 40)
    ring_contour_area = np.pi * 36 ** 2
    assert thin_ring.sum() < solid.sum() and ring_contour_area > solid.sum()
    assert not c1c_mask(thin_ring + solid).any()


def test_diagonal_neighbours_are_one_component():
    """Two 5x5 squares touching at a corner (50 pixels, 8-connected) beat a 6x6 square."""
    shape = (30, 30)
    pair = square(shape, 0, 0, 5) + square(shape, 5, 5, 5)
    single = square(shape, 20, 20, 6)
    assert np.array_equal(c1c_mask(pair + single), pair > 0)


def test_no_positive_relevance_gives_empty_mask():
    assert not c1c_mask(-np.ones((8, 8))).any()
    assert not c1c_mask(np.zeros((8, 8))).any()


def test_filter_keeps_values_inside_and_zeroes_outside():
    rng = np.random.default_rng(0)
    blob = square((32, 32), 4, 4, 10)
    relevance = (blob * rng.uniform(0.5, 1.0, blob.shape)).astype(np.float32)
    relevance[25:28, 25:28] = -2.0
    filtered = c1c_filter(relevance)
    assert filtered.dtype == np.float32
    assert np.array_equal(filtered, np.where(blob > 0, relevance, 0))


def test_mask_matches_an_independent_flood_fill():
    """Random blobs: compare with a breadth-first 8-connected labelling of our own."""
    rng = np.random.default_rng(3)
    relevance = cv2.GaussianBlur(rng.normal(size=(48, 48)), (0, 0), 3)
    positive = relevance > 0
    seen = np.zeros_like(positive)
    components = []
    for start in zip(*np.nonzero(positive)):
        if seen[start]:
            continue
        stack, pixels = [start], []
        seen[start] = True
        while stack:
            r, c = stack.pop()
            pixels.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < 48 and 0 <= nc < 48 and positive[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        components.append(pixels)
    largest = max(components, key=len)
    expected = np.zeros_like(positive)
    expected[tuple(np.array(largest).T)] = True
    mask = c1c_mask(relevance)
    # The largest blob of smooth noise also encloses the largest area; holes stay out.
    assert np.array_equal(mask, expected)


@pytest.mark.parametrize('threshold', [-0.1, 1.0])
def test_threshold_outside_unit_interval_is_refused(threshold):
    with pytest.raises(ValueError, match='threshold'):
        c1c_mask(np.ones((4, 4)), threshold)


def test_non_2d_input_is_refused():
    with pytest.raises(ValueError, match='shape'):
        c1c_mask(np.ones((2, 4, 4)))
