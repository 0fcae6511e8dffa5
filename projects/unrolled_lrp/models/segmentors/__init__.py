from .image_level_segmentor import ImageLevelSegmentor
from .unrolled_lrp import UnrolledLRP

__all__ = ['ImageLevelSegmentor', 'UnrolledLRP']
