# Unrolled LRP with the heatmaps at the input, LRP-0 (the gradient) in stages 3 and 4 as in
# unrolled_lrp_s2_r18_few_label.py, and below them zennit's lower-layer rules: z+ at the
# convolutions of stages 0-2 (positive contributions only: the coarse relevance of stage 2 is
# spread over what made its units fire, at the input's resolution, instead of alternating with
# edges and texture), the proportional split (Norm) at their residual sums, flat at the first
# convolution. On unrolled_lrp_r18_few_label.py.
_base_ = ['./unrolled_lrp_r18_few_label.py']
lower = (0, 1, 2)
model = dict(decode_head=dict(composite=dict(type='LayerMapComposite', layer_map=[
    dict(rule=dict(type='Flat'), kinds=('conv', ), first=True),
    dict(rule=dict(type='ZPlus'), kinds=('conv', ), stages=lower),
    dict(rule=dict(type='Norm'), kinds=('sum', ), stages=lower),
])))
