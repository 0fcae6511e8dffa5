"""unrolled-lrp: image classifiers as segmentation models through their LRP heatmaps.

Importing the package registers its models, datasets, metrics and visualizers in
MMSegmentation's registries (configs use ``custom_imports=dict(imports=['unrolled_lrp'])``),
and lets torch>=2.6 load mmengine's checkpoints (``--resume``, ``load_from``) with
``weights_only=True``, whichever tool imports it (this project's, ``mim train`` or MMSeg's own).
Its public model, usable without MMSeg configs, is :class:`UnrolledClassifier` (docs/library.md).
"""
from . import datasets, engine, evaluation, models, visualization  # noqa: F401
from .models.unroll import UnrolledClassifier
from .utils import allow_mmengine_checkpoint_globals

allow_mmengine_checkpoint_globals()

__version__ = '0.1.0'
__all__ = ['UnrolledClassifier']
