"""Drawing the pixel-labelled subset with a target class distribution.

The rule follows the paper's label splits: small subsets (20, 100 images) are
drawn so the classes are as uniform as possible, which puts every class in a
20-image subset; larger ones aim at the average of the uniform and the
training-set class distribution, because plain uniform sampling runs out of
images of the rare classes.

The draw is greedy: each step picks the class furthest below its target count
and draws, among the remaining images showing it, with weights that shun
images also showing classes already at their target. Only Python's ``random``
and exact float arithmetic on integer counts are involved, so a seed gives the
same subset on every machine.
"""
import random
from typing import List

import numpy as np


def target_class_shares(labels: np.ndarray, uniform_weight: float) -> np.ndarray:
    """Per-class target shares of class occurrences in the subset.

    Args:
        labels: (num_images, num_classes) 0/1 matrix of the candidate pool.
        uniform_weight: 1 for uniform over the classes present in the pool,
            0 for the pool's own class frequencies, values between mix them.
    """
    counts = labels.astype(np.int64).sum(0)
    if counts.sum() == 0:
        raise ValueError('no class occurs in the candidate images')
    present = (counts > 0).astype(np.float64)
    return (uniform_weight * present / present.sum() +
            (1 - uniform_weight) * counts / counts.sum())


def draw_class_balanced(labels: np.ndarray, num: int, shares: np.ndarray,
                        seed: int) -> List[int]:
    """Indices (in draw order) of ``num`` images whose class counts follow ``shares``."""
    labels = labels.astype(bool)
    num_images = len(labels)
    if not 0 <= num <= num_images:
        raise ValueError(f'cannot draw {num} of {num_images} images')
    rng = random.Random(seed)
    remaining = np.ones(num_images, bool)
    counts = np.zeros(labels.shape[1], np.int64)
    chosen = []
    for step in range(num):
        # the subset's expected number of class occurrences: one per image still to draw
        expected_total = counts.sum() + (num - step)
        deficit = shares * expected_total - counts
        obtainable = labels[remaining].any(0) & (shares > 0)
        if obtainable.any():
            wanted = np.flatnonzero(obtainable)[np.argmax(deficit[obtainable])]
            candidates = np.flatnonzero(remaining & labels[:, wanted])
            open_counts = np.clip(deficit, 0, None)
            # an image is as welcome as the least wanted class it shows
            weights = np.where(labels[candidates], open_counts, np.inf).min(1)
            if weights.sum() <= 0:
                weights = np.ones(len(candidates))
        else:  # only images without any targeted class are left
            candidates = np.flatnonzero(remaining)
            weights = np.ones(len(candidates))
        pick = rng.choices(candidates.tolist(), weights=weights.tolist())[0]
        chosen.append(pick)
        remaining[pick] = False
        counts += labels[pick]
    return chosen
