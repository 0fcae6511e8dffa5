# Unrolled LRP-0 in the few-label benchmark (tools/benchmarks/few_label_benchmark.py): the main job's stage 2
# (configs/synthetic/unrolled_lrp_r18_synthetic.py, same model and schedule) on the few-label
# scenes, starting from the few-label classifier (classifier_r18_few_label.py, converted by
# tools/model_converters/convert_classifier.py). Pixel loss on the masks of the split, classification loss on
# every sample. tools/benchmarks/few_label_benchmark.py writes one config per run from this one, with its
# split (6, 12, 30 masks: 1, 2, 5 per class), seed and schedule; by hand:
#   --cfg-options train_dataloader.dataset.labeled_split=data/few_label_voc/splits/12/labeled.txt
#                 train_dataloader.dataset.image_level_split=data/few_label_voc/splits/12/image_level.txt
_base_ = ['../synthetic/unrolled_lrp_r18_synthetic.py']
data_root = 'data/few_label_voc'
split_dir = 'data/few_label_voc/splits/6'
classifier = 'work_dirs/few_label_benchmark/classifier/classifier.pth'
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=classifier)),
    decode_head=dict(init_cfg=dict(checkpoint=classifier)))
# the main job's augmentation without the hue shift: a look is partly a hue, and
# PhotoMetricDistortion's default +-18 (of 180, 36 degrees) would turn one look into another
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadOptionalSegAnnotations'),
    dict(type='RandomResize', scale={{_base_.img_scale}}, ratio_range=(0.75, 1.25),
         keep_ratio=True),
    dict(type='MaskAwareRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion', hue_delta=1),  # 0 is refused; 1 of 180 is 2 degrees
    dict(type='PackSegInputsWithImageLabels', num_classes={{_base_.num_classes}}),
]
train_dataloader = dict(dataset=dict(
    data_root=data_root, labeled_split=split_dir + '/labeled.txt',
    image_level_split=split_dir + '/image_level.txt', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_root=data_root, labeled_split=data_root + '/ImageSets/Segmentation/val.txt'))
test_dataloader = val_dataloader
custom_hooks = []
