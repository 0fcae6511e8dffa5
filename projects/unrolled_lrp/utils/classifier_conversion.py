"""A VOC multi-label classifier (mmpretrain checkpoint) as the segmentors' starting point.

``backbone.*`` unchanged; the linear layer ``head.fc`` as the unrolled model's 1x1 classifier
``decode_head.conv_seg`` (K, C, 1, 1) over the K segmentation classes, index 0 = background.
A classifier over the K-1 object classes has no background row: it becomes the negative mean
of the class rows (bias likewise), so the background logit is minus the mean class logit and
the background heatmap of the linear LRP-0 decoder minus the mean class heatmap (a zero row
would never train in WS-AE, whose ReLUs pass no gradient at zero). ``tools/model_converters/
convert_classifier.py`` writes the result (:func:`convert_file`).
"""
import torch

from .checkpoint_fit import read_state_dict
from .safe_output import atomic_torch_save, refuse_same_file

HEAD_KEY = 'head.fc'
TARGET_KEY = 'decode_head.conv_seg'
BACKGROUND_ROW = 'negative mean of the class rows'


class ConversionError(ValueError):
    """A checkpoint that is not a GAP + linear multi-label classifier of the expected size."""


def classifier_rows(weight, bias, num_classes, source):
    """(K, C) weight and (K,) bias over the segmentation classes, background first."""
    rows = weight.shape[0]
    if bias is None:
        bias = weight.new_zeros(rows)
    if rows == num_classes:
        return weight, bias
    if rows == num_classes - 1:
        return (torch.cat([-weight.mean(0, keepdim=True), weight]),
                torch.cat([-bias.mean(0, keepdim=True), bias]))
    raise ConversionError(f'{source}: {HEAD_KEY}.weight has {rows} rows; expected '
                          f'{num_classes - 1} (object classes) or {num_classes} '
                          '(background first) for --num-classes ' + str(num_classes))


def convert(state_dict, num_classes, source='checkpoint'):
    """The segmentors' state dict: ``backbone.*`` and the classifier as ``decode_head.conv_seg``."""
    backbone = {key: value for key, value in state_dict.items() if key.startswith('backbone.')}
    if not backbone:
        raise ConversionError(f'{source}: no backbone.* parameters (keys start with '
                              f'{sorted({key.split(".")[0] for key in state_dict})})')
    weight = state_dict.get(f'{HEAD_KEY}.weight')
    if weight is None or weight.dim() != 2:
        heads = sorted(key for key in state_dict if key.startswith('head.'))
        raise ConversionError(f'{source}: no linear classifier {HEAD_KEY}.weight (C_out, C_in); '
                              f'its head has {heads or "no parameters"}. Expected an mmpretrain '
                              'ImageClassifier with a (MultiLabel)LinearClsHead')
    weight, bias = classifier_rows(weight, state_dict.get(f'{HEAD_KEY}.bias'), num_classes,
                                   source)
    return dict(backbone, **{f'{TARGET_KEY}.weight': weight[:, :, None, None].clone(),
                             f'{TARGET_KEY}.bias': bias.clone()})


def convert_file(in_file, out_file, num_classes=21):
    """Reads a classifier checkpoint and writes the converted one (whole or not at all: a
    stage-2 run never starts from half a file); returns a one-line summary."""
    refuse_same_file(in_file, out_file, 'converted checkpoint')
    state_dict = convert(read_state_dict(in_file), num_classes, in_file)
    meta = dict(converted_from=str(in_file), num_classes=num_classes,
                background_row=BACKGROUND_ROW)
    atomic_torch_save(dict(state_dict=state_dict, meta=meta), out_file)
    return (f'{out_file}: {sum(key.startswith("backbone.") for key in state_dict)} backbone '
            f'tensors and {TARGET_KEY} {tuple(state_dict[TARGET_KEY + ".weight"].shape)}')
