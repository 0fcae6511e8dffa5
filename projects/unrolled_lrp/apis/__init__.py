"""The project as a library: explaining images with any supported model."""
from .class_names import class_meta, config_class_meta
from .explain import (ClassifierExplainer, Explainer, Explanation, SegmentorExplainer,
                      UnsupportedCheckpointError, load_explainer)
from .image_input import MAX_IMAGE_PIXELS, as_bgr_image, read_image

__all__ = [
    'ClassifierExplainer', 'Explainer', 'Explanation', 'SegmentorExplainer',
    'UnsupportedCheckpointError', 'class_meta', 'config_class_meta', 'load_explainer',
    'MAX_IMAGE_PIXELS', 'as_bgr_image', 'read_image'
]
