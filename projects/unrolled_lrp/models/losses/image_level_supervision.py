"""Image-level supervision for models that also classify (unrolled LRP, multi-task UNet): a
layer below the heads and the segmentors, which both read labels here.

Semi-supervised batches mix samples with a mask and samples with image-level labels only.
Every sample trains the classifier (multi-label sigmoid loss on ``gt_image_labels``); only the
masked ones train the decoder. These pieces are shared so that the methods compared in the
paper's tables select samples, read labels and weigh the classification loss identically.
"""
import torch
from mmseg.registry import MODELS
from torch import nn

from ...datasets.image_labels import describe_sample, mask_classes, sample_image_labels


def check_mask(data_sample, image_size, num_classes, ignore_index):
    """Raise, naming the image, if a mask does not fit its image or holds unknown labels."""
    mask = data_sample.gt_sem_seg.data
    source = describe_sample(data_sample)
    if tuple(mask.shape[-2:]) != tuple(image_size):
        raise ValueError(f'{source}: mask size {tuple(mask.shape[-2:])} '
                         f'differs from its image size {tuple(image_size)}')
    mask_classes(mask, num_classes, ignore_index, source)


def pixel_labelled(data_samples, image_size, num_classes, ignore_index):
    """Indices of the samples that carry a mask (each mask checked against its image)."""
    masked = [i for i, sample in enumerate(data_samples) if 'gt_sem_seg' in sample]
    for i in masked:
        check_mask(data_samples[i], image_size, num_classes, ignore_index)
    return masked


def batch_image_labels(data_samples, num_classes, ignore_index):
    """(B, num_classes) image-level labels of a batch: ``gt_image_labels``, else the mask's."""
    return torch.stack([sample_image_labels(sample, num_classes, ignore_index).cpu()
                        for sample in data_samples])


class ImageLevelLoss(nn.Module):
    """Multi-label loss of class logits (B, K) against image-level labels (B, K).

    Args:
        loss (dict, optional): Config of a sigmoid loss on logits; its ``loss_name`` is the
            key of the returned dict. Default: sigmoid BCE, weight 1, ``loss_cls`` (the
            paper gives classification and segmentation loss equal weight).
        exclude_background (bool): Leave class 0 (background) out: nearly every image
            contains background, and XML annotations cannot say whether it is visible.
    """

    def __init__(self, loss=None, exclude_background=True):
        super().__init__()
        self.loss = MODELS.build(loss or dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, loss_name='loss_cls'))
        self.exclude_background = exclude_background

    @property
    def loss_name(self):
        return self.loss.loss_name

    def forward(self, logits, labels):
        first = 1 if self.exclude_background else 0
        return {self.loss_name: self.loss(logits[:, first:], labels[:, first:].to(logits))}
