"""What an LRP rule is to the tied decoder.

zennit separates *what* rule (``rules``), *where* it applies (``composites``) and *how* it is
attributed (the attributor); so does this package: a rule is the math of one layer, a
composite (:mod:`.layer_map_composite`) picks a rule for each layer, and the tied decoder
(:class:`unrolled_lrp.models.unroll.TiedDecoder`) runs them for all classes at once.

The decoder carries relevance in *gradient form*: at a tensor ``x`` of the encoder its signal
``s`` holds the relevance ``R = x * s`` (summed over channels at the input image, this is the
heatmap; for LRP-0 ``s`` is the gradient of the class logit). A rule says how ``s`` passes one
kind of layer (``sites``):

* ``'conv'``, ``'linear'`` (a convolution with its BatchNorm merged, the classifier's linear
  layer): :meth:`prepare` computes what the rule needs per sample (modified forward passes,
  stabilised denominators) once per trace; :meth:`propagate` maps the signal at the layer's
  output to its input for all classes; at the first convolution :meth:`relevance` gives the
  heatmap instead, so that rules for the input layer (flat, w², z^B) need no gradient form;
* ``'sum'``, ``'avgpool'`` (residual sums, global average pooling: linear layers without
  weights): :meth:`factor` of the layer's output, by which the signal is multiplied;
* ``'activation'`` (a ReLU): :meth:`gate`.
"""
import torch


def stabilize(x, epsilon):
    """zennit's stabilised denominator ``x + epsilon * sign(x)``, with sign(0) = +1."""
    return x + epsilon * torch.where(x >= 0, 1.0, -1.0).to(x)


class LRPRule:
    """Base class of the decoder's rules; see the module doc for the interface."""

    sites = ()
    input_layer_only = False  # rules that ignore the input's values (flat, w², z^B)

    def prepare(self, layer, signed):
        """Per-sample state for :meth:`propagate` / :meth:`relevance`; ``signed``: the
        layer's input may be negative (the first layer), else it is a ReLU's or pool's."""
        return None

    def propagate(self, layer, state, signal):
        raise NotImplementedError

    def relevance(self, layer, state, signal):
        raise NotImplementedError

    def factor(self, output):
        """Per-sample factor for the signal of a weightless layer, or ``None`` for 1."""
        raise NotImplementedError

    def gate(self, layer, signal):
        """The signal below a ReLU ``layer`` (its output: ``layer.activation``)."""
        raise NotImplementedError

    def __repr__(self):
        args = ', '.join(f'{key}={value!r}' for key, value in vars(self).items())
        return f'{type(self).__name__}({args})'
