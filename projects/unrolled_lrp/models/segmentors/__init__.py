from .unrolled_lrp import UnrolledLRP

__all__ = ['UnrolledLRP']
