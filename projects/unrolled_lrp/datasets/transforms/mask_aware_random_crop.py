"""Random cropping that limits the dominant class only where a mask exists."""
from mmseg.datasets.transforms import RandomCrop
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MaskAwareRandomCrop(RandomCrop):
    """``RandomCrop`` whose ``cat_max_ratio`` applies to samples with a mask.

    MMSeg's ``RandomCrop`` with ``cat_max_ratio < 1`` reads ``gt_seg_map`` to
    re-draw crops dominated by one class, and fails on image-level-only samples.
    Here those samples get a plain uniform crop; samples with a mask behave as in
    ``RandomCrop``.
    """

    def __init__(self, crop_size, cat_max_ratio: float = 1., ignore_index: int = 255):
        super().__init__(crop_size, cat_max_ratio, ignore_index)
        self.uniform_crop = RandomCrop(crop_size, cat_max_ratio=1., ignore_index=ignore_index)

    def crop_bbox(self, results: dict) -> tuple:
        if 'gt_seg_map' in results:
            return super().crop_bbox(results)
        return self.uniform_crop.crop_bbox(results)
