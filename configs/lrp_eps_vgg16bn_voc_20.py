# Unrolled LRP-epsilon: the decoder's gates become a / (a + eps), so the heatmap loss also
# trains the encoder (paper, Sec. 2.4). eps = 0.25, the scale Montavon et al. (2019) suggest
# for LRP-epsilon relative to unit-variance activations (BatchNorm outputs here).
_base_ = ['./unrolled_lrp_vgg16bn_voc_20.py']
model = dict(decode_head=dict(composite=dict(type='LRPEpsilon', epsilon=0.25)))
