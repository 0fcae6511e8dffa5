"""Semi-supervised PASCAL VOC: pixel-labelled and image-level-only samples in one set, and
mmpretrain's VOC with the same image checks for the classifier (stage 1), and the corpus that
pretrains it."""
from .checked_voc import CheckedVOC
from .pretraining import FractalClassification
from .samplers import LabeledRatioBatchSampler
from .semi_supervised_voc import SemiSupervisedVOCDataset
from .transforms import (LoadOptionalSegAnnotations, MaskAwareRandomCrop,
                         PackSegInputsWithImageLabels)

__all__ = [
    'CheckedVOC', 'FractalClassification', 'SemiSupervisedVOCDataset', 'LabeledRatioBatchSampler',
    'LoadOptionalSegAnnotations', 'MaskAwareRandomCrop', 'PackSegInputsWithImageLabels'
]
