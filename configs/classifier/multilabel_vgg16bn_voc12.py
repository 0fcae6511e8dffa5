# Pre-training of the VGG16-BN classifier: the ImageNet VGG16-BN of mmpretrain (its feature
# extractor; GAP + linear layer over the 20 VOC classes instead of its fully connected layers),
# fine-tuned as the ResNet50 one. Convert its last checkpoint with
#   python tools/model_converters/convert_classifier.py work_dirs/multilabel_vgg16bn_voc12/epoch_10.pth \
#       checkpoints/voc12_classifier_vgg16bn.pth
_base_ = ['./multilabel_r50_voc12.py']
model = dict(
    backbone=dict(
        _delete_=True, type='VGG', depth=16, num_classes=-1, out_indices=(4, ),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(
            type='Pretrained', prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/vgg/'
            'vgg16_bn_batch256_imagenet_20210208-7e55cd29.pth')),
    head=dict(in_channels=512))
