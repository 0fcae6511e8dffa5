# Unrolled LRP-epsilon in the few-label benchmark: the gates a / (a + eps) of the VOC grid's
# configs/lrp_eps_r50_voc_20.py, on unrolled_lrp_r18_few_label.py.
_base_ = ['./unrolled_lrp_r18_few_label.py']
model = dict(decode_head=dict(composite=dict(type='LRPEpsilon', epsilon=0.25)))
