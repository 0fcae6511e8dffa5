"""The classifier this project is about, as one module: a backbone, global average pooling, one
linear layer, and its LRP heatmaps by the tied decoder under a composite of rules."""
import torch.nn as nn
from mmengine.model import BaseModule

from ..rules import build_composite
from .tied_decoder import TiedDecoder, pooled_logits
from .walk import check_backbone, walk_backbone
from .walker_registry import find_walker


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
    layer the walker would not visit is an error at construction.

    Args:
        backbone (nn.Module): A backbone with a registered walker (MMSeg's and mmpretrain's
            ResNet and VGG, torchvision's ResNet; ``supported_backbones()``), whose last
            feature map the linear layer classifies after global average pooling.
        linear (nn.Linear): The classifier, (K, C) weight and (K,) bias (or None).
        composite (str | dict): The LRP rules (:mod:`unrolled_lrp.models.rules`): 'LRP0'
            (the paper's), ``dict(type='EpsilonAlpha2Beta1Flat')``, ...
        relevance_stage (int, optional): Read the relevance at the end of this stage of the
            backbone instead of at the input (:class:`TiedDecoder`).
        class_chunk (int, optional): Decode this many classes at a time by default.
    """

    def __init__(self, backbone, linear, composite='LRP0', relevance_stage=None,
                 class_chunk=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(linear, nn.Linear):
            raise TypeError(f'linear must be a torch.nn.Linear, got {type(linear).__name__}')
        check_backbone(backbone)
        self.backbone = backbone
        self.fc = linear
        self.composite = build_composite(composite)
        self.relevance_stage = relevance_stage
        self.class_chunk = class_chunk

    def trace(self, inputs):
        """The backbone's :class:`ForwardTrace` of ``inputs``: one recorded forward pass."""
        return walk_backbone(self.backbone, inputs)

    def logits(self, trace):
        """(B, K) class scores of a trace."""
        return pooled_logits(trace.features, self.fc.weight, self.fc.bias)

    def decoder(self, trace, dtype=None):
        """The :class:`TiedDecoder` of a trace under this classifier's composite."""
        return TiedDecoder(trace, self.fc.weight, self.fc.bias, self.composite, dtype,
                           self.relevance_stage)

    def heatmaps(self, trace, classes=None, dtype=None, chunk=None):
        """(B, k, H, W) heatmaps of ``classes`` (ids; all by default), ``chunk`` classes
        decoded at a time; ``dtype`` of the decoder's signal (``torch.bfloat16`` halves it)."""
        return self.decoder(trace, dtype).heatmaps(classes, chunk or self.class_chunk)

    def forward(self, inputs):
        """(B, K) class scores through the backbone's own forward (no trace kept)."""
        features = find_walker(self.backbone).features(self.backbone, inputs)
        return pooled_logits(features, self.fc.weight, self.fc.bias)
