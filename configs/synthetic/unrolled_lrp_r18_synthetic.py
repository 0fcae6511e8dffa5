# Unrolled LRP on the synthetic VOC, sized for a CPU: a ResNet18 at quarter width trained from
# scratch (no ImageNet weights to download) with plain BatchNorm on 64 px crops, 300 iterations
# (under a minute on two idle cores). tools/run_synthetic_demo.sh and the workflow tests run it.
# Data (the demo writes it):
#   python tools/make_synthetic_voc.py data/synthetic_voc --num-images 240 --seed 0
#   python tools/make_voc_splits.py data/synthetic_voc --num-labeled 10 --seed 0 \
#       --out-dir data/synthetic_voc/splits
_base_ = [
    '../_base_/models/unrolled_lrp_r50.py', '../_base_/datasets/synthetic_voc.py',
    '../_base_/schedules/adamw_1e-5_20k.py', '../_base_/heatmap_runtime.py'
]
crop_size = (64, 64)
base_channels = 16  # stages of 16, 32, 64, 128 channels
max_iters = 300
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        depth=18, stem_channels=base_channels, base_channels=base_channels, norm_cfg=norm_cfg,
        init_cfg=None),
    # A heatmap pixel carries about logit / pixels of relevance, so with equal weights the
    # segmentation loss sends 1/30 to 1/300 of the classification loss's gradient into the
    # shared weights (measured on this model); weighting it up gives it a say within a short
    # schedule. The VOC configs start from a fine-tuned classifier with the paper's weights.
    decode_head=dict(
        in_channels=base_channels * 8, loss_decode=dict(loss_weight=100.0)))

# from scratch a higher rate than the fine-tuning rate 1e-5 of the VOC configs
optimizer = dict(_delete_=True, type='AdamW', lr=3e-3, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
auto_scale_lr = dict(base_batch_size={{_base_.train_batch_size}})
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=3))
# heatmaps of three val images at the start and every 100 iterations (<work_dir>/heatmap_evolution)
custom_hooks = [dict(type='HeatmapEvolutionHook', indices=(0, 1, 2), interval=100)]

evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']), dict(type='MultiLabelF1Metric')]
val_evaluator = evaluator
test_evaluator = evaluator
randomness = dict(seed=0)
