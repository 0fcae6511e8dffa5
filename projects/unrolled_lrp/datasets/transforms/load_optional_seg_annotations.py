"""Mask loading for datasets that mix pixel-labelled and image-level-only samples."""
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadOptionalSegAnnotations(LoadAnnotations):
    """``LoadAnnotations`` that leaves samples with ``seg_map_path=None`` without a mask.

    Image-level-only samples have no mask by design, so the later transforms see
    no ``gt_seg_map`` and ``PackSegInputs`` packs no ``gt_sem_seg``. A sample
    without the ``seg_map_path`` key at all is a dataset error and raises.
    """

    def transform(self, results: dict) -> dict:
        if results['seg_map_path'] is None:
            return results
        return super().transform(results)
