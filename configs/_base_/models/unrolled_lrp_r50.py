# Unrolled LRP on an ImageNet ResNet50 (torchvision weights), GAP + linear over 21 VOC classes.
# The backbone returns all four stages so that every method of the grid (unrolled LRP, WS-AE,
# UNet, multi-task UNet, FCN) uses this very encoder config; the tied decoder reads the last.
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(256, 256))
model = dict(
    type='UnrolledLRP',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet', depth=50, num_stages=4, out_indices=(0, 1, 2, 3), norm_cfg=norm_cfg,
        norm_eval=False, style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        type='TiedHeavisideHead', in_channels=2048, num_classes=21, composite=dict(type='LRP0'),
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    cls_loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, loss_name='loss_cls'),
    cls_exclude_background=True,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
