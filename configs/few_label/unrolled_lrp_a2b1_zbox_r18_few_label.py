# The texture-ceiling lever "the input layer's rule" (docs/unrolled_lrp_study.md): the
# EpsilonAlpha2Beta1Flat composite with z^B instead of flat at the first convolution. Flat
# spreads the second layer's relevance evenly over each receptive field (blobs with soft
# edges); z^B weighs it by the input's distance to the input's bounds, so the edges follow
# the image. The bounds are those of the benchmark's input convention: (pixel + 1) / 256 in
# [1/256, 1] (the data preprocessor's mean -1, std 256).
_base_ = ['./unrolled_lrp_a2b1_r18_few_label.py']
model = dict(decode_head=dict(composite=dict(layer_map=[
    dict(rule=dict(type='ZBox', low=1 / 256, high=1.0), kinds=('conv', ), first=True)])))
