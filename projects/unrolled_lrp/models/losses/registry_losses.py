"""Decode-head losses built through MMSeg's registry.

MMSeg's ``BaseDecodeHead`` builds ``loss_decode`` with its deprecated ``build_loss`` (a warning
on every model build); the project's heads hand it an empty list and build the same losses
here with ``MODELS.build``: the same modules in the same place (``self.loss_decode``)."""
from torch import nn

from mmseg.registry import MODELS

DEFAULT_LOSS = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)


def build_decode_losses(loss_decode):
    """One loss module for a dict, a ``ModuleList`` for a list or tuple (as MMSeg's head)."""
    if isinstance(loss_decode, dict):
        return MODELS.build(loss_decode)
    if isinstance(loss_decode, (list, tuple)):
        return nn.ModuleList(MODELS.build(loss) for loss in loss_decode)
    raise TypeError(f'loss_decode must be a dict or sequence of dict, got {type(loss_decode)}')
