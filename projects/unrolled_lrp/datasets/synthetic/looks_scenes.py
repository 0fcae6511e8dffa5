"""Looks scenes: every class has several looks, so a few masks show only some of them.

A look is a hue, a shape and a surface. Each class owns ``looks_per_class`` looks with shapes
of their own; every look has a hue of its own (the hue circle split evenly among all looks),
while classes share shapes (as cats and dogs share a silhouette). An object shows one look of
its class, saturated, on a muted cluttered background. A handful of masks then covers a few
looks of each class, while the image-level labels of thousands of scenes show a classifier all
of them: the regime in which the paper's unrolled classifier is expected to segment better
than a UNet.

Why hues of their own: input x gradient is solid over a region whose class its colour tells,
and follows edges where only the shape does. With hues shared between classes (8 hue
families for 18 looks) unrolled LRP-0 reached 31.7 present-class mIoU with every mask, 59.6
with a hue per look (the UNet: 77.7 and 88.1; docs/unrolled_lrp_study.md). Surfaces vary
brightness smoothly, for the same reason (see the texture scenes)."""
import colorsys

import cv2
import numpy as np

from .backgrounds import cluttered_background, smooth_noise
from .scene import Look, SceneStyle
from .shapes import SHAPES, scene_layout

LOOKS_CLASSES = ('aeroplane', 'bird', 'boat', 'cat', 'person', 'tvmonitor')
SURFACES = ('plain', 'shaded', 'mottled', 'rimmed')
MAX_ANGLE = np.radians(15)  # small turns keep a square a square (a plus not a cross)
BACKGROUND_SATURATION = 0.35
LOOK_TABLE_STREAM = 0x100c5  # the look table's random stream, apart from the images'


def look_table(seed, classes=LOOKS_CLASSES, looks_per_class=3):
    """Each class's looks: shapes distinct within a class, a hue of its own for every look
    (evenly spaced, shuffled); the same seed gives the same table."""
    if not 1 <= looks_per_class <= len(SHAPES):
        raise ValueError(f'--looks-per-class {looks_per_class}: choose 1 to {len(SHAPES)} '
                         f'(there are {len(SHAPES)} shapes)')
    rng = np.random.default_rng([seed, LOOK_TABLE_STREAM])
    count = len(classes) * looks_per_class
    hues = rng.permutation(count) * 360 / count
    looks = []
    for class_index, class_name in enumerate(classes):
        shapes = rng.choice(len(SHAPES), looks_per_class, replace=False)
        for index, shape in enumerate(shapes):
            hue = float(hues[class_index * looks_per_class + index])
            surface = SURFACES[rng.integers(len(SURFACES))]
            shape = SHAPES[shape]
            looks.append(Look(f'{class_name}/hue{hue:03.0f}-{shape}-{surface}', class_name,
                              shape, dict(hue=hue, surface=surface)))
    return looks


def surface_shade(rng, surface, pixels, centre, size):
    """Multiplicative brightness over the image (used on ``pixels``), around 1."""
    if surface == 'plain':
        return 1 + 0.04 * smooth_noise(rng, size, 6, 1)[..., 0]
    if surface == 'shaded':  # lit from one side
        yy, xx = np.mgrid[0:size, 0:size]
        angle = rng.uniform(0, 2 * np.pi)
        ramp = ((xx - centre[1]) * np.cos(angle) + (yy - centre[0]) * np.sin(angle)) / (
            0.2 * size)
        return 1 + 0.18 * np.clip(ramp, -1.2, 1.2)
    if surface == 'mottled':
        return 1 + 0.15 * smooth_noise(rng, size, 10, 1)[..., 0]
    if surface == 'rimmed':  # a darker band inside the outline
        inside = cv2.distanceTransform(pixels.astype(np.uint8), cv2.DIST_L2, 3)
        return np.where(inside <= 2.5, 0.62, 1.0)
    raise ValueError(f'unknown surface {surface!r}')


class LooksScenes(SceneStyle):
    """One to three objects of random looks on a muted cluttered background; each object's
    hue, saturation, brightness, size, position and (small) angle vary."""
    name = 'looks'

    def __init__(self, seed=0, looks_per_class=3, classes=LOOKS_CLASSES):
        self.looks = look_table(seed, classes, looks_per_class)
        # a quarter of the spacing: neighbouring hues never meet (5 degrees for 18 looks)
        self.hue_jitter = 90 / len(self.looks)

    def render(self, rng, size):
        instances, outline, names, centres = scene_layout(
            rng, size, {look.name: look.shape for look in self.looks}, rotate=True,
            max_angle=MAX_ANGLE)
        image = cluttered_background(rng, size, saturation=BACKGROUND_SATURATION)
        looks = [self.look(name) for name in names]
        for index, (look, centre) in enumerate(zip(looks, centres), start=1):
            pixels = instances == index
            hue = (look.details['hue'] + rng.uniform(-1, 1) * self.hue_jitter) % 360
            colour = 255 * np.array(colorsys.hsv_to_rgb(hue / 360, rng.uniform(0.6, 0.95),
                                                        rng.uniform(0.6, 0.95)))
            shade = surface_shade(rng, look.details['surface'], pixels, centre, size)
            drawn = colour * shade[..., None] + rng.normal(0, 4, (size, size, 3))
            image = np.where(pixels[..., None], drawn, image)
        image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
        return self.scene(image, instances, outline, looks)
