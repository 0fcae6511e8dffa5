from .labeled_ratio_batch_sampler import LabeledRatioBatchSampler

__all__ = ['LabeledRatioBatchSampler']
