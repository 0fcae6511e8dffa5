_base_ = ['./unrolled_lrp_r50_voc_20.py']
split_dir = 'data/splits/voc12/500'
train_dataloader = dict(
    dataset=dict(labeled_split=split_dir + '/labeled.txt',
                 image_level_split=split_dir + '/image_level.txt'))
