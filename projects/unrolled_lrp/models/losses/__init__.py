"""Losses the project builds itself."""
from .registry_losses import DEFAULT_LOSS, build_decode_losses

__all__ = ["DEFAULT_LOSS", "build_decode_losses"]
