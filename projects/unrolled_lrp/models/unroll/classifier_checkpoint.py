"""Loads a trained classifier of this project or of mmpretrain into an UnrolledClassifier:
the one place where their checkpoint layouts are mapped.

Both store the backbone under ``backbone.``; the linear classifier is the 1x1 convolution
``decode_head.conv_seg`` of an :class:`UnrolledLRP` (weight (K, C, 1, 1)) or the ``head.fc``
linear layer of an mmpretrain ``ImageClassifier`` (weight (K, C)).
"""
import torch

from ...utils.checkpoint_fit import read_state_dict

CLASSIFIER_PREFIXES = (('decode_head.conv_seg.', 'UnrolledLRP'),
                       ('head.fc.', 'mmpretrain ImageClassifier'))


def _classifier_prefix(state, path):
    for prefix, kind in CLASSIFIER_PREFIXES:
        if prefix + 'weight' in state:
            return prefix, kind
    expected = ' or '.join(f'{prefix}weight ({kind})' for prefix, kind in CLASSIFIER_PREFIXES)
    raise ValueError(f'{path}: no linear classifier in the checkpoint: expected {expected}')


@torch.no_grad()
def load_classifier_checkpoint(classifier, path):
    """Copies backbone and linear classifier weights of ``path`` into ``classifier``."""
    state = read_state_dict(path)
    prefix, kind = _classifier_prefix(state, path)
    backbone = {key[len('backbone.'):]: value for key, value in state.items()
                if key.startswith('backbone.')}
    try:
        classifier.backbone.load_state_dict(backbone)
    except RuntimeError as error:
        raise ValueError(f'{path}: the backbone of this {kind} checkpoint does not fit the '
                         f'configured backbone: {error}') from error
    weight = state[prefix + 'weight'].flatten(1)
    if weight.shape != classifier.weight.shape:
        raise ValueError(f'{path}: classifier {prefix}weight has (classes, channels) = '
                         f'{tuple(weight.shape)}, the configured classifier '
                         f'{tuple(classifier.weight.shape)}')
    classifier.fc.weight.copy_(weight.view_as(classifier.fc.weight))
    bias = state.get(prefix + 'bias')
    classifier.fc.bias.copy_(bias if bias is not None else torch.zeros_like(classifier.fc.bias))
