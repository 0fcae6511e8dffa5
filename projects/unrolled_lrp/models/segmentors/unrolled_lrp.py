"""The unrolled-LRP segmentor: a classifier trained through its own heatmaps."""
from mmseg.registry import MODELS
from mmseg.utils import add_prefix

from ..absent_classes import found_classes, present_class_argmax, suppresses_absent_classes
from .image_level_segmentor import ImageLevelSegmentor


@MODELS.register_module()
class UnrolledLRP(ImageLevelSegmentor):
    """Segmentation by the stacked LRP heatmaps of a classifier (paper Sec. 2).

    ``self.classifier`` is the :class:`UnrolledClassifier` of the backbone and the head's
    linear layer: it traces the backbone, gives the class logits and decodes the heatmaps;
    the head (:class:`TiedHeavisideHead`) turns heatmaps into pixel scores and losses.

    Losses: per-pixel softmax cross-entropy on the heatmaps of the samples that carry
    a mask (``decode.loss_ce``, weighted in ``decode_head.loss_decode``), and
    multi-label sigmoid BCE on the class logits of every sample (``loss_cls``,
    ``cls_loss``). The decoder runs only for masked samples.

    Image-level labels are ``data_sample.gt_image_labels`` (float multi-hot,
    ``num_classes``, index 0 = background); a masked sample without them gets them
    from its mask.

    Prediction: ``seg_logits`` are the head's pixel scores (the heatmaps times the
    head's scale), ``pred_sem_seg`` their arg max. With
    ``test_cfg=dict(suppress_absent_classes=True)`` the arg max runs only over the
    classes the classifier finds in the image (sigmoid(logit) >= 0.5) and background:
    a class the image-level decision rules out cannot claim stray pixels. In whole-image
    inference only those classes are then decoded; the others' ``seg_logits`` hold the
    lowest float (:meth:`decode_predict`).

    Args: those of :class:`ImageLevelSegmentor` (``cls_loss``, ``cls_exclude_background``,
    ...); ``neck`` and ``auxiliary_head`` must stay None.
    """

    def __init__(self, backbone, decode_head, neck=None, auxiliary_head=None, **kwargs):
        for key, value in (('neck', neck), ('auxiliary_head', auxiliary_head)):
            if value is not None:
                raise ValueError(f'UnrolledLRP has no {key}: the decoder unrolls the backbone itself')
        super().__init__(backbone, decode_head, **kwargs)
        # The UnrolledClassifier that makes every heatmap, over the backbone and the head's
        # linear layer. Set past nn.Module's registration: its parameters stay registered where
        # EncoderDecoder puts them (backbone.*, decode_head.conv_seg.*), so checkpoints keep
        # MMSeg's layout and the configs' 'Pretrained' prefixes.
        object.__setattr__(self, 'classifier', self.decode_head.unrolled_classifier(self.backbone))

    def encode(self, inputs):
        """The backbone's :class:`ForwardTrace`: features and what the decoder needs."""
        return self.classifier.trace(inputs)

    def classify(self, trace):
        return self.classifier.logits(trace)

    def class_logits(self, inputs):
        """(B, num_classes) scores through the backbone's own forward: the logits alone need
        no trace (which would keep every activation alive until it is dropped)."""
        return self.classifier(inputs)

    def heatmaps(self, trace, wanted=None):
        """(B, K, H, W) heatmaps of a trace: of every class, or of those some sample wants in
        ``wanted`` (B, K) bool, zeros for the rest."""
        if wanted is None:
            return self.classifier.heatmaps(trace)
        return self.classifier.heatmaps_for(trace, wanted)

    def decode_loss(self, trace, index, data_samples):
        """The head's pixel losses; only the classes of its softmax are decoded (the others'
        scores are masked out of it, so the loss and its gradients are those of decoding every
        class)."""
        classes = self.decode_head.softmax_classes(data_samples)
        heatmaps = self.heatmaps(trace.select(index), classes)
        return add_prefix(self.decode_head.loss(heatmaps, data_samples, self.train_cfg), 'decode')

    def decode_predict(self, trace, batch_img_metas):
        """The head's pixel scores. With ``test_cfg.suppress_absent_classes`` in whole-image
        inference, only background and the classes the classifier finds in an image are decoded
        and scored; the others get the lowest score (window by window, in slide inference, every
        class is decoded: the image's classes are decided on the whole image)."""
        found = None
        whole = self.test_cfg.get('mode', 'whole') == 'whole'
        if suppresses_absent_classes(self.test_cfg) and whole:
            found = found_classes(self.classify(trace))
        return self.decode_head.predict_by_feat(self.heatmaps(trace, found), batch_img_metas, found)

    def _forward(self, inputs, data_samples=None):
        """Heatmaps (B, num_classes, H, W), summed over input channels."""
        return self.heatmaps(self.encode(inputs))

    def predict(self, inputs, data_samples=None):
        """:meth:`ImageLevelSegmentor.predict`, with the suppression of the class doc."""
        results = super().predict(inputs, data_samples)
        if suppresses_absent_classes(self.test_cfg):
            for result in results:
                result.pred_sem_seg.data = present_class_argmax(result.seg_logits.data,
                                                                result.pred_class_logits)
        return results
