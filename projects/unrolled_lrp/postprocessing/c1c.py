"""C1C ("choice contour component") post-processing of a relevance map.

C1C keeps the single most noteworthy region of a heatmap and drops scattered
relevance elsewhere (Iida et al., "LRP for ResNet" with C1C, SIG-AM 2023). Exactly:

1. ``positive = relevance > threshold * max(relevance)``; ``threshold`` in [0, 1),
   0 keeps every pixel with positive relevance. No positive pixel -> empty mask.
2. *First contour*: the outer contours of ``positive`` from
   ``cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_NONE)``; the one enclosing the
   largest area (``cv2.contourArea``, ties -> first found) is filled, boundary and
   holes included.
3. *First component*: the 8-connected component of ``positive`` with the most
   pixels (``cv2.connectedComponentsWithStats``, ties -> lowest label).
4. The C1C mask is 2 AND 3.

The two regions usually describe the same blob; they differ where the AND matters:
holes are inside the contour but not in the component (they stay out), a blob lying
inside another blob's hole is inside the contour but not in the component (it goes),
and when the blob with the largest enclosed area (e.g. a thin ring) is not the blob
with the most pixels the intersection is empty.
"""
import cv2
import numpy as np


def _positive_region(relevance, threshold):
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f'C1C threshold must be in [0, 1), got {threshold}')
    relevance = np.asarray(relevance, dtype=np.float64)
    if relevance.ndim != 2:
        raise ValueError(f'C1C expects one (H, W) relevance map, got shape {relevance.shape}')
    peak = relevance.max(initial=0.0)
    return (relevance > threshold * peak) & (relevance > 0)


def _largest_contour_region(positive):
    contours, _ = cv2.findContours(positive.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    largest = max(range(len(contours)), key=lambda index: cv2.contourArea(contours[index]))
    region = np.zeros(positive.shape, np.uint8)
    cv2.drawContours(region, contours, largest, color=1, thickness=cv2.FILLED)
    return region.astype(bool)


def _largest_component(positive):
    _, labels, stats, _ = cv2.connectedComponentsWithStats(positive.astype(np.uint8),
                                                           connectivity=8)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == largest


def c1c_mask(relevance, threshold=0.0):
    """Boolean (H, W) mask of the pixels C1C keeps (see the module docstring)."""
    positive = _positive_region(relevance, threshold)
    if not positive.any():
        return positive
    return _largest_contour_region(positive) & _largest_component(positive)


def c1c_filter(relevance, threshold=0.0):
    """``relevance`` (H, W) with every pixel outside :func:`c1c_mask` set to 0."""
    relevance = np.asarray(relevance)
    return np.where(c1c_mask(relevance, threshold), relevance, 0).astype(relevance.dtype)
