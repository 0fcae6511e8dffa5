"""A formula-driven image-classification corpus for pretraining, in the manner of FractalDB
(Kataoka et al., ACCV 2020, "Pre-training without Natural Images").

A class is an iterated function system (IFS: 2-4 contractive affine maps of the plane); an
image of it is the system's attractor drawn as a filled silhouette, at a random size,
position, angle and mirror, with its maps perturbed a little (the class's variety). Colour,
surface texture, background and clutter are drawn anew for every image from ranges shared by
all classes, so that only the silhouette tells a class: what a classifier must learn on the
benchmark's shapes scenes, and on natural images. Nothing here is taken from the benchmark's
scene generators (``unrolled_lrp.datasets.synthetic``), and classes whose silhouette looks
like one of the scenes' shapes are left out (:func:`resembles_scene_shape`), so that
pretraining teaches generic shape features and none of the benchmark's classes.

Images are made on the fly from ``(seed, index)``, so the corpus costs no disk and any
number of images can be drawn; the same seed gives the same classes and images.
"""
import cv2
import numpy as np

CLASS_STREAM = 0xf4ac7  # the classes' random stream, apart from the images'
IMAGE_STREAM = 0x1a6e5
MIN_FILL = 0.3  # share of the silhouette's bounding box it covers: no dust, no lines
# area over convex hull: no convex blob (a disc, a square: the scenes' kind of shape, and a
# silhouette without parts), no scatter of limbs
SOLIDITY = (0.45, 0.85)
ATTRACTOR_POINTS = 3000
CHAOS_STEPS = 24
PERTURBED_STEPS = 4  # chaos-game steps of an image's perturbed maps from its class's points


def random_system(rng):
    """2-4 random contractive affine maps ``x -> A x + b`` and their sampling weights."""
    count = rng.integers(2, 5)
    maps = []
    while len(maps) < count:
        matrix = rng.uniform(-1, 1, (2, 2))
        if np.linalg.norm(matrix, 2) < 0.92:  # contractive: the attractor exists
            maps.append((matrix, rng.uniform(-1, 1, 2)))
    weights = np.array([abs(np.linalg.det(m)) + 0.02 for m, _ in maps])
    return maps, weights / weights.sum()


def attractor(maps, weights, rng, points=ATTRACTOR_POINTS, steps=CHAOS_STEPS, start=None):
    """Points of the system's attractor: many chaos-game chains run side by side, from
    ``start`` (points near the attractor already) or from random points."""
    xy = rng.uniform(-1, 1, (points, 2)) if start is None else start
    matrices = np.stack([m for m, _ in maps])
    offsets = np.stack([b for _, b in maps])
    cumulative = np.cumsum(weights)
    for _ in range(steps):
        choice = np.minimum(np.searchsorted(cumulative, rng.random(len(xy))), len(maps) - 1)
        xy = np.einsum('nij,nj->ni', matrices[choice], xy) + offsets[choice]
    return xy


def silhouette(xy, size, centre, extent, angle, mirror):
    """The points, normalised to their bounding box, turned, scaled to ``extent`` pixels
    and drawn at ``centre`` of a ``size`` x ``size`` image as a filled (closed) mask."""
    xy = xy - (xy.min(0) + xy.max(0)) / 2
    xy = xy / max(np.abs(xy).max(), 1e-6)
    if mirror:
        xy = xy * np.array([-1, 1])
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    xy = xy @ turn.T * extent / 2 + centre
    mask = np.zeros((size, size), np.uint8)
    cols, rows = np.round(xy).astype(int).T
    inside = (cols >= 0) & (cols < size) & (rows >= 0) & (rows < size)
    mask[rows[inside], cols[inside]] = 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    return cv2.morphologyEx(cv2.dilate(mask, kernel), cv2.MORPH_CLOSE, kernel, iterations=3)


def is_object_like(mask):
    """One connected silhouette that fills :data:`MIN_FILL` of its box, neither convex nor
    scattered (:data:`SOLIDITY`): an object with parts, as the corpus's classes must be."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    if len(contours) != 1:
        return False
    rows, cols = np.nonzero(mask)
    fill = len(rows) / ((rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1))
    solidity = len(rows) / max(cv2.contourArea(cv2.convexHull(contours[0])), 1.0)
    return fill >= MIN_FILL and SOLIDITY[0] <= solidity <= SOLIDITY[1]


def canonical_silhouette(points, size=48):
    """A class's silhouette from its attractor ``points``, upright and centred, filling most
    of a ``size`` image."""
    return silhouette(points, size, np.array([size / 2, size / 2]), size * 0.8, 0.0,
                      False) > 0


def crop_to_box(mask, size):
    """A mask cut to its bounding box and resized to ``size`` x ``size``."""
    rows, cols = np.nonzero(mask)
    box = mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1].astype(np.uint8)
    return cv2.resize(box, (size, size), interpolation=cv2.INTER_NEAREST) > 0


def scene_shape_bank(size=48, angles=24):
    """The benchmark scenes' shapes at ``angles`` angles, each cut to its bounding box: (N,
    size, size) bool. The scenes' shape table is read here to keep the corpus apart from
    it, never to draw."""
    from ..synthetic.shapes import ALL_SHAPES, shape_mask
    return np.stack([crop_to_box(shape_mask(shape, size * 2, (size, size), size * 0.8, angle),
                                 size)
                     for shape in ALL_SHAPES
                     for angle in np.linspace(0, 2 * np.pi, angles, endpoint=False)])


def resembles_scene_shape(mask, bank, threshold=0.6):
    """Whether a silhouette, cut to its bounding box, has an IoU above ``threshold`` with one
    of the ``bank``'s (:func:`scene_shape_bank`)."""
    target = crop_to_box(mask, bank.shape[-1])
    intersection = (bank & target).sum(axis=(1, 2))
    union = (bank | target).sum(axis=(1, 2))
    return bool((intersection / union).max() > threshold)


def class_systems(num_classes, seed=0):
    """``num_classes`` IFS classes, each as (maps, weights, attractor points), whose
    silhouettes are object-like (:func:`is_object_like`) and unlike the scenes' shapes; the
    same seed gives the same classes."""
    rng = np.random.default_rng([seed, CLASS_STREAM])
    bank = scene_shape_bank()
    systems = []
    while len(systems) < num_classes:
        maps, weights = random_system(rng)
        points = attractor(maps, weights, rng)
        mask = canonical_silhouette(points)
        if is_object_like(mask) and not resembles_scene_shape(mask, bank):
            systems.append((maps, weights, points))
    return systems


def surface(rng, size):
    """A brightness field around 1: a few random cosine waves (sometimes none)."""
    field = np.ones((size, size))
    yy, xx = np.mgrid[0:size, 0:size]
    for _ in range(rng.integers(0, 3)):
        angle, period = rng.uniform(0, np.pi), rng.uniform(3, 20)
        phase = rng.uniform(0, 2 * np.pi)
        field += rng.uniform(0.03, 0.2) * np.cos(
            2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period + phase)
    return field


def random_colour(rng):
    return rng.uniform(20, 235, 3)


def background(rng, size):
    """A colour with a linear ramp, waves and clutter: strokes and arcs in random colours."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    image = random_colour(rng) + (rng.uniform(-60, 60, 3) * (xx - 0.5)[..., None]
                                  + rng.uniform(-60, 60, 3) * (yy - 0.5)[..., None])
    image = image * surface(rng, size)[..., None]
    for _ in range(rng.integers(0, 5)):
        colour = tuple(float(v) for v in random_colour(rng))
        points = rng.integers(0, size, 4)
        thickness = int(rng.integers(1, 3))
        if rng.random() < 0.5:
            cv2.line(image, tuple(map(int, points[:2])), tuple(map(int, points[2:])), colour,
                     thickness)
        else:
            axes = tuple(int(v) for v in rng.integers(3, size // 3, 2))
            start = rng.uniform(0, 360)
            cv2.ellipse(image, tuple(map(int, points[:2])), axes, rng.uniform(0, 180), start,
                        start + rng.uniform(60, 240), colour, thickness)
    return image


class FractalCorpus:
    """``num_classes`` IFS classes; ``image(index)`` is the index-th image, of class
    ``index % num_classes``, as an RGB uint8 array, and its class."""

    def __init__(self, num_classes=100, size=64, seed=0):
        self.num_classes, self.size, self.seed = num_classes, size, seed
        self.systems = class_systems(num_classes, seed)

    def image(self, index):
        label = index % self.num_classes
        rng = np.random.default_rng([self.seed, IMAGE_STREAM, index])
        maps, weights, points = self.systems[label]
        maps = [(m * rng.uniform(0.97, 1.03, m.shape), b + rng.normal(0, 0.02, 2))
                for m, b in maps]  # the class's variety: a few steps of perturbed maps
        points = attractor(maps, weights, rng, steps=PERTURBED_STEPS, start=points)
        size = self.size
        extent = rng.uniform(0.5, 0.95) * size
        centre = rng.uniform(extent / 2.5, size - extent / 2.5, 2)
        mask = silhouette(points, size, centre, extent, rng.uniform(-np.pi / 6, np.pi / 6),
                          rng.random() < 0.5) > 0
        image = background(rng, size)
        drawn = random_colour(rng) * surface(rng, size)[..., None]
        image = np.where(mask[..., None], drawn, image) + rng.normal(0, 5, (size, size, 3))
        image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3),
                                 rng.uniform(0.3, 1.0))
        return image, label
