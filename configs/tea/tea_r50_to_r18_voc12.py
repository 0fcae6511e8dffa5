# Training with explanations alone on PASCAL VOC 2012: a ResNet18 student (ImageNet weights)
# learns only from the LRP-epsilon heatmaps of a trained ResNet50 classifier over the 21 VOC
# outputs (background first). The teacher is a checkpoint of this project (an UnrolledLRP, e.g.
# trained with configs/_base_/models/unrolled_lrp_r50.py) or of an mmpretrain ImageClassifier with
# a ResNet50 backbone and a linear head over the same 21 outputs:
#   python tools/train.py configs/tea/tea_r50_to_r18_voc12.py \
#       --cfg-options model.teacher_checkpoint=TEACHER.pth
#   python tools/test.py configs/tea/tea_r50_to_r18_voc12.py \
#       work_dirs/tea_r50_to_r18_voc12/iter_20000.pth
# Training reads the images of the label split files only, never their labels.
_base_ = [
    '../_base_/datasets/semi_voc12.py', '../_base_/schedules/adamw_1e-5_20k.py',
    'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    type='HeatmapDistiller',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size={{_base_.crop_size}}),
    num_classes={{_base_.num_classes}},
    teacher=dict(
        backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                      style='pytorch', norm_cfg=norm_cfg),
        in_channels=2048),
    teacher_checkpoint='checkpoints/tea_teacher_r50_voc12.pth',
    student=dict(
        backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ),
                      style='pytorch', norm_cfg=norm_cfg, norm_eval=False,
                      init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
        in_channels=512),
    composite=dict(type='LRPEpsilon', epsilon=0.1),
    # not class-centred: a sigmoid (multi-label) decision changes when all logits shift alike
    loss_heatmap=dict(type='HeatmapMatchingLoss', criterion='mse'),
    multi_label=True)

# TEA needs no labels: every image of the split files, in plain random batches
train_dataloader = dict(batch_sampler=None)
optimizer = dict(_delete_=True, type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(optimizer=optimizer)
val_evaluator = dict(_delete_=True, type='MultiLabelF1Metric')
test_evaluator = val_evaluator
