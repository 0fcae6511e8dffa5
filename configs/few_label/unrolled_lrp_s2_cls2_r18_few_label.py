# unrolled_lrp_s2_r18_few_label.py with the classification loss weighted 2 (cls_loss.loss_weight):
# the F1 lever of the shapes study (docs/unrolled_lrp_study.md), for the classifier to keep its
# F1 in stage 2 where one mask per class pulls it down.
_base_ = ['./unrolled_lrp_s2_r18_few_label.py']
model = dict(cls_loss=dict(loss_weight=2.0))
