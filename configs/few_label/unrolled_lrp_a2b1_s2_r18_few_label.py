# EpsilonAlpha2Beta1Flat (alpha 2 beta 1 at the convolutions, epsilon at the linear layer) with
# the relevance read at the end of stage 2 (unrolled_lrp_s2_r18_few_label.py): the convolutions
# below it are not decoded, so the composite's flat input rule does not apply.
_base_ = ['./unrolled_lrp_a2b1_r18_few_label.py']
model = dict(decode_head=dict(relevance_stage=2))
