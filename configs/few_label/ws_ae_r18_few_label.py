# WS-AE in the few-label benchmark: standard ReLUs on the decoder signal in place of the tied
# Heavisides (configs/ws_ae_r50_voc_20.py), on unrolled_lrp_r18_few_label.py.
_base_ = ['./unrolled_lrp_r18_few_label.py']
model = dict(decode_head=dict(composite=dict(type='WSAE')))
