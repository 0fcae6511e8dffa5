"""The tied decoder: LRP of all classes at once through a forward trace, rule by rule.

The composite (:mod:`unrolled_lrp.models.rules`) picks a rule for every layer of the trace
(what and where); this module runs them (how). Classes are folded next to the batch and the
encoder's tensors broadcast over them; what a rule needs per sample (modified forward passes,
stabilised denominators) is computed once per trace, when its layer is first decoded, and
reused for every chunk of classes.
"""
import torch
import torch.nn.functional as F

from ..rules import Site, build_composite
from ..rules.layer_map_composite import SITE_KINDS
from .tied_conv import TiedConv


def pooled_logits(features, weight, bias):
    """Global average pooling followed by the linear layer: (B, C, h, w) -> (B, K)."""
    return F.linear(features.mean(dim=(2, 3)), weight, bias)


class PooledLinear:
    """The classifier's linear layer on the pooled features, as rules see a layer."""

    kind = 'linear'
    name = 'classifier'

    def __init__(self, inputs, weight, bias):
        self.inputs, self.weight, self.bias = inputs, weight, bias
        self.outputs = self.forward(inputs, weight, bias)  # the logits

    @staticmethod
    def forward(inputs, weight, bias=None):
        return F.linear(inputs, weight, bias)

    @staticmethod
    def transpose(signal, weight):
        return signal @ weight.to(signal.dtype)

    @staticmethod
    def multiply(signal, factor):
        return signal * factor.to(signal.dtype).unsqueeze(1)


def upsample_relevance(relevance, size):
    """(B, K, h, w) relevance of coarse pixels spread over (B, K, H, W) fine ones: bilinear
    upsampling divided by the ratio of pixel counts, so that each map keeps its sum (the
    conservation of relevance), up to the interpolation's border effects."""
    if tuple(relevance.shape[-2:]) == tuple(size):
        return relevance
    ratio = size[0] * size[1] / (relevance.shape[-2] * relevance.shape[-1])
    return F.interpolate(relevance, size=tuple(size), mode='bilinear',
                         align_corners=False) / ratio


class TiedDecoder:
    """Heatmaps of ``trace`` for a classifier ``linear(GAP(features))`` under ``composite``.

    Args:
        trace (ForwardTrace): The encoder pass.
        weight (Tensor): The linear layer's (K, C) weight; ``bias`` its (K,) bias or None.
        composite: A composite (or its config / registered name, e.g. 'LRP0').
        dtype (torch.dtype, optional): The signal's dtype from the global pooling down to
            the input; the features' (float32) by default. ``torch.bfloat16`` halves the
            signal's memory and runs the transposed convolutions in bfloat16 (oneDNN and
            cuDNN accumulate in float32); what rules compute per sample (factors,
            denominators) stays in the encoder's dtype, and heatmaps are summed in it.
        relevance_stage (int, optional): None: the relevance of the input image (the
            paper's heatmaps). ``k``: the relevance of the activations that stage ``k`` of
            the backbone ends with (0: the ResNet stem with its max-pool, ``i``: the
            ``i``-th stage), summed over channels and spread over the input's pixels by
            bilinear upsampling (:func:`upsample_relevance`). Only the layers above that
            stage are decoded. For LRP-0 this is activation x gradient at that layer; a
            coarser layer trades resolution for maps that cover what its units respond to,
            where input-level maps follow edges and texture (Grad-CAM's choice, the last
            layer, is the extreme of that trade). The pixel loss then also trains the
            layers below, through the activations.

    Every layer's rule is looked up when the decoder is built, so that a rule at a layer
    it cannot decode fails at once, naming the layer.
    """

    def __init__(self, trace, weight, bias, composite='LRP0', dtype=None,
                 relevance_stage=None):
        if not trace.records or not isinstance(trace.records[0], TiedConv):
            raise ValueError('the tied decoder needs a convolution as the first layer')
        if relevance_stage is not None and not 0 <= relevance_stage < len(trace.stage_ends):
            raise ValueError(f'relevance_stage={relevance_stage}: the backbone has stages 0 to '
                             f'{len(trace.stage_ends) - 1}')
        self.trace = trace
        self.relevance_stage = relevance_stage
        self.dtype = dtype or trace.features.dtype
        self.composite = build_composite(composite)
        self.linear = PooledLinear(trace.features.mean(dim=(2, 3)), weight, bias)
        self.rules, self.states = {}, {}  # keyed by the layer (record) they belong to
        self.linear_rule = self.rule_at(Site('linear', None, False, False, 'classifier'))
        self.rules[self.linear] = self.linear_rule
        self.pool_rule = self.rule_at(Site('avgpool', None, False, False, 'global pooling'))
        self._assign(trace.records, trace.stage_of, False)

    def rule_at(self, site):
        """The composite's rule at ``site``, checked to decode its kind."""
        rule = self.composite.rule_for(site)
        if site.kind not in rule.sites:
            raise ValueError(f'{site.name}: {rule!r} does not decode {site.kind} layers')
        if rule.input_layer_only and not site.first:
            raise ValueError(f'{site.name}: {rule!r} is a rule for the input layer only')
        return rule

    def _assign(self, records, stage_of, in_branch):
        for position, record in enumerate(records):
            stage = stage_of(position)
            for inner in record.inner_records():
                self._assign(inner, lambda _, s=stage: s, True)
            if record.kind in SITE_KINDS:  # max-pools route the signal, whatever the rule
                first = record is self.trace.records[0]
                name = getattr(record, 'name', record.kind)
                self.rules[record] = self.rule_at(Site(record.kind, stage, first, in_branch,
                                                       name))

    @property
    def logits(self):
        """(B, K) class scores."""
        return self.linear.outputs

    def heatmaps(self, classes=None, class_chunk=None):
        """(B, k, H, W) heatmaps of ``classes`` (all by default), ``class_chunk`` at a time."""
        return torch.cat([heatmaps for _, heatmaps in self.heatmap_chunks(classes, class_chunk)],
                         dim=1)

    def heatmap_chunks(self, classes=None, class_chunk=None):
        """Yields (class ids, (B, c, H, W) heatmaps) ``class_chunk`` classes at a time, for
        callers that reduce over many classes without holding all heatmaps (explain.py)."""
        weight = self.linear.weight
        classes = torch.arange(weight.shape[0], device=weight.device) if classes is None \
            else torch.as_tensor(classes, device=weight.device)
        chunk = class_chunk or len(classes)
        for start in range(0, len(classes), chunk):
            yield classes[start:start + chunk].tolist(), self._heatmaps(classes[start:start + chunk])

    def _heatmaps(self, classes):
        features = self.trace.features
        batch, _, height, width = features.shape
        # relevance of a class at the logits: the logit itself (gradient form: one-hot)
        one_hot = F.one_hot(classes, self.linear.weight.shape[0]).to(features.dtype)
        signal = self.propagate(self.linear, one_hot.expand(batch, -1, -1))
        factor = self.pool_rule.factor(self.linear.inputs)
        if factor is not None:
            signal = signal * factor.unsqueeze(1)
        signal = (signal / (height * width)).to(self.dtype)[..., None, None].expand(
            -1, -1, -1, height, width)
        if self.relevance_stage is not None:
            return self._stage_relevance(signal)
        first, *rest = self.trace.records
        signal = self.decode(rest, signal)
        rule = self.rules[first]
        return rule.relevance(first, self.state(first, rule, signed=True), signal)

    def _stage_relevance(self, signal):
        """Relevance at the end of ``relevance_stage``, upsampled to the input's pixels."""
        trace = self.trace
        signal = self.decode(trace.records[trace.stage_ends[self.relevance_stage]:], signal)
        relevance = TiedConv.input_relevance(trace.stage_output(self.relevance_stage), signal)
        return upsample_relevance(relevance, trace.inputs.shape[-2:])

    def state(self, layer, rule, signed):
        """What ``rule`` computes per sample for ``layer``, once per trace."""
        if layer not in self.states:
            self.states[layer] = rule.prepare(layer, signed)
        return self.states[layer]

    def propagate(self, layer, signal):
        """``signal`` through a layer with weights (a convolution or the linear layer) by
        its rule."""
        rule = self.rules[layer]
        return rule.propagate(layer, self.state(layer, rule, signed=False), signal)

    def decode(self, records, signal):
        """The (B, K, C, h, w) signal at the output of ``records`` (layers of the trace, in
        forward order) taken to their input: each record's own decoder step
        (``record.decode(self, signal)``) with the rule the composite gave it."""
        for record in reversed(records):
            signal = record.decode(self, signal)
        return signal

