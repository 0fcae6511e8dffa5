# Semi-supervised PASCAL VOC 2012: the images of `labeled.txt` train with their masks, the
# images of `image_level.txt` (every other VOC 2012 image outside the segmentation val list)
# with their image-level labels from Annotations/*.xml only. Write the split files with
#   python tools/dataset_converters/make_voc_splits.py data/VOCdevkit/VOC2012 --num-labeled 20 100 500 1464 \
#       --seed 0 --out-dir data/splits/voc12
# A derived config picks another split by overriding the two files:
#   split_dir = 'data/splits/voc12/100'
#   train_dataloader = dict(dataset=dict(labeled_split=split_dir + '/labeled.txt',
#                                        image_level_split=split_dir + '/image_level.txt'))
# custom_imports come with the model bases: bases listed side by side must not share keys.
dataset_type = 'SemiSupervisedVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
split_dir = 'data/splits/voc12/20'
num_classes = 21
crop_size = (256, 256)
img_scale = (1024, 256)  # short side 256 at ratio 1, as the reference's 256 px inputs
train_batch_size = 10  # per GPU
labeled_ratio = 0.5  # share of pixel-labelled samples in every batch

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadOptionalSegAnnotations'),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='MaskAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputsWithImageLabels', num_classes=num_classes),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputsWithImageLabels', num_classes=num_classes),
]
train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='LabeledRatioBatchSampler', labeled_ratio=labeled_ratio),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        labeled_split=split_dir + '/labeled.txt',
        image_level_split=split_dir + '/image_level.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        labeled_split=data_root + '/ImageSets/Segmentation/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
