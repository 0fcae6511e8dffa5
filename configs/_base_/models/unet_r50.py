# UNet baseline (paper, Table 1) on the unrolled model's ResNet50 encoder (the same backbone
# config): a free decoder with nearest upsampling and concatenated skips of all four stages
# (FreeDecoderHead), one branch for all classes, segmentation loss only.
_base_ = ['./unrolled_lrp_r50.py']
model = dict(
    _delete_=True,
    type='EncoderDecoder',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head=dict(
        type='FreeDecoderHead', in_channels=[256, 512, 1024, 2048], in_index=[0, 1, 2, 3],
        input_transform='multiple_select', decoder_channels=(256, 128, 64, 32, 16),
        num_classes=21, norm_cfg={{_base_.norm_cfg}}, dropout_ratio=0, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
