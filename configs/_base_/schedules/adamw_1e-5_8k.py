# Models trained on the pixel-labelled images alone (UNet, FCN). With the README's 4 GPUs x 10
# images, 8k iterations show about 320k samples, the reference's budget (about 30k iterations
# at batch 10 on one GPU for every split: e.g. 15,000 epochs of 20 images).
_base_ = ['./adamw_1e-5_20k.py']
train_cfg = dict(max_iters=8000)
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0, end=8000, by_epoch=False)]
