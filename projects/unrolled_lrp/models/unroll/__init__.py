"""The unroller: one tied inverse per layer type, one walker per backbone family."""
from .classifier_heatmaps import classifier_heatmaps, decode_heatmaps, pooled_logits
from .gates import DECODER_MODES, build_gate
from .trace import ForwardTrace
from .trace_builder import UnsupportedLayerError
from .walk import SUPPORTED_BACKBONES, check_backbone, walk_backbone

__all__ = [
    'classifier_heatmaps', 'decode_heatmaps', 'pooled_logits', 'DECODER_MODES', 'build_gate',
    'ForwardTrace', 'UnsupportedLayerError', 'SUPPORTED_BACKBONES', 'check_backbone',
    'walk_backbone'
]
