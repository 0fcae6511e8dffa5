"""The pixel scores and losses of the unrolled classifier's heatmaps, as an MMSeg decode head."""
import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from ..losses import DEFAULT_LOSS, build_decode_losses
from ..losses.image_level_supervision import batch_image_labels
from ..unroll import UnrolledClassifier

SCORE_NORMALIZATIONS = ('none', 'rms')
LOSS_CLASSES = ('all', 'image')


@MODELS.register_module()
class TiedHeavisideHead(BaseDecodeHead):
    """Pixel scores of the heatmaps of a GAP + linear classifier unrolled by its tied decoder.

    The head keeps the classifier's linear layer where MMSeg's heads keep theirs (``conv_seg``,
    a 1x1 convolution: the class matrix (K, C), so checkpoints keep MMSeg's layout) and says
    how it is unrolled (``composite``, ``relevance_stage``, ...); the segmentor
    (:class:`UnrolledLRP`) joins its backbone and this layer into the
    :class:`UnrolledClassifier` (:meth:`unrolled_classifier`) that makes the heatmaps. On
    ``BaseDecodeHead``'s contract the head's inputs are those heatmaps (B, K, H, W):
    ``forward`` passes them on (what ``mode='tensor'`` gives), ``loss_by_feat`` and
    ``predict_by_feat`` turn them into pixel scores.

    Pixel scores: the pixel softmax of the loss and ``seg_logits`` of predictions see
    ``heatmaps * score_scale`` (times H*W with ``scale_by_pixels``), optionally
    normalised per image. A heatmap pixel holds about ``logit / (H*W)`` of relevance,
    so on raw heatmaps the softmax starts uniform and the loss barely moves; every
    option is a positive factor per image, so the arg max (the segmentation) is that
    of the raw heatmaps.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_classes (int): Classes, background included.
        composite (str | dict): The LRP rules of the decoder, a composite of
            :mod:`unrolled_lrp.models.rules`: 'LRP0' (tied Heavisides, the paper's model),
            ``dict(type='LRPEpsilon', epsilon=0.25)`` (the paper's LRP-epsilon rows),
            'WSAE' (free ReLUs on the signal, the ablation), zennit's presets
            ``dict(type='EpsilonPlusFlat')``, ``'EpsilonGammaBox'``,
            ``'EpsilonAlpha2Beta1Flat'``, or a ``LayerMapComposite`` of rules by layer.
        class_chunk (int, optional): Decode this many classes at a time to bound
            memory; all at once by default.
        decoder_dtype (str, optional): None: the decoder's signal in the encoder's dtype
            (float32, exact); 'bfloat16': in bfloat16 (:class:`TiedDecoder`'s ``dtype``;
            the encoder, the per-sample factors, the heatmaps and the losses stay
            float32): half the signal's memory, faster where the hardware has bfloat16
            arithmetic; ``tools/benchmarks/speed_benchmark.py`` measures its speed and
            heatmap error.
        relevance_stage (int, optional): None (the paper): heatmaps are the relevance of
            the input image. ``k``: the relevance of the activations at the end of the
            backbone's stage ``k`` (0: after the ResNet stem, ``i``: after the ``i``-th
            stage), summed over channels and upsampled to the input
            (:class:`TiedDecoder`'s ``relevance_stage``): maps that cover the regions the
            classifier's units respond to, at the stage's resolution.
        score_scale (float): Factor from heatmaps to pixel scores (the reference: 1).
        scale_by_pixels (bool): Also multiply by the input's H*W, so that a score is
            relevance per pixel relative to a uniform spread of the logit, whatever
            the crop size.
        score_normalization (str): 'none', or 'rms': divide each image's heatmaps by
            their root mean square over classes and pixels (not detached) before the
            scale, which makes the pixel loss blind to the overall size of the heatmaps
            (it shapes them without pulling the logits up or down); ``score_scale`` is
            then the softmax's inverse temperature.
        loss_classes (str): Classes the pixel softmax of the loss runs over: 'all'
            (the paper), or 'image': background and the classes of the sample's
            image-level labels (the classes of its mask). The classification loss
            then alone decides which classes an image holds, the pixel loss only
            where they are; predictions pair it with the segmentor's
            ``test_cfg.suppress_absent_classes``.
    """

    def __init__(self, in_channels, num_classes, composite='LRP0', class_chunk=None,
                 decoder_dtype=None, relevance_stage=None, score_scale=1.0,
                 scale_by_pixels=False,
                 score_normalization='none', loss_classes='all', **kwargs):
        for key in ('channels', 'input_transform', 'out_channels', 'threshold'):
            if kwargs.get(key) is not None:
                raise ValueError(f'TiedHeavisideHead does not take {key!r}: the classifier '
                                 'maps the last feature map to num_classes scores')
        if kwargs.setdefault('dropout_ratio', 0) != 0:
            raise ValueError('TiedHeavisideHead needs dropout_ratio=0: the decoder is exact')
        if not score_scale > 0:
            raise ValueError(f'score_scale must be > 0, got {score_scale}')
        if score_normalization not in SCORE_NORMALIZATIONS:
            raise ValueError(f'score_normalization must be one of {SCORE_NORMALIZATIONS}, '
                             f'got {score_normalization!r}')
        if loss_classes not in LOSS_CLASSES:
            raise ValueError(f'loss_classes must be one of {LOSS_CLASSES}, got {loss_classes!r}')
        loss_decode = kwargs.pop('loss_decode', DEFAULT_LOSS)
        super().__init__(in_channels, in_channels, num_classes=num_classes, loss_decode=[],
                         **kwargs)
        self.loss_decode = build_decode_losses(loss_decode)
        self.unrolling = dict(composite=composite, relevance_stage=relevance_stage,
                              class_chunk=class_chunk, decoder_dtype=decoder_dtype)
        self.score_scale = score_scale
        self.scale_by_pixels = scale_by_pixels
        self.score_normalization = score_normalization
        self.loss_classes = loss_classes

    def unrolled_classifier(self, backbone):
        """The :class:`UnrolledClassifier` of ``backbone`` and this head's linear layer, unrolled
        as configured (its options are checked here: a bad one fails at model construction)."""
        return UnrolledClassifier(backbone, self.conv_seg, **self.unrolling)

    def forward(self, heatmaps):
        """The head's features are the classifier's heatmaps (B, K, H, W)."""
        return heatmaps

    def softmax_classes(self, batch_data_samples):
        """(B, K) bool: the classes of each sample's pixel softmax; None for all classes."""
        if self.loss_classes == 'all':
            return None
        classes = batch_image_labels(batch_data_samples, self.num_classes,
                                     self.ignore_index) > 0
        classes[:, 0] = True
        return classes

    def pixel_scores(self, heatmaps, classes=None):
        """Heatmaps (B, K, H, W) -> the scores the pixel softmax sees (see the class doc).

        ``classes`` (B, K) bool: the classes each sample's softmax runs over; the others
        get the lowest score, and the 'rms' normalisation runs over the kept ones only.
        """
        scores = heatmaps
        keep = None if classes is None else classes[:, :, None, None].to(scores.device)
        if self.score_normalization == 'rms':
            squares = scores.square() if keep is None else scores.square() * keep
            count = scores[0, 0].numel() * (scores.shape[1] if keep is None else
                                            keep.sum(dim=(1, 2, 3), keepdim=True))
            rms = (squares.sum(dim=(1, 2, 3), keepdim=True) / count).sqrt()
            scores = scores / rms.clamp_min(1e-12)
        pixels = heatmaps.shape[-2] * heatmaps.shape[-1] if self.scale_by_pixels else 1
        scores = scores * (self.score_scale * pixels)
        if keep is not None:
            scores = scores.masked_fill(~keep, torch.finfo(scores.dtype).min)
        return scores

    def loss_by_feat(self, heatmaps, batch_data_samples):
        """MMSeg's pixel losses on the scores of heatmaps (B, K, H, W); with
        ``loss_classes='image'`` the heatmaps of the classes outside a sample's softmax are
        never read (the segmentor need not decode them, :meth:`softmax_classes`)."""
        classes = self.softmax_classes(batch_data_samples)
        return super().loss_by_feat(self.pixel_scores(heatmaps, classes), batch_data_samples)

    def predict_by_feat(self, heatmaps, batch_img_metas, classes=None):
        """Pixel scores at the image size; ``classes`` (B, K) bool: only these are scored,
        the others get the lowest score (absent-class suppression)."""
        return super().predict_by_feat(self.pixel_scores(heatmaps, classes), batch_img_metas)
