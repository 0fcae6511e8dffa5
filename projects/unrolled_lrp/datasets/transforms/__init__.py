from .difficult_objects_as_positive import DifficultObjectsAsPositive
from .load_optional_seg_annotations import LoadOptionalSegAnnotations
from .mask_aware_random_crop import MaskAwareRandomCrop
from .pack_seg_inputs_with_image_labels import PackSegInputsWithImageLabels

__all__ = [
    'DifficultObjectsAsPositive', 'LoadOptionalSegAnnotations', 'MaskAwareRandomCrop',
    'PackSegInputsWithImageLabels'
]
