# Pre-training of the classifiers (paper, Sec. 3: "ImageNet pre-trained and PASCAL fine-tuned"):
# the ImageNet ResNet50 (torchvision weights) with global average pooling and a linear layer over
# the 20 VOC classes, fine-tuned with sigmoid BCE on VOC 2012 multi-label classification.
# Trains on every VOC 2012 image outside the segmentation val list (labeled.txt + image_level.txt
# of a split written by tools/dataset_converters/make_voc_splits.py: 15,676 images), validates on the 1,449
# segmentation val images; reports precision, recall and F1 (macro and micro, threshold 0.5)
# and mAP. The segmentors of the grid start from its last checkpoint, converted with
#   python tools/model_converters/convert_classifier.py work_dirs/multilabel_r50_voc12/epoch_10.pth \
#       checkpoints/voc12_classifier_r50.pth
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)

data_root = 'data/VOCdevkit/VOC2012'
split_dir = '../../splits/voc12/1464'  # relative to data_root: mmpretrain's VOC joins them
num_classes = 20
crop_size = 256
batch_size = 10  # per GPU, as the segmentors

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=num_classes, mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], to_rgb=True, to_onehot=True),
    backbone=dict(
        type='ResNet', depth=50, num_stages=4, out_indices=(3, ), style='pytorch',
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead', num_classes=num_classes, in_channels=2048,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))

# the segmentors' augmentation in classifier form: a random square of the short side at 256 px
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.DifficultObjectsAsPositive'),
    dict(type='ResizeEdge', scale=crop_size, edge='short'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.DifficultObjectsAsPositive'),
    dict(type='ResizeEdge', scale=crop_size, edge='short'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackInputs'),
]
voc = dict(type='CheckedVOC', data_root=data_root, split='')
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(voc, image_set_path=split_dir + '/labeled.txt', pipeline=train_pipeline),
            dict(voc, image_set_path=split_dir + '/image_level.txt', pipeline=train_pipeline),
        ]))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        voc, image_set_path='ImageSets/Segmentation/val.txt', test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='MultiLabelMetric', thr=0.5),
    dict(type='MultiLabelMetric', thr=0.5, average='micro'),
    dict(type='AveragePrecision'),
]
test_evaluator = val_evaluator

# the segmentors' optimisation: AdamW, lr 1e-5 for a batch of 10, constant; 10 epochs (the
# reference's pre-trained classifiers are named "<backbone>_10_pre_train_21")
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, betas=(0.9, 0.999), weight_decay=0.01))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(enable=True, base_batch_size=10)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
