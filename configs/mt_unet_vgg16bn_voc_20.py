# Multi-task UNet (paper, Table 1) on the VGG16-BN encoder: 20 pixel-labelled VOC 2012 images,
# image-level labels for the others. Encoder and classifier branch start from the VOC
# fine-tuned classifier (checkpoints/voc12_classifier_vgg16bn.pth).
_base_ = [
    './_base_/models/mt_unet_vgg16bn.py', './_base_/datasets/semi_voc12.py',
    './_base_/schedules/adamw_1e-5_40k.py', 'mmseg::_base_/default_runtime.py'
]
classifier = 'checkpoints/voc12_classifier_vgg16bn.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=classifier, prefix='backbone.')),
    cls_head=dict(
        init_cfg=dict(type='Pretrained', checkpoint=classifier, prefix='decode_head.')))
