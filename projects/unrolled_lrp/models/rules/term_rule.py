"""Rules built from modified copies of a layer, in zennit's form.

A zennit ``BasicHook`` runs the layer on modified inputs with modified parameters
(``z_j = W_j x_j + b_j``), divides the output relevance by stabilised sums of those outputs
and sums the input relevance ``R_in = sum_j c_j x_j * W_j^T (m_g R_out / stab(D_g))``. In
the decoder's gradient form (``R_out = z * s``, ``z`` the layer's own output) each group ``g``
of terms becomes one per-sample factor ``f_g = m_g z / stab(D_g)``, computed once per trace,
and one transposed convolution of the class-batched signal ``f_g * s``. Behind a ReLU or a
pool the input is non-negative, so terms on its negative part vanish and the rest of a group
share one transposed convolution with the summed weight ``sum_j c_j W_j``.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from .base import LRPRule, stabilize

TERM_INPUTS = ('x', 'positive', 'negative', 'ones', 'low', 'high')


def unchanged(param):
    return param


def positive_part(param):
    return param.clamp(min=0)


def negative_part(param):
    return param.clamp(max=0)


@dataclass(frozen=True)
class Term:
    """One modified copy of the layer: ``inputs`` (one of :data:`TERM_INPUTS`), the weight
    and bias modifiers (``bias=None``: no bias), the ``group`` whose denominator it adds to
    with ``sign``, and its ``coefficient`` in the input relevance."""

    inputs: str = 'x'
    weight: Callable = unchanged
    bias: Optional[Callable] = unchanged
    group: int = 0
    sign: float = 1.0
    coefficient: float = 1.0

    def is_identity(self):
        return self.inputs == 'x' and self.weight is unchanged and self.bias is unchanged


class TermRule(LRPRule):
    """A rule given by :meth:`terms`; subclasses may mask a group (:meth:`group_mask`)."""

    sites = ('conv', 'linear')

    def __init__(self, stabilizer=1e-6):
        self.stabilizer = stabilizer

    def terms(self):
        raise NotImplementedError

    def group_mask(self, group, output):
        return None

    def term_input(self, name, inputs):
        if name == 'x':
            return inputs
        if name == 'positive':
            return inputs.clamp(min=0)
        if name == 'negative':
            return inputs.clamp(max=0)
        if name == 'ones':
            return torch.ones_like(inputs)
        raise ValueError(f'{type(self).__name__}: term input {name!r} is not known')

    def prepare(self, layer, signed):
        inputs, weight, bias = layer.inputs, layer.weight, layer.bias
        output = layer.outputs
        denominators, terms = {}, []
        for term in self.terms():
            if term.inputs == 'negative' and not signed:
                continue  # the negative part of a ReLU's output is zero
            term_inputs = self.term_input(term.inputs, inputs)
            term_weight = term.weight(weight)
            if term.is_identity():
                term_output = output
            else:
                term_bias = None if term.bias is None or bias is None else term.bias(bias)
                term_output = layer.forward(term_inputs, term_weight, term_bias)
            denominators[term.group] = denominators.get(term.group, 0) + term.sign * term_output
            terms.append((term, term_inputs, term_weight))
        factors = {}
        for group, denominator in denominators.items():
            factor = output / stabilize(denominator, self.stabilizer)
            mask = self.group_mask(group, output)
            factors[group] = factor if mask is None else factor * mask
        return [(factors[group], [(term, x, w) for term, x, w in terms if term.group == group])
                for group in sorted(factors)]

    def propagate(self, layer, state, signal):
        out = 0
        for factor, terms in state:
            weight = sum(term.coefficient * w for term, _, w in terms)
            out = out + layer.transpose(layer.multiply(signal, factor), weight)
        return out

    def relevance(self, layer, state, signal):
        heatmaps = 0
        for factor, terms in state:
            weight = torch.cat([term.coefficient * w for term, _, w in terms], dim=1)
            inputs = torch.cat([x for _, x, _ in terms], dim=1)
            decoded = layer.transpose(layer.multiply(signal, factor), weight)
            heatmaps = heatmaps + layer.input_relevance(inputs, decoded)
        return heatmaps
