"""Texture scenes: six classes told apart by shape and a high-contrast texture, colours random.

The hard case of the few-label benchmark: a class has one look, but its texture alternates
bright and dark, and input x gradient of a texture detector alternates in sign with it."""
import cv2
import numpy as np

from .backgrounds import cluttered_background, smooth_noise
from .scene import Look, SceneStyle
from .shapes import scene_layout

# class by shape and texture only (colour random per object, cluttered background), shapes
# turned by a random angle, textures at a random period
TEXTURE_STYLES = {
    'aeroplane': ('disc', 'stripes'),
    'bird': ('ring', 'dots'),
    'boat': ('semicircle', 'grid'),
    'cat': ('square', 'checkerboard'),
    'person': ('triangle', 'concentric'),
    'tvmonitor': ('plus', 'plain'),
}


def scaled_texture(rng, name, size, centre):
    """Multiplicative brightness pattern in [0.55, 1.15] at a random period (4-7 px), in the
    image's axes and anchored at the object's centre. (Turned by a random angle as well, the
    CPU classifier reached F1 74 instead of 87.)"""
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    period = rng.uniform(4, 7)
    u, v = xx - centre[1], yy - centre[0]
    if name == 'stripes':
        pattern = np.floor(u / (period / 2)) % 2
    elif name == 'checkerboard':
        pattern = (np.floor(u / period) + np.floor(v / period)) % 2
    elif name == 'dots':
        pattern = 1 - ((u % period < period / 2.5) & (v % period < period / 2.5))
    elif name == 'grid':
        pattern = 1 - ((u % period < 1.5) | (v % period < 1.5))
    elif name == 'concentric':
        pattern = np.floor(np.hypot(u, v) / (period / 2)) % 2
    elif name == 'plain':
        pattern = np.full((size, size), 0.75)
    else:
        raise ValueError(f'unknown texture {name!r}')
    return 0.55 + 0.6 * pattern


class TextureScenes(SceneStyle):
    """A class is a shape and a texture; every object in a random colour, turned by a random
    angle, on smooth colour noise with a grating and untextured distractor blobs."""
    name = 'textures'

    def __init__(self):
        self.looks = [Look(name, name, shape, dict(texture=texture_name))
                      for name, (shape, texture_name) in TEXTURE_STYLES.items()]

    def render(self, rng, size):
        instances, outline, names, centres = scene_layout(
            rng, size, {name: style[0] for name, style in TEXTURE_STYLES.items()}, rotate=True)
        image = cluttered_background(rng, size)
        for index, (name, centre) in enumerate(zip(names, centres), start=1):
            pixels = instances == index
            shade = scaled_texture(rng, TEXTURE_STYLES[name][1], size, centre)[..., None]
            colour = rng.uniform(40, 220, 3) + 10 * smooth_noise(rng, size, 6, 3)
            image = np.where(pixels[..., None], colour * shade, image)
        image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
        return self.scene(image, instances, outline, [self.look(name) for name in names])
