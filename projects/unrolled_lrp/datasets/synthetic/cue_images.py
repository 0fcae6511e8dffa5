"""Images with a shortcut: one of four shapes (the label) in a random colour on grey noise, and
a coloured patch in the top-left corner (the cue) whose colour may give the label away. The TEA
bias benchmark's data (``unrolled_lrp.benchmarks.tea_bias``)."""
import numpy as np
import torch

from .shapes import shape_mask

CUE_SHAPES = ('square', 'disc', 'triangle', 'plus')
CUE_COLOURS = ((230, 30, 30), (30, 200, 30), (40, 70, 235), (235, 215, 30))  # RGB, per label
CUE_SIZE = 7
CUES = ('agrees', 'random', 'misleads')


def cue_images(rng, count, size, cue):
    """uint8 RGB images (count, 3, size, size) and labels (count, ); ``cue`` in CUES sets the
    patch's colour: the label's, any class's, or another class's."""
    if cue not in CUES:
        raise ValueError(f'unknown cue {cue!r}; choose from {", ".join(CUES)}')
    labels = rng.integers(len(CUE_SHAPES), size=count)
    images = np.empty((count, size, size, 3), np.uint8)
    for index, label in enumerate(labels):
        image = np.repeat(rng.integers(40, 140, (size, size, 1)), 3, axis=2).astype(np.uint8)
        radius = int(rng.integers(5, 8))
        low = max(radius, CUE_SIZE + 4)
        centre = tuple(int(v) for v in rng.integers(low, size - radius, 2))
        colour = rng.integers(150, 256, 3).astype(np.uint8)
        image[shape_mask(CUE_SHAPES[label], size, centre[::-1], radius)] = colour
        if cue == 'agrees':
            cue_class = label
        elif cue == 'random':
            cue_class = rng.integers(len(CUE_SHAPES))
        else:
            cue_class = (label + rng.integers(1, len(CUE_SHAPES))) % len(CUE_SHAPES)
        image[:CUE_SIZE, :CUE_SIZE] = CUE_COLOURS[cue_class]
        images[index] = image
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels)
