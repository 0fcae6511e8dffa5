# FCN in the few-label benchmark: the UNet's free decoder fed by the last encoder stage only
# (no skip connections), segmentation loss only (configs/fcn_r50_voc_20.py), on
# unet_r18_few_label.py.
_base_ = ['./unet_r18_few_label.py']
model = dict(decode_head=dict(in_channels=128, in_index=3, input_transform=None))
