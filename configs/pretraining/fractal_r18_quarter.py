# Pretraining of the benchmark's CPU ResNet18 (quarter width: stages of 16, 32, 64, 128 channels)
# on the fractal corpus (unrolled_lrp.datasets.pretraining: 100 IFS classes drawn as silhouettes
# in random colours, surfaces and clutter, made on the fly; no class or generator of the
# benchmark's scenes): the CPU analogue of the ImageNet weights the paper's classifier starts
# from. The few-label benchmark's stage 1 fine-tunes it on a benchmark's image labels
# (tools/benchmarks/few_label_benchmark.py --pretrained checkpoints/fractal_r18_quarter-*.pth),
# and every method of the benchmark starts from that classifier. The model zoo's checkpoint
# (configs/metafile.yaml; 93.1% top-1 on 2,000 held-out images, 46 minutes on two CPU cores
# shared with other runs) was made by:
#   python tools/train.py configs/pretraining/fractal_r18_quarter.py --work-dir work_dirs/pretraining
#   python tools/misc/publish_model.py work_dirs/pretraining/iter_10000.pth checkpoints/fractal_r18_quarter.pth
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)

num_classes = 100  # IFS classes
image_size = 64
base_channels = 16
max_iters = 10000
batch_size = 64

model = dict(
    type='ImageClassifier',
    # (pixel + 1) / 256, the input convention of every model of the project
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=num_classes, mean=[-1.0, -1.0, -1.0],
        std=[256.0, 256.0, 256.0], to_rgb=True),
    backbone=dict(
        type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch',
        stem_channels=base_channels, base_channels=base_channels,
        norm_cfg=dict(type='BN', requires_grad=True)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead', num_classes=num_classes, in_channels=base_channels * 8,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))

corpus = dict(type='FractalClassification', num_classes=num_classes, image_size=image_size,
              seed=0)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(corpus, num_images=max_iters * batch_size,
                 pipeline=[dict(type='PackInputs')]))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    # the same classes, images never trained on
    dataset=dict(corpus, num_images=2000, first_index=10**9, test_mode=True,
                 pipeline=[dict(type='PackInputs')]))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-3, betas=(0.9, 0.999), weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=300, by_epoch=False),
    dict(type='CosineAnnealingLR', eta_min=1e-5, begin=300, end=max_iters, by_epoch=False)
]
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters // 4)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=200, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters // 4,
                    max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
