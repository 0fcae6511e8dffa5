"""What the explainers take as an image, and the one-line refusals of what they do not.

Accepted: a path (``str`` or ``pathlib.Path``) of an image file; a PIL image; a ``uint8``
array of shape (H, W, 3) in BGR order (as ``cv2.imread`` and ``mmcv.imread`` give it), or (H,
W) greyscale (repeated to three channels). Refused, with what is expected: other dtypes (a
``uint16`` or float image would be scaled as if it were 0-255: its logits were 300 times those
of the same picture in uint8), other channel counts or a channels-first layout, and images
above :data:`MAX_IMAGE_PIXELS` (their score maps alone take gigabytes; resize them first).
"""
from pathlib import Path

import numpy as np

MAX_IMAGE_PIXELS = 4096 * 4096


def read_image(path):
    """BGR uint8 image of a file; a file that is no image, or decodes with a warning (cut
    short, corrupt scan data: grey or wrong pixels otherwise), is an error naming it."""
    import mmcv

    from ..datasets.image_files import check_images_decode
    path = str(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f'{path}: no such image file')
    check_images_decode([path])
    return mmcv.imread(path, flag='color')


def as_bgr_image(image):
    """``image`` (see the module doc) as a BGR uint8 (H, W, 3) array, or ``ValueError``."""
    if isinstance(image, (str, Path)):
        image = read_image(image)
    elif type(image).__module__.startswith('PIL.'):
        image = np.asarray(image.convert('RGB'))[..., ::-1]
    if not isinstance(image, np.ndarray):
        raise ValueError(f'an image must be a path, a PIL image or a uint8 array (H, W, 3) in '
                         f'BGR order; got {type(image).__name__}')
    if image.dtype != np.uint8:
        raise ValueError(f'an image array must be uint8 (0-255), got {image.dtype}: convert '
                         'it first (e.g. (image / 257).astype(np.uint8) for uint16, '
                         '(image * 255).round().astype(np.uint8) for floats in [0, 1])')
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'an image array must be (H, W, 3) in BGR order or (H, W) grey, got '
                         f'shape {image.shape}' + (' (channels first? use '
                                                   'image.transpose(1, 2, 0))'
                                                   if image.ndim == 3 and image.shape[0] == 3
                                                   else ''))
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise ValueError(f'an image of {image.shape[1]}x{image.shape[0]} pixels is above the '
                         f'{MAX_IMAGE_PIXELS:,} the explainers take (its score maps alone '
                         'would take gigabytes): resize it first')
    return np.ascontiguousarray(image)


def check_top_k(top_k, num_classes):
    """``top_k`` must be a whole number from 1 to the model's class count."""
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not (
            1 <= top_k <= num_classes):
        raise ValueError(f'top_k must be a whole number from 1 to {num_classes} (the classes '
                         f'of this model), got {top_k!r}')
