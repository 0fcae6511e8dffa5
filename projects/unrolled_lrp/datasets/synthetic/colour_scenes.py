"""The bundled scenes of the main job: four classes, each one shape, colour and texture."""
import cv2
import numpy as np

from .backgrounds import textured_background
from .scene import Look, SceneStyle
from .shapes import scene_layout

# class name -> (shape, RGB colour, texture)
OBJECT_STYLES = {
    'aeroplane': ('disc', (210, 40, 40), 'horizontal_stripes'),
    'cat': ('square', (40, 70, 215), 'checkerboard'),
    'person': ('triangle', (40, 185, 60), 'dots'),
    'tvmonitor': ('plus', (225, 205, 40), 'diagonal_stripes'),
}


def texture(name, size, phase):
    """Multiplicative brightness pattern in [0.55, 1.15]."""
    yy, xx = np.mgrid[0:size, 0:size] + phase
    if name == 'horizontal_stripes':
        pattern = (yy // 3) % 2
    elif name == 'checkerboard':
        pattern = ((yy // 5) + (xx // 5)) % 2
    elif name == 'dots':
        pattern = 1 - ((yy % 6 < 2) & (xx % 6 < 2))
    elif name == 'diagonal_stripes':
        pattern = ((xx + yy) // 3) % 2
    else:
        raise ValueError(f'unknown texture {name!r}')
    return 0.55 + 0.6 * pattern


class ColourScenes(SceneStyle):
    """One to three objects on a textured background; a class differs from the others in
    shape, colour and texture at once, so a small classifier learns it within a few hundred
    CPU iterations and a few masks teach a decoder its extent."""
    name = 'colour'

    def __init__(self):
        self.looks = [Look(name, name, shape, dict(colour=list(colour), texture=texture_name))
                      for name, (shape, colour, texture_name) in OBJECT_STYLES.items()]

    def render(self, rng, size):
        instances, outline, names, _ = scene_layout(
            rng, size, {name: style[0] for name, style in OBJECT_STYLES.items()})
        image = textured_background(rng, size)
        for index, name in enumerate(names, start=1):
            _, colour, texture_name = OBJECT_STYLES[name]
            pixels = instances == index
            shade = texture(texture_name, size, rng.integers(0, 6))[..., None]
            jitter = rng.uniform(-15, 15, 3)
            image = np.where(pixels[..., None], (np.array(colour) + jitter) * shade, image)
        image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
        return self.scene(image, instances, outline, [self.look(name) for name in names])
