from .image_level_segmentor import ImageLevelSegmentor
from .multi_task_unet import MultiTaskUNet
from .unrolled_lrp import UnrolledLRP

__all__ = ['ImageLevelSegmentor', 'MultiTaskUNet', 'UnrolledLRP']
