# Multi-task UNet in the few-label benchmark: the CPU ResNet18 encoder with the UNet's free
# decoder (configs/_base_/models/unet_r50.py at the encoder's widths) and a GAP + linear
# classifier on the last stage, trained like unrolled LRP (same data, batches, schedule:
# unrolled_lrp_r18_few_label.py) but at lr 3e-3: the free decoder starts from random weights, and
# at the unrolled model's 1e-3 the UNet on all 192 masks reached 26.6 present-class mIoU in
# 1,500 iterations instead of 93.3 (first version of the scenes). Encoder and classifier
# start from the same stage-1 classifier.
_base_ = ['./unrolled_lrp_r18_few_label.py']
model = dict(
    _delete_=True,
    type='MultiTaskUNet',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head=dict(
        type='FreeDecoderHead', in_channels=[16, 32, 64, 128], in_index=[0, 1, 2, 3],
        input_transform='multiple_select', decoder_channels=(128, 64, 32, 16, 16),
        num_classes=21, norm_cfg={{_base_.norm_cfg}}, dropout_ratio=0, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    cls_head=dict(
        type='LinearClassifierHead', in_channels=128, num_classes=21,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.classifier}},
                      prefix='decode_head.')),
    cls_loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0, loss_name='loss_cls'),
    cls_exclude_background=True,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(optimizer=dict(lr=3e-3))
