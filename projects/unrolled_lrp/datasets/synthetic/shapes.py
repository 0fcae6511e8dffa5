"""Shapes and their placement: silhouettes, non-hiding layouts, VOC masks with void outlines."""
import cv2
import numpy as np

from .voc_classes import IGNORE_INDEX, VOC_CLASSES

MIN_VISIBLE_SHARE = 0.5  # an occluded object keeps at least this share of its area
MIN_INTERIOR_PIXELS = 12  # pixels of an object's class left after the 255 outline
SHAPES = ('disc', 'square', 'triangle', 'ring', 'semicircle', 'plus', 'star')
# more silhouettes, for scenes whose classes only shape tells apart (the shapes scenes): each
# one differs from every other in outline or holes at 25-45 px, blurred, turned by up to 15°
MORE_SHAPES = ('crescent', 'frame', 'tee', 'ell', 'arrow', 'heart', 'bowtie', 'cross',
               'diamond', 'bar', 'clover', 'gear', 'chevron', 'aitch')
ALL_SHAPES = SHAPES + MORE_SHAPES


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
    return more_shape_mask(shape, dy / radius, dx / radius)


def more_shape_mask(shape, y, x):
    """The silhouettes of :data:`MORE_SHAPES` in the shape's own frame, in units of its
    radius (``y`` down, ``x`` right)."""
    if shape == 'crescent':  # a disc less a disc shifted right: opens to the right
        return (y ** 2 + x ** 2 <= 1) & (y ** 2 + (x - 0.45) ** 2 > 0.8 ** 2)
    if shape == 'frame':  # a square with a square hole
        outer = (np.abs(y) <= 0.85) & (np.abs(x) <= 0.85)
        return outer & ~((np.abs(y) <= 0.45) & (np.abs(x) <= 0.45))
    if shape == 'tee':
        return (((y >= -0.9) & (y <= -0.35) & (np.abs(x) <= 0.9))
                | ((np.abs(x) <= 0.3) & (y >= -0.9) & (y <= 0.95)))
    if shape == 'ell':
        return (((x >= -0.8) & (x <= -0.2) & (np.abs(y) <= 0.95))
                | ((y >= 0.35) & (y <= 0.95) & (x >= -0.8) & (x <= 0.8)))
    if shape == 'arrow':  # pointing right
        head = (x >= 0) & (x <= 1) & (np.abs(y) <= 0.9 * (1 - x))
        return head | ((x >= -1) & (x < 0) & (np.abs(y) <= 0.3))
    if shape == 'heart':
        u, v = 1.15 * x, 0.3 - 1.15 * y
        return (u ** 2 + v ** 2 - 1) ** 3 - u ** 2 * v ** 3 <= 0
    if shape == 'bowtie':  # two triangles meeting at the centre
        return (np.abs(x) <= 0.95) & (np.abs(y) <= 0.85 * np.abs(x) + 0.15)
    if shape == 'cross':  # a plus turned by 45 degrees
        u, v = (y + x) / np.sqrt(2), (y - x) / np.sqrt(2)
        return (((np.abs(u) <= 0.3) & (np.abs(v) <= 1)) | ((np.abs(v) <= 0.3) & (np.abs(u) <= 1)))
    if shape == 'diamond':  # a tall rhombus
        return np.abs(y) + np.abs(x) / 0.6 <= 1
    if shape == 'bar':  # a wide rectangle with rounded ends
        return (np.abs(y) <= 0.38) & ((np.abs(x) <= 0.62) | ((np.abs(x) - 0.62) ** 2 + y ** 2
                                                            <= 0.38 ** 2))
    if shape == 'clover':  # four overlapping discs
        return np.any([(y - cy) ** 2 + (x - cx) ** 2 <= 0.47 ** 2
                       for cy, cx in ((-0.5, 0), (0.5, 0), (0, -0.5), (0, 0.5))], axis=0)
    if shape == 'gear':  # eight blunt teeth around a hole
        angle = np.arctan2(x, -y)
        outline = np.where(np.cos(8 * angle) > 0, 1.0, 0.78)
        distance = np.hypot(y, x)
        return (distance <= outline) & (distance >= 0.3)
    if shape == 'chevron':  # a thick V pointing down
        return (np.abs(x) <= 0.95) & (np.abs(y - 0.9 * np.abs(x) + 0.25) <= 0.33)
    if shape == 'aitch':  # H
        return (((np.abs(x) >= 0.4) & (np.abs(x) <= 0.9) & (np.abs(y) <= 0.95))
                | ((np.abs(y) <= 0.25) & (np.abs(x) <= 0.9)))
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
