"""The unroller: one tied inverse per layer type, one walker per backbone family, and the
tied decoder that runs a composite of LRP rules through them."""
from .tied_decoder import TiedDecoder, pooled_logits, upsample_relevance
from .trace import ForwardTrace
from .unrolled_classifier import UnrolledClassifier
from .trace_builder import UnsupportedLayerError
from .walk import check_backbone, walk_backbone
from .walker_registry import (BACKBONE_WALKERS, BackboneWalker, backbone_key, register_walker,
                              supported_backbones)

__all__ = [
    'TiedDecoder', 'pooled_logits', 'upsample_relevance',
    'ForwardTrace', 'UnrolledClassifier', 'UnsupportedLayerError', 'check_backbone',
    'walk_backbone', 'BACKBONE_WALKERS', 'BackboneWalker', 'backbone_key', 'register_walker', 'supported_backbones'
]
