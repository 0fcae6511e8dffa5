# Multi-task UNet on VGG16-BN: the VGG16-BN UNet plus a GAP + linear classifier branch.
_base_ = ['./unet_vgg16bn.py']
model = dict(
    type='MultiTaskUNet',
    cls_head=dict(type='LinearClassifierHead', in_channels=512, num_classes=21),
    cls_loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, loss_name='loss_cls'),
    cls_exclude_background=True)
