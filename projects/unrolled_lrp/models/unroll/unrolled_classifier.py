"""The classifier this project is about, as one module: a backbone, global average pooling, one
linear layer, and its LRP heatmaps by the tied decoder under a composite of rules."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule

from ..rules import build_composite
from .classifier_checkpoint import load_classifier_checkpoint
from .tied_decoder import TiedDecoder, pooled_logits
from .walk import check_backbone, walk_backbone
from .walker_registry import find_walker

DECODER_DTYPES = (None, 'bfloat16')


def check_linear(linear):
    """A linear layer on pooled features: ``nn.Linear`` (K, C), or a 1x1 ``nn.Conv2d``
    (K, C, 1, 1), where MMSeg's decode heads keep their classifier (``conv_seg``)."""
    if isinstance(linear, nn.Linear):
        return
    if isinstance(linear, nn.Conv2d) and linear.kernel_size == (1, 1) and linear.groups == 1:
        return
    raise TypeError('linear must be a torch.nn.Linear (or a 1x1 torch.nn.Conv2d), got '
                    f'{type(linear).__name__}')


class UnrolledClassifier(BaseModule):
    """``linear(GAP(backbone(x)))`` and its heatmaps, differentiable, for any classes.

    As zennit wraps a model in a composite, this wraps a classifier in its unrolled decoder::

        import torch, torchvision
        from unrolled_lrp import UnrolledClassifier

        net = torchvision.models.resnet18(num_classes=20)
        classifier = UnrolledClassifier(net, net.fc)           # LRP-0: input x gradient
        trace = classifier.trace(images)                      # one forward pass, recorded
        logits = classifier.logits(trace)                     # (B, 20)
        heatmaps = classifier.heatmaps(trace, classes=[3, 7]) # (B, 2, H, W)

    Both stay in the autograd graph, so a loss on the heatmaps trains the classifier through
    them (the paper's stage 2). The backbone is checked once, here: an unregistered class or a
    layer the walker would not visit is an error at construction. The segmentor
    (:class:`UnrolledLRP`), the TEA distiller and the explainers all make their heatmaps here.

    Args:
        backbone (nn.Module): A backbone with a registered walker (MMSeg's and mmpretrain's
            ResNet and VGG, torchvision's ResNet; ``supported_backbones()``), whose last
            feature map the linear layer classifies after global average pooling.
        linear (nn.Linear | nn.Conv2d): The classifier, (K, C) weight and (K,) bias (or
            None); or a 1x1 convolution (K, C, 1, 1), as an MMSeg head's ``conv_seg``.
        composite (str | dict): The LRP rules (:mod:`unrolled_lrp.models.rules`): 'LRP0'
            (the paper's), ``dict(type='EpsilonAlpha2Beta1Flat')``, ...
        relevance_stage (int, optional): Read the relevance at the end of this stage of the
            backbone instead of at the input (:class:`TiedDecoder`).
        class_chunk (int, optional): Decode this many classes at a time by default.
        decoder_dtype (str, optional): None: the decoder's signal in the encoder's dtype
            (exact); 'bfloat16': in bfloat16 (half the signal's memory; the heatmaps keep
            the encoder's dtype).
    """

    def __init__(self, backbone, linear, composite='LRP0', relevance_stage=None,
                 class_chunk=None, decoder_dtype=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_linear(linear)
        if relevance_stage is not None and not (isinstance(relevance_stage, int)
                                                and relevance_stage >= 0):
            raise ValueError(f'relevance_stage must be None or a stage index >= 0, got '
                             f'{relevance_stage!r}')
        if decoder_dtype not in DECODER_DTYPES:
            raise ValueError(f"decoder_dtype must be None or 'bfloat16', got {decoder_dtype!r}")
        check_backbone(backbone)
        self.backbone = backbone
        self.fc = linear
        self.composite = build_composite(composite)
        self.relevance_stage = relevance_stage
        self.class_chunk = class_chunk
        self.decoder_dtype = decoder_dtype and getattr(torch, decoder_dtype)

    @property
    def weight(self):
        """(K, C) class matrix."""
        return self.fc.weight.flatten(1)

    def trace(self, inputs):
        """The backbone's :class:`ForwardTrace` of ``inputs``: one recorded forward pass."""
        return walk_backbone(self.backbone, inputs)

    def logits(self, trace):
        """(B, K) class scores of a trace."""
        return pooled_logits(trace.features, self.weight, self.fc.bias)

    def decoder(self, trace, dtype=None):
        """The :class:`TiedDecoder` of a trace under this classifier's composite."""
        return TiedDecoder(trace, self.weight, self.fc.bias, self.composite,
                           dtype or self.decoder_dtype, self.relevance_stage)

    def heatmaps(self, trace, classes=None, dtype=None, chunk=None):
        """(B, k, H, W) heatmaps of ``classes`` (ids; all by default), ``chunk`` classes
        decoded at a time; ``dtype`` of the decoder's signal (``torch.bfloat16`` halves it)."""
        return self.decoder(trace, dtype).heatmaps(classes, chunk or self.class_chunk)

    def heatmaps_for(self, trace, wanted):
        """(B, K, H, W) heatmaps of the classes some sample wants in ``wanted`` (B, K) bool,
        zeros for the others: the decoder's cost grows with the classes it decodes."""
        decoded = wanted.to(trace.features.device).any(0).nonzero()[:, 0]
        heatmaps = trace.features.new_zeros(wanted.shape + trace.inputs.shape[-2:])
        heatmaps[:, decoded] = self.heatmaps(trace, decoded)
        return heatmaps

    def load_checkpoint(self, path):
        """Backbone and linear weights from a checkpoint of this project (an UnrolledLRP's
        ``backbone.*`` and ``decode_head.conv_seg``) or of mmpretrain (an ImageClassifier's
        ``backbone.*`` and ``head.fc``); a file of another layout or size is refused, named."""
        load_classifier_checkpoint(self, path)

    def forward(self, inputs):
        """(B, K) class scores through the backbone's own forward (no trace kept)."""
        features = find_walker(self.backbone).features(self.backbone, inputs)
        return pooled_logits(features, self.weight, self.fc.bias)
