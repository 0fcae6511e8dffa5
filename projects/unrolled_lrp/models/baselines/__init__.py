"""Baselines of the paper's Tables 1 and 3 on the unrolled model's encoders.

UNet and FCN are MMSeg ``EncoderDecoder`` models with a :class:`FreeDecoderHead` (with and
without encoder skips); the multi-task UNet adds a classifier branch; WS-AE and LRP-epsilon
are ``UnrolledLRP`` with the decoder's ``relu`` and ``epsilon`` modes (configs only).
"""
from .free_decoder_head import FreeDecoderHead
from .linear_classifier_head import LinearClassifierHead
from .multi_task_unet import MultiTaskUNet

__all__ = ['FreeDecoderHead', 'LinearClassifierHead', 'MultiTaskUNet']
