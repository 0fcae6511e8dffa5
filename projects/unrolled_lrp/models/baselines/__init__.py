"""Heads of the baselines of the paper's Tables 1 and 3, on the unrolled model's encoders.

UNet and FCN are MMSeg ``EncoderDecoder`` models with a :class:`FreeDecoderHead` (with and
without encoder skips); the multi-task UNet (``segmentors.MultiTaskUNet``) adds a
:class:`LinearClassifierHead` branch; WS-AE and LRP-epsilon are ``UnrolledLRP`` with the
composites ``WSAE`` and ``LRPEpsilon`` (configs only).
"""
from .free_decoder_head import FreeDecoderHead
from .linear_classifier_head import LinearClassifierHead

__all__ = ['FreeDecoderHead', 'LinearClassifierHead']
