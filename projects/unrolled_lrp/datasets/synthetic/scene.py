"""What a scene style draws: an image, its masks and its objects, each object of a known look."""
from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np

from .shapes import bounding_box, class_mask


@dataclass(frozen=True)
class Look:
    """One appearance of a class; ``name`` is unique within a style, ``details`` say how it is
    drawn (recorded in the tree's ``looks.json``)."""
    name: str
    class_name: str
    shape: str
    details: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Scene:
    """An RGB image (uint8), its VOC class mask (255 outlines), its look map (the style's look
    number from 1, 0 background, 255 outlines) and its objects as (class name, bbox, look)."""
    image: np.ndarray
    mask: np.ndarray
    look_map: np.ndarray
    objects: List[Tuple[str, tuple, Look]]


class SceneStyle:
    """A kind of scene: its looks, numbered from 1 in list order, and ``render(rng, size)``."""
    name = ''
    looks: List[Look] = []

    def look(self, name) -> Look:
        return next(look for look in self.looks if look.name == name)

    def scene(self, image, instances, outline, looks: List[Look]) -> Scene:
        """The masks and object list of ``image``, whose object i + 1 in ``instances`` shows
        ``looks[i]``."""
        numbers = {look.name: number for number, look in enumerate(self.looks, start=1)}
        mask = class_mask(instances, outline, [look.class_name for look in looks])
        look_map = np.array([0] + [numbers[look.name] for look in looks], np.uint8)[instances]
        look_map[outline] = mask[outline]
        objects = [(look.class_name, bounding_box(instances == index), look)
                   for index, look in enumerate(looks, start=1)]
        return Scene(image, mask, look_map, objects)

    def render(self, rng, size) -> Scene:
        raise NotImplementedError
