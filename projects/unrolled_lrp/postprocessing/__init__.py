"""Post-processing of relevance maps."""
from .c1c import c1c_filter, c1c_mask

__all__ = ['c1c_filter', 'c1c_mask']
