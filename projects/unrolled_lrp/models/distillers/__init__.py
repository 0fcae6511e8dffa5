"""Training with explanations alone: students distilled from a teacher's LRP heatmaps."""
from .gap_linear_classifier import GAPLinearClassifier
from .heatmap_distiller import HeatmapDistiller
from .heatmap_matching_loss import HeatmapMatchingLoss

__all__ = ['GAPLinearClassifier', 'HeatmapDistiller', 'HeatmapMatchingLoss']
