"""Packing that adds image-level labels to every SegDataSample."""
import torch
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from ..image_labels import labels_from_mask


@TRANSFORMS.register_module()
class PackSegInputsWithImageLabels(PackSegInputs):
    """``PackSegInputs`` plus ``data_sample.gt_image_labels`` (float32, (num_classes,)).

    With a mask, the labels are the classes visible in the transformed mask, so
    the classification target agrees with the pixels of the crop the model sees
    (background included). Without a mask, they are the sample's
    ``gt_image_labels`` from the dataset (XML classes, background set). A sample
    with neither (inference) is packed as ``PackSegInputs`` packs it.
    """

    def __init__(self, num_classes: int = 21, ignore_index: int = 255, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' in results:
            labels = labels_from_mask(results['gt_seg_map'], self.num_classes,
                                      self.ignore_index, source=results.get('seg_map_path'))
        elif 'gt_image_labels' in results:
            labels = results['gt_image_labels']
        else:  # inference (e.g. mmseg.apis.inference_model): nothing to add; training
            return super().transform(results)  # refuses unlabelled samples in the loss
        if len(labels) != self.num_classes:
            raise ValueError(f'{results.get("img_path")}: gt_image_labels has {len(labels)} '
                             f'entries, expected num_classes={self.num_classes}')
        packed = super().transform(results)
        packed['data_samples'].gt_image_labels = torch.as_tensor(labels, dtype=torch.float32)
        return packed
