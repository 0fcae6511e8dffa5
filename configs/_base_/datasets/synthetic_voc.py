# The synthetic VOC tree (small textured scenes, four classes) for smoke runs on a CPU:
#   python tools/dataset_converters/make_synthetic_voc.py data/synthetic_voc --num-images 60 --seed 0
#   python tools/dataset_converters/make_voc_splits.py data/synthetic_voc --num-labeled 10 --seed 0 \
#       --out-dir data/synthetic_voc/splits
# Same structure as semi_voc12.py; override the split files the same way.
_base_ = ['./semi_voc12.py']

data_root = 'data/synthetic_voc'
split_dir = 'data/synthetic_voc/splits/10'
crop_size = (64, 64)
img_scale = (192, 96)  # the generator's default 96 px images keep their size at ratio 1
train_batch_size = 4

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadOptionalSegAnnotations'),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='MaskAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputsWithImageLabels', num_classes={{_base_.num_classes}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputsWithImageLabels', num_classes={{_base_.num_classes}}),
]
train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        labeled_split=split_dir + '/labeled.txt',
        image_level_split=split_dir + '/image_level.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        labeled_split=data_root + '/ImageSets/Segmentation/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
