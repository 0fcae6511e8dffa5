"""Semi-supervised PASCAL VOC: pixel-labelled and image-level-only samples in one set."""
from .samplers import LabeledRatioBatchSampler
from .semi_supervised_voc import SemiSupervisedVOCDataset
from .transforms import (LoadOptionalSegAnnotations, MaskAwareRandomCrop,
                         PackSegInputsWithImageLabels)

__all__ = [
    'SemiSupervisedVOCDataset', 'LabeledRatioBatchSampler', 'LoadOptionalSegAnnotations',
    'MaskAwareRandomCrop', 'PackSegInputsWithImageLabels'
]
