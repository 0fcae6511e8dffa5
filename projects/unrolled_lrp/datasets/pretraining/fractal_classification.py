"""The fractal corpus as an mmpretrain dataset: single-label classification, drawn on the fly."""
from mmcv.transforms import Compose
from mmpretrain.registry import DATASETS
from torch.utils.data import Dataset

from .fractal_corpus import FractalCorpus


@DATASETS.register_module()
class FractalClassification(Dataset):
    """``num_images`` images of :class:`FractalCorpus` (``num_classes`` IFS classes,
    ``image_size`` px, classes and images from ``seed``), starting at image ``first_index``:
    a validation set is the same classes from another ``first_index``. Samples are
    ``dict(img, gt_label)`` with the image in BGR, as ``LoadImageFromFile`` gives it, so the
    classifier's data preprocessor (``to_rgb=True``) reads it as it reads the scenes.
    Registered in mmpretrain's registry: ``dict(type='FractalClassification', ...)``."""

    def __init__(self, num_classes=100, num_images=100_000, image_size=64, seed=0,
                 first_index=0, pipeline=(), test_mode=False):
        if min(num_classes, num_images, image_size) < 1 or first_index < 0:
            raise ValueError('FractalClassification: num_classes, num_images and image_size '
                             f'must be positive and first_index >= 0, got {num_classes}, '
                             f'{num_images}, {image_size}, {first_index}')
        self.corpus = FractalCorpus(num_classes, image_size, seed)
        self.num_images, self.first_index = num_images, first_index
        self.pipeline = Compose(list(pipeline))
        self.test_mode = test_mode
        self.metainfo = dict(classes=tuple(f'ifs_{i:03d}' for i in range(num_classes)))

    def __len__(self):
        return self.num_images

    def __getitem__(self, index):
        if not 0 <= index < self.num_images:
            raise IndexError(f'image {index} of {self.num_images}')
        image, label = self.corpus.image(self.first_index + index)
        size = image.shape[:2]
        return self.pipeline(dict(img=image[..., ::-1].copy(), img_shape=size, ori_shape=size,
                                  gt_label=label, sample_idx=index))
