_base_ = ['./unet_r50_voc_20.py']
split_dir = 'data/splits/voc12/100'
train_dataloader = dict(dataset=dict(labeled_split=split_dir + '/labeled.txt'))
