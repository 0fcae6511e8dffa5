# MMSeg's default runtime with the heatmap visualizer: `tools/test.py --show-dir` and the
# visualization hook draw each image's per-class heatmaps beside its segmentation.
_base_ = ['mmseg::_base_/default_runtime.py']
visualizer = dict(
    type='HeatmapSegVisualizer', name='visualizer', vis_backends=[dict(type='LocalVisBackend')])
# the paper's Fig. 2/3 for every run: heatmaps and segmentations of three fixed val images
# over training, in <work_dir>/heatmap_evolution/
custom_hooks = [dict(type='HeatmapEvolutionHook', indices=(0, 1, 2), interval=2000)]
