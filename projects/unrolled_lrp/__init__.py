"""unrolled-lrp: image classifiers as segmentation models through their LRP heatmaps.

Importing the package registers its models, datasets, metrics and visualizers in
MMSegmentation's registries (configs use ``custom_imports=dict(imports=['unrolled_lrp'])``).
"""
from . import datasets, evaluation, models, visualization  # noqa: F401

__version__ = '0.1.0'
