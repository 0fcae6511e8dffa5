# Training with explanations alone on the synthetic VOC, sized for a CPU: a ResNet18 student at
# 1/8 width learns only from the LRP-epsilon heatmaps of the unrolled-LRP teacher trained with
# configs/synthetic/unrolled_lrp_r18_synthetic.py (ResNet18 at 1/4 width, 21 classes). No label is
# read in training; the student's multi-label F1 is evaluated on the val list.
#   bash tools/run_synthetic_demo.sh   # both stages of the teacher
#   python tools/train.py configs/tea/tea_r18_synthetic.py
#   python tools/test.py configs/tea/tea_r18_synthetic.py work_dirs/tea_r18_synthetic/iter_300.pth
_base_ = [
    '../_base_/datasets/synthetic_voc.py', '../_base_/schedules/adamw_1e-5_20k.py',
    'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)
crop_size = (64, 64)
max_iters = 300
norm_cfg = dict(type='BN', requires_grad=True)
resnet18 = dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch',
                norm_cfg=norm_cfg, norm_eval=False)

model = dict(
    type='HeatmapDistiller',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=crop_size),
    num_classes={{_base_.num_classes}},
    teacher=dict(backbone=dict(resnet18, stem_channels=16, base_channels=16), in_channels=16 * 8),
    teacher_checkpoint='work_dirs/unrolled_lrp_r18_synthetic/iter_1500.pth',
    student=dict(backbone=dict(resnet18, stem_channels=8, base_channels=8), in_channels=8 * 8),
    composite=dict(type='LRPEpsilon', epsilon=0.1),
    # not class-centred: a sigmoid (multi-label) decision changes when all logits shift alike
    loss_heatmap=dict(type='HeatmapMatchingLoss', criterion='mse'),
    multi_label=True)

# TEA needs no labels: every image of the training lists, in plain random batches
train_dataloader = dict(batch_sampler=None)
optimizer = dict(_delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(optimizer=optimizer)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
auto_scale_lr = dict(base_batch_size={{_base_.train_batch_size}})
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=3))
val_evaluator = dict(_delete_=True, type='MultiLabelF1Metric')
test_evaluator = val_evaluator
randomness = dict(seed=0)
