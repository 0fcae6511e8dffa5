# Stage 1 of the few-label benchmark (tools/benchmarks/few_label_benchmark.py): the CPU ResNet18 classifier
# of the main job's stage 1, on the benchmark's scenes, trained on the image-level labels of
# every image outside the segmentation val list. Every method of the benchmark starts from its
# converted checkpoint. 6,000 iterations: on the looks scenes (3,520 training images) the val F1
# rose 57.7 / 73.5 / 92.1 / 97.0 at 1,000-4,000 iterations and stayed at 96.3-98.2 from there
# to 8,000. Data (the benchmark writes its own):
#   python tools/dataset_converters/make_synthetic_voc.py data/few_label_voc --style looks --looks-per-class 3 \
#       --num-images 4000 --val-fraction 0.12 --image-level-fraction 0.76 --seed 0
_base_ = ['../synthetic/classifier_r18_synthetic.py']
data_root = 'data/few_label_voc'
crop_size = 96
max_iters = 6000

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(96, 96), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, pad_if_needed=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.25, contrast=0.25, saturation=0.25),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
