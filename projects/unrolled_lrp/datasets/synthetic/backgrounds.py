"""Scene backgrounds: smooth colour noise, gratings and distractor blobs."""
import cv2
import numpy as np


def textured_background(rng, size):
    """Muted colour, smooth blotches, a faint grating and pixel noise."""
    base = rng.uniform(80, 150, 3)
    blotches = cv2.resize(rng.normal(0, 25, (5, 5, 3)), (size, size),
                          interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size]
    angle, period = rng.uniform(0, np.pi), rng.uniform(6, 14)
    grating = 8 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    return base + blotches + grating[..., None] + rng.normal(0, 6, (size, size, 3))


def smooth_noise(rng, size, cells, channels):
    """Noise of unit scale, smooth over about size / cells pixels."""
    return cv2.resize(rng.normal(0, 1, (cells, cells, channels)), (size, size),
                      interpolation=cv2.INTER_CUBIC).reshape(size, size, channels)


def cluttered_background(rng, size, saturation=1.0):
    """Smooth colour noise at two scales, a grating and distractor blobs: nothing in the
    background tells an object from the rest by edges alone. ``saturation`` < 1 pulls every
    colour towards its grey (1: random colours, as the texture scenes have them)."""
    image = (rng.uniform(60, 190, 3) + 35 * smooth_noise(rng, size, 4, 3)
             + 20 * smooth_noise(rng, size, 12, 3))
    yy, xx = np.mgrid[0:size, 0:size]
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 10)
    image += 10 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)[
        ..., None]
    for _ in range(rng.integers(2, 5)):  # untextured ellipses: edges without a class
        centre = tuple(int(v) for v in rng.uniform(0, size, 2))
        axes = tuple(int(v) for v in rng.uniform(0.06, 0.2, 2) * size)
        blob = np.zeros((size, size), np.uint8)
        cv2.ellipse(blob, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
        image = np.where(blob[..., None] > 0, rng.uniform(30, 230, 3), image)
    if saturation != 1.0:
        grey = image.mean(axis=2, keepdims=True)
        image = grey + saturation * (image - grey)
    return image + rng.normal(0, 6, (size, size, 3))
