# Unrolled LRP-0 with the relevance read at the end of stage 1 of the ResNet18 (after layer1: 24x24
# cells of 4 px at 96 px), summed over channels and upsampled to the image (TiedHeavisideHead's
# relevance_stage): activation x gradient at that layer, maps that cover what its units respond to
# instead of the input's edges. On unrolled_lrp_r18_few_label.py.
_base_ = ['./unrolled_lrp_r18_few_label.py']
model = dict(decode_head=dict(relevance_stage=1))
