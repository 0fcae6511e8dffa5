# Semi-supervised models (unrolled LRP, WS-AE, LRP-epsilon, multi-task UNet). With the README's
# 4 GPUs x 10 images, 40k iterations are about 100 passes over the 15,676 VOC 2012 training
# images, the reference's length (100 epochs at batch 10 on one GPU).
_base_ = ['./adamw_1e-5_20k.py']
train_cfg = dict(max_iters=40000)
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0, end=40000, by_epoch=False)]
