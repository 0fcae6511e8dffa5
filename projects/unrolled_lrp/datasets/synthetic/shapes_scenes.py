"""Shapes scenes: classes that only shape tells apart, as most real classes are.

Every class owns ``looks_per_class`` looks and a look is a silhouette of its own (no two looks,
in one class or in two, share one); colour and surface are drawn anew for every object from
the same ranges for every class, and the background is as colourful as the objects, with
untextured blobs whose edges belong to no class. Neither hue nor brightness nor texture tells
a class, so a classifier must recognise outlines, and a heatmap that paints only where colour
tells the class (input x gradient of a colour detector) has nothing to paint. The looks
scenes' sizes, angles and blur, so that the two styles differ in what tells a class alone.
"""
import colorsys

import cv2
import numpy as np

from .backgrounds import cluttered_background
from .looks_scenes import LOOKS_CLASSES, MAX_ANGLE, SURFACES, surface_shade
from .scene import Look, SceneStyle
from .shapes import ALL_SHAPES, scene_layout

# the disc and the bar are left out: the backgrounds' distractor blobs are ellipses
SHAPE_POOL = tuple(shape for shape in ALL_SHAPES if shape not in ('disc', 'bar'))
LOOK_TABLE_STREAM = 0x5a9e5  # the look table's random stream, apart from the images'


def shape_table(seed, classes=LOOKS_CLASSES, looks_per_class=3):
    """Each class's looks: ``looks_per_class`` silhouettes drawn from :data:`SHAPE_POOL`
    without replacement over all classes (which shape is whose depends on the seed)."""
    count = len(classes) * looks_per_class
    if not 1 <= looks_per_class or count > len(SHAPE_POOL):
        raise ValueError(f'--looks-per-class {looks_per_class}: {len(classes)} classes have '
                         f'{len(SHAPE_POOL)} shapes to share, so choose 1 to '
                         f'{len(SHAPE_POOL) // len(classes)}')
    rng = np.random.default_rng([seed, LOOK_TABLE_STREAM])
    shapes = [SHAPE_POOL[i] for i in rng.permutation(len(SHAPE_POOL))[:count]]
    return [Look(f'{class_name}/{shape}', class_name, shape)
            for index, class_name in enumerate(classes)
            for shape in shapes[index * looks_per_class:(index + 1) * looks_per_class]]


class ShapesScenes(SceneStyle):
    """One to three objects of random looks on a colourful cluttered background; each
    object's colour (any hue), surface, size, position and (small) angle are random."""
    name = 'shapes'

    def __init__(self, seed=0, looks_per_class=3, classes=LOOKS_CLASSES):
        self.looks = shape_table(seed, classes, looks_per_class)

    def render(self, rng, size):
        instances, outline, names, centres = scene_layout(
            rng, size, {look.name: look.shape for look in self.looks}, rotate=True,
            max_angle=MAX_ANGLE)
        image = cluttered_background(rng, size)
        looks = [self.look(name) for name in names]
        for index, centre in enumerate(centres, start=1):
            pixels = instances == index
            colour = 255 * np.array(colorsys.hsv_to_rgb(
                rng.uniform(0, 1), rng.uniform(0.25, 0.95), rng.uniform(0.4, 0.95)))
            surface = SURFACES[rng.integers(len(SURFACES))]
            shade = surface_shade(rng, surface, pixels, centre, size)
            drawn = colour * shade[..., None] + rng.normal(0, 4, (size, size, 3))
            image = np.where(pixels[..., None], drawn, image)
        image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
        return self.scene(image, instances, outline, looks)
