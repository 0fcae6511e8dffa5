# Unrolled LRP on an ImageNet VGG16-BN (mmpretrain weights), GAP + linear over 21 VOC classes.
# The backbone returns all five stages, shared by every method of the grid (see the ResNet50 base).
_base_ = ['./unrolled_lrp_r50.py']
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.VGG', depth=16, num_classes=-1,
        out_indices=(0, 1, 2, 3, 4), norm_cfg={{_base_.norm_cfg}}, norm_eval=False,
        init_cfg=dict(
            type='Pretrained', prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/vgg/'
            'vgg16_bn_batch256_imagenet_20210208-7e55cd29.pth')),
    decode_head=dict(in_channels=512))
