# Stage 1 of the main job (paper, Sec. 3: the classifier is trained before it is unrolled):
# the CPU ResNet18 (quarter width, from scratch) with global average pooling and a linear layer
# over the 20 VOC classes, trained with sigmoid BCE on the image-level labels of every
# synthetic image outside the segmentation val list (ImageSets/Main/train.txt: the masked
# images count with their XML labels only), validated on the val images after training with
# precision, recall and F1 (macro, threshold 0.5). tools/run_synthetic_demo.sh converts its
# last checkpoint for stage 2 (configs/synthetic/unrolled_lrp_r18_synthetic.py):
#   python tools/model_converters/convert_classifier.py work_dirs/classifier_r18_synthetic/iter_1500.pth \
#       work_dirs/classifier_r18_synthetic/classifier.pth
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)

data_root = 'data/synthetic_voc'
num_classes = 20
crop_size = 64
base_channels = 16  # as the segmentor: stages of 16, 32, 64, 128 channels
max_iters = 1500
batch_size = 16

model = dict(
    type='ImageClassifier',
    # (pixel + 1) / 256, the segmentor's input convention (see its config)
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=num_classes, mean=[-1.0, -1.0, -1.0],
        std=[256.0, 256.0, 256.0], to_rgb=True, to_onehot=True),
    backbone=dict(
        type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch',
        stem_channels=base_channels, base_channels=base_channels,
        norm_cfg=dict(type='BN', requires_grad=True)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead', num_classes=num_classes, in_channels=base_channels * 8,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))

# the segmentor's augmentation in classifier form: rescale the 96 px image by 0.75-1.25, crop
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(96, 96), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, pad_if_needed=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.25, contrast=0.25, saturation=0.25),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
voc = dict(type='CheckedVOC', data_root=data_root, split='')
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(voc, image_set_path='ImageSets/Main/train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        voc, image_set_path='ImageSets/Segmentation/val.txt', test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# micro average: the macro one would average in the 16 VOC classes this data never holds
val_evaluator = [dict(type='MultiLabelMetric', thr=0.5, average='micro')]
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-3, betas=(0.9, 0.999), weight_decay=0.01))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=1))
randomness = dict(seed=0)
