# Unrolled LRP-0 with the relevance read at the end of stage 2 of the ResNet18 (after layer2: 12x12
# cells of 8 px at 96 px), summed over channels and upsampled to the image (TiedHeavisideHead's
# relevance_stage): activation x gradient at that layer, maps that cover what its units respond to
# instead of the input's edges. On unrolled_lrp_r18_few_label.py.
_base_ = ['./unrolled_lrp_r18_few_label.py']
model = dict(decode_head=dict(relevance_stage=2))
