"""Heatmap figures: colour map, panel layout, MMSeg visualizer and training hook."""
from .heatmap_evolution_hook import HeatmapEvolutionHook
from .heatmap_seg_visualizer import HeatmapSegVisualizer
from .panel_grid import caption, panel_box, tile
from .relevance_colormap import probability_to_rgb, relevance_to_rgb

__all__ = [
    'HeatmapEvolutionHook', 'HeatmapSegVisualizer', 'caption', 'panel_box', 'tile',
    'probability_to_rgb', 'relevance_to_rgb'
]
