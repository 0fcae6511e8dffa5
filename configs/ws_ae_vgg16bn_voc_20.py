# WS-AE (paper, Table 3): unrolled LRP with standard ReLUs on the decoder signal in place of the
# tied Heavisides (tied weights and unpooling kept), trained with both losses.
_base_ = ['./unrolled_lrp_vgg16bn_voc_20.py']
model = dict(decode_head=dict(composite=dict(type='WSAE')))
