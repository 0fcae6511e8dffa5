"""A SegLocalVisualizer that shows the per-class heatmaps behind a segmentation.

For unrolled LRP the segmentation scores *are* LRP heatmaps, so a prediction is
only understood next to them. Dropping this visualizer into a config
(``visualizer = dict(type='HeatmapSegVisualizer', ...)``) is all it takes for
MMSeg's ``SegVisualizationHook`` and ``tools/test.py --show-dir`` to draw them.
"""
import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

from ..postprocessing import c1c_filter
from .panel_grid import caption, tile
from .relevance_colormap import probability_to_rgb, relevance_to_rgb


@VISUALIZERS.register_module()
class HeatmapSegVisualizer(SegLocalVisualizer):
    """Draws image, ground truth, prediction and per-class heatmaps as one figure.

    Figure layout (panels of the image's size, ``gap`` pixels apart):

    * row 0: image | ground truth over the image (when present) | prediction over the image
    * row 1: raw heatmap of each shown class, blue-white-red centred at 0, scaled by
      its own largest absolute value (given in the caption)
    * row 2: softmax over *all* classes' heatmaps, per shown class (0.5 white, 1 red)
    * row 3 (``c1c=True``): the raw heatmap after C1C post-processing, same scale as row 1

    Shown classes: those present in the prediction or ground truth, the
    ``max_heatmaps`` largest by pixel count, in class order. Segmentation panels name the
    classes covering at least ``label_share`` of the image (a label on every stray pixel's
    class piles up into an unreadable heap).

    Args:
        max_heatmaps (int): most classes shown per image.
        gap (int): white pixels between panels.
        c1c (bool): add the C1C row.
        c1c_threshold (float): threshold of :func:`~unrolled_lrp.postprocessing.c1c_mask`.
        min_panel_size (int): smaller images are enlarged (by a whole factor, pixels kept
            sharp) until their short side reaches it, so that captions and labels are
            readable; 0 keeps the image's size.
        label_share (float): smallest share of the image a labelled class covers.
        Other arguments as :class:`mmseg.visualization.SegLocalVisualizer`.
    """

    def __init__(self, name='visualizer', image=None, vis_backends=None, save_dir=None,
                 classes=None, palette=None, dataset_name=None, alpha=0.6, max_heatmaps=4,
                 gap=2, c1c=False, c1c_threshold=0.0, min_panel_size=0, label_share=0.01,
                 **kwargs):
        super().__init__(name, image, vis_backends, save_dir, dataset_name=dataset_name,
                         alpha=alpha, **kwargs)
        # SegLocalVisualizer 1.2.2 passes classes and palette to set_dataset_meta in
        # swapped order; setting them here by keyword keeps them apart.
        self.set_dataset_meta(classes=classes, palette=palette, dataset_name=dataset_name)
        if max_heatmaps < 1:
            raise ValueError(f'max_heatmaps must be >= 1, got {max_heatmaps}')
        self.max_heatmaps = max_heatmaps
        self.gap = gap
        self.c1c = c1c
        self.c1c_threshold = c1c_threshold
        self.min_panel_size = min_panel_size
        self.label_share = label_share

    def class_name(self, class_id):
        classes = self.dataset_meta.get('classes') or ()
        return str(classes[class_id]) if class_id < len(classes) else f'class {class_id}'

    def choose_classes(self, pred_sem_seg, gt_sem_seg=None, num_classes=None):
        """Classes in the prediction or ground truth, the largest first, then in class order."""
        num_classes = num_classes or len(self.dataset_meta['classes'])
        counts = np.zeros(num_classes, np.int64)
        for label_map in (pred_sem_seg, gt_sem_seg):
            if label_map is not None:
                labels = np.asarray(label_map).ravel()
                counts += np.bincount(labels[labels < num_classes], minlength=num_classes)
        largest = np.argsort(-counts, kind='stable')[:self.max_heatmaps]
        return sorted(int(class_id) for class_id in largest if counts[class_id] > 0)

    def draw_segmentation(self, image, sem_seg, with_labels=True):
        """``sem_seg`` (H, W) in the dataset palette over ``image`` (MMSeg's own drawing),
        labels on the classes that cover at least ``label_share`` of it."""
        sem_seg = np.asarray(sem_seg, dtype=np.int64)
        data = torch.as_tensor(sem_seg)[None]
        drawn = self._draw_sem_seg(image, PixelData(data=data), self.dataset_meta['classes'],
                                   self.dataset_meta['palette'], False)
        if not with_labels:
            return drawn
        shares = np.bincount(sem_seg.ravel(), minlength=len(self.dataset_meta['classes']))
        large = shares >= self.label_share * sem_seg.size
        labelled = np.where(large[np.clip(sem_seg, 0, len(large) - 1)] & (sem_seg < len(large)),
                            sem_seg, 255)
        # MMSeg draws a label per class present (255 is none); colours once more, then the
        # labelled classes' colours and names over the first drawing
        with_names = self._draw_sem_seg(image, PixelData(data=torch.as_tensor(labelled)[None]),
                                        self.dataset_meta['classes'],
                                        self.dataset_meta['palette'], True)
        return np.where((labelled == 255)[..., None], drawn, with_names)

    def enlarged(self, image, *maps):
        """``image`` and label/heatmap ``maps`` (..., H, W) enlarged by the whole factor that
        brings the short side to ``min_panel_size`` (nearest neighbour: pixels stay sharp)."""
        factor = int(np.ceil(self.min_panel_size / min(image.shape[:2])))
        if factor <= 1:
            return (image, *maps)
        return (np.repeat(np.repeat(image, factor, 0), factor, 1),
                *(None if m is None else np.repeat(np.repeat(np.asarray(m), factor, -2),
                                                   factor, -1) for m in maps))

    def draw_explanation(self, image, class_ids, heatmaps, probabilities, pred_sem_seg,
                         gt_sem_seg=None, with_labels=True):
        """The figure described in the class docstring, as an RGB uint8 array.

        Args:
            image (np.ndarray): (H, W, 3) RGB uint8.
            class_ids (list[int]): the classes of the rows of ``heatmaps``.
            heatmaps (np.ndarray): (N, H, W) raw heatmaps of ``class_ids``.
            probabilities (np.ndarray): (N, H, W) their softmax over all classes.
            pred_sem_seg (np.ndarray): (H, W) predicted labels.
            gt_sem_seg (np.ndarray, optional): (H, W) ground-truth labels.
        """
        image = np.ascontiguousarray(image, dtype=np.uint8)
        for what, array in (('heatmaps', heatmaps), ('probabilities', probabilities),
                            ('prediction', np.asarray(pred_sem_seg)[None]),
                            ('ground truth', None if gt_sem_seg is None
                             else np.asarray(gt_sem_seg)[None])):
            if array is not None and array.shape[-2:] != image.shape[:2]:
                raise ValueError(f'{what} of shape {array.shape[-2:]} do not match the image '
                                 f'of shape {image.shape[:2]}')
        image, heatmaps, probabilities, pred_sem_seg, gt_sem_seg = self.enlarged(
            image, heatmaps, probabilities, pred_sem_seg, gt_sem_seg)
        image = np.ascontiguousarray(image)
        top = [caption(image, 'image')]
        if gt_sem_seg is not None:
            top.append(caption(self.draw_segmentation(image, gt_sem_seg, with_labels),
                               'ground truth'))
        top.append(caption(self.draw_segmentation(image, pred_sem_seg, with_labels),
                           'prediction'))
        raw, softmax, c1c = [], [], []
        for class_id, heatmap, probability in zip(class_ids, heatmaps, probabilities):
            name = self.class_name(class_id)
            limit = float(np.abs(heatmap).max(initial=0.0))
            raw.append(caption(relevance_to_rgb(heatmap, limit), f'{name} raw |R|<={limit:.2g}'))
            softmax.append(caption(probability_to_rgb(probability), f'{name} softmax'))
            if self.c1c:
                kept = c1c_filter(heatmap, self.c1c_threshold)
                c1c.append(caption(relevance_to_rgb(kept, limit), f'{name} C1C'))
        rows = [top, raw, softmax] + ([c1c] if self.c1c else [])
        return tile([row for row in rows if row], self.gap)

    @master_only
    def add_datasample(self, name, image, data_sample=None, draw_gt=True, draw_pred=True,
                       show=False, wait_time=0, out_file=None, step=0, with_labels=True):
        """As SegLocalVisualizer, with heatmaps whenever the sample has ``seg_logits``."""
        if data_sample is None or not draw_pred or 'seg_logits' not in data_sample:
            return super().add_datasample(name, image, data_sample, draw_gt, draw_pred, show,
                                          wait_time, out_file, step, with_labels)
        scores = data_sample.seg_logits.data.detach().float().cpu()
        if 'pred_sem_seg' in data_sample:
            pred = data_sample.pred_sem_seg.data[0].cpu().numpy()
        else:
            pred = scores.argmax(0).numpy()
        gt = None
        if draw_gt and 'gt_sem_seg' in data_sample:
            gt = data_sample.gt_sem_seg.data[0].cpu().numpy()
        class_ids = self.choose_classes(pred, gt, num_classes=scores.shape[0])
        drawn = self.draw_explanation(image, class_ids, scores[class_ids].numpy(),
                                      scores.softmax(0)[class_ids].numpy(), pred, gt,
                                      with_labels)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
