"""Shapes and their placement: silhouettes, non-hiding layouts, VOC masks with void outlines."""
import cv2
import numpy as np

from .voc_classes import IGNORE_INDEX, VOC_CLASSES

MIN_VISIBLE_SHARE = 0.5  # an occluded object keeps at least this share of its area
MIN_INTERIOR_PIXELS = 12  # pixels of an object's class left after the 255 outline
SHAPES = ('disc', 'square', 'triangle', 'ring', 'semicircle', 'plus', 'star')


def shape_mask(shape, size, centre, radius, angle=0.0):
    """Boolean (size, size) silhouette of a shape around ``centre``, turned by ``angle``."""
    yy, xx = np.mgrid[0:size, 0:size]
    cy, cx = centre
    # offsets from the centre in the shape's own frame (unchanged for angle 0)
    dy = (yy - cy) * np.cos(angle) - (xx - cx) * np.sin(angle)
    dx = (yy - cy) * np.sin(angle) + (xx - cx) * np.cos(angle)
    if shape == 'disc':
        return dy ** 2 + dx ** 2 <= radius ** 2
    if shape == 'square':
        return (np.abs(dy) <= radius * 0.85) & (np.abs(dx) <= radius * 0.85)
    if shape == 'triangle':  # apex up, base at the bottom
        height = (dy + radius) / (2 * radius)
        return (height >= 0) & (height <= 1) & (np.abs(dx) <= height * radius)
    if shape == 'ring':
        distance = dy ** 2 + dx ** 2
        return (distance <= radius ** 2) & (distance >= (0.5 * radius) ** 2)
    if shape == 'semicircle':
        return (dy ** 2 + dx ** 2 <= radius ** 2) & (dy >= -0.2 * radius)
    if shape == 'plus':
        arm = radius * 0.35
        return (((np.abs(dy) <= arm) & (np.abs(dx) <= radius))
                | ((np.abs(dx) <= arm) & (np.abs(dy) <= radius)))
    if shape == 'star':  # five rounded points
        outline = radius * (0.62 + 0.38 * np.cos(5 * np.arctan2(dx, -dy)))
        return np.hypot(dy, dx) <= outline
    raise ValueError(f'unknown shape {shape!r}')


def place_objects(rng, size, shapes, rotate=False, max_angle=np.pi):
    """Instance map (0 = background, i = i-th object) with every object clearly visible,
    and the objects' centres; ``rotate`` turns each shape by a random angle of at most
    ``max_angle`` either way."""
    for _ in range(100):
        instances = np.zeros((size, size), np.int32)
        silhouettes, centres = [], []
        for index, shape in enumerate(shapes, start=1):
            radius = rng.uniform(0.14, 0.24) * size
            centre = rng.uniform(radius, size - radius, 2)
            if not rotate:
                angle = 0.0
            elif max_angle == np.pi:  # the draw every existing scene tree was made with
                angle = rng.uniform(0, 2 * np.pi)
            else:
                angle = rng.uniform(-max_angle, max_angle)
            silhouette = shape_mask(shape, size, centre, radius, angle)
            instances[silhouette] = index
            silhouettes.append(silhouette)
            centres.append(centre)
        if all((instances == index).sum() >= MIN_VISIBLE_SHARE * silhouette.sum()
               for index, silhouette in enumerate(silhouettes, start=1)):
            return instances, centres
    raise ValueError(f'could not place {len(shapes)} objects on a {size}px image; '
                       'use a larger --image-size')


def object_outlines(instances):
    """Pixels on any object's outline: VOC draws a void (255) band there."""
    kernel = np.ones((3, 3), np.uint8)
    return (cv2.dilate(instances.astype(np.uint8), kernel)
            != cv2.erode(instances.astype(np.uint8), kernel))


def scene_layout(rng, size, shape_of, rotate=False, max_angle=np.pi):
    """Instance map, outline pixels, keys and centres of 1-3 objects drawn from the keys of
    ``shape_of`` (a look's name -> its shape); every object keeps enough interior pixels."""
    pool = list(shape_of)
    for _ in range(100):
        keys = [pool[i] for i in rng.integers(0, len(pool), rng.integers(1, 4))]
        instances, centres = place_objects(
            rng, size, [shape_of[key] for key in keys], rotate, max_angle)
        outline = object_outlines(instances)
        if all(((instances == i) & ~outline).sum() >= MIN_INTERIOR_PIXELS
               for i in range(1, len(keys) + 1)):
            return instances, outline, keys, centres
    raise ValueError(f'objects too small on a {size}px image; use a larger --image-size')


def class_mask(instances, outline, class_names):
    """VOC mask: each object's class id, background 0, outlines 255."""
    class_ids = np.array([0] + [VOC_CLASSES.index(n) for n in class_names], np.uint8)
    mask = class_ids[instances]
    mask[outline] = IGNORE_INDEX
    return mask


def bounding_box(pixels):
    """VOC bbox (x1, y1, x2, y2), 1-based, of a boolean mask."""
    ys, xs = np.nonzero(pixels)
    return xs.min() + 1, ys.min() + 1, xs.max() + 1, ys.max() + 1
