# Multi-task UNet (paper, Table 1): the ResNet50 UNet plus a GAP + linear classifier on the
# last encoder stage, trained like unrolled LRP (image-level BCE on every sample, weight 1,
# background excluded; segmentation loss on the pixel-labelled ones).
_base_ = ['./unet_r50.py']
model = dict(
    type='MultiTaskUNet',
    cls_head=dict(type='LinearClassifierHead', in_channels=2048, num_classes=21),
    cls_loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, loss_name='loss_cls'),
    cls_exclude_background=True)
