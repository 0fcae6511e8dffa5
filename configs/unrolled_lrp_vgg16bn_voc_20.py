# Unrolled LRP-0 (paper, Table 1) on VGG16-BN: 20 pixel-labelled VOC 2012 images, image-level
# labels for the other training images. Starts from the VOC fine-tuned classifier (backbone and
# classifier rows), which configs/classifier/ and tools/model_converters/convert_classifier.py write to
# checkpoints/voc12_classifier_vgg16bn.pth.
_base_ = [
    './_base_/models/unrolled_lrp_vgg16bn.py', './_base_/datasets/semi_voc12.py',
    './_base_/schedules/adamw_1e-5_40k.py', './_base_/heatmap_runtime.py'
]
classifier = 'checkpoints/voc12_classifier_vgg16bn.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=classifier, prefix='backbone.')),
    decode_head=dict(
        init_cfg=dict(type='Pretrained', checkpoint=classifier, prefix='decode_head.')))
