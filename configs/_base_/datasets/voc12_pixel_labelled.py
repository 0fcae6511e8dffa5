# The pixel-labelled VOC 2012 images of a split alone, for the baselines trained with the
# segmentation loss only (UNet, FCN): as the reference, every batch holds masked images.
# A derived config picks another split by overriding labeled_split (see semi_voc12.py).
_base_ = ['./semi_voc12.py']
train_dataloader = dict(batch_sampler=None, dataset=dict(image_level_split=None))
