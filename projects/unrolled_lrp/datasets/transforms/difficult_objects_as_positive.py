"""VOC objects marked difficult count as present, for the classifier's pre-training."""
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class DifficultObjectsAsPositive(BaseTransform):
    """Adds ``gt_label_difficult`` to ``gt_label`` (mmpretrain's ``VOC`` dataset).

    mmpretrain's VOC keeps objects marked ``difficult`` out of ``gt_label``, so a
    classifier would learn to call them absent. The segmentors' image-level labels
    (``gt_image_labels``, every ``<object><name>`` of the XML) count them as present, as
    the reference does; this makes the pre-trained classifier use the same labels. In an
    mmpretrain pipeline: ``dict(type='mmseg.DifficultObjectsAsPositive')``.
    """

    def transform(self, results):
        difficult = results.get('gt_label_difficult') or []
        results['gt_label'] = sorted(set(results.get('gt_label') or []) | set(difficult))
        return results
