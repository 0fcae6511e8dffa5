from .tied_heaviside_head import TiedHeavisideHead

__all__ = ['TiedHeavisideHead']
