# UNet in the few-label benchmark: the multi-task UNet's encoder and free decoder
# (mt_unet_r18_few_label.py) without the classifier branch, trained on the pixel-labelled images
# of the split alone (as configs/_base_/datasets/voc12_pixel_labelled.py does on VOC).
_base_ = ['./mt_unet_r18_few_label.py']
model = dict(
    _delete_=True,
    type='EncoderDecoder',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.model.decode_head}},
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(batch_sampler=None, dataset=dict(image_level_split=None))
evaluator = [dict(type='PresentClassIoUMetric', iou_metrics=['mIoU'])]
val_evaluator = evaluator
test_evaluator = evaluator
