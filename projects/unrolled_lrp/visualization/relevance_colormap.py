"""The blue-white-red colour map of LRP heatmaps, centred at zero.

Relevance has a sign, so the map is never min-max normalised (that would move the
white point away from zero): values are divided by a symmetric limit, 0 is white,
+limit pure red, -limit pure blue, linear in between (matplotlib's ``bwr``).
"""
import numpy as np

WHITE = np.array([255., 255., 255.])
RED = np.array([255., 0., 0.])
BLUE = np.array([0., 0., 255.])


def relevance_to_rgb(relevance, limit=None):
    """RGB uint8 image (H, W, 3) of a relevance map (H, W).

    ``limit`` defaults to the map's largest absolute value; a map without any
    non-zero value is all white. Values beyond ``limit`` saturate.
    """
    relevance = np.asarray(relevance, dtype=np.float64)
    if limit is None:
        limit = float(np.abs(relevance).max(initial=0.0))
    if limit > 0:
        scaled = np.clip(relevance / limit, -1.0, 1.0)
    else:
        scaled = np.zeros_like(relevance)
    end_colour = np.where(scaled[..., None] >= 0, RED, BLUE)
    rgb = WHITE + np.abs(scaled)[..., None] * (end_colour - WHITE)
    return np.round(rgb).astype(np.uint8)


def probability_to_rgb(probability):
    """RGB image of a probability map: 0.5 white, 1 red, 0 blue.

    This is how softmax heatmaps are shown in the paper's figures: white marks
    pixels where the class is exactly as likely as all others together.
    """
    return relevance_to_rgb(2.0 * np.asarray(probability, dtype=np.float64) - 1.0, limit=1.0)
