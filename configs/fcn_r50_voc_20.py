# FCN (paper, Table 3): the UNet's free decoder (nearest upsampling, one branch) fed by the last
# encoder stage only, so without skip connections; segmentation loss only.
_base_ = ['./unet_r50_voc_20.py']
model = dict(decode_head=dict(in_channels=2048, in_index=3, input_transform=None))
