# UNet (paper, Table 1) on the VGG16-BN encoder: 20 pixel-labelled VOC 2012 images, segmentation
# loss only. The encoder starts from the VOC fine-tuned classifier
# (checkpoints/voc12_classifier_vgg16bn.pth).
_base_ = [
    './_base_/models/unet_vgg16bn.py', './_base_/datasets/voc12_pixel_labelled.py',
    './_base_/schedules/adamw_1e-5_8k.py', 'mmseg::_base_/default_runtime.py'
]
classifier = 'checkpoints/voc12_classifier_vgg16bn.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=classifier, prefix='backbone.')))
