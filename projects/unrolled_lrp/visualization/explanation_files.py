"""The files of an explained image (pictures, heatmaps as numbers) and the index page of a
folder of them, as ``tools/analysis_tools/explain.py`` writes them."""
import html
import os
import os.path as osp
import re

import mmcv
import numpy as np

from ..postprocessing import c1c_filter
from .relevance_colormap import probability_to_rgb, relevance_to_rgb


def file_safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name)


def write_explanation(folder, visualizer, image_rgb, explanation, c1c_threshold=None):
    """``summary.png``, ``segmentation.png``, one ``heatmap_<class>.png`` (+ ``_softmax``,
    ``_c1c`` unless ``c1c_threshold`` is None) per explained class and ``heatmaps.npz``;
    returns the class names."""
    heatmaps = explanation.heatmaps.numpy()
    probabilities = explanation.probabilities.numpy()
    os.makedirs(folder, exist_ok=True)
    summary = visualizer.draw_explanation(image_rgb, explanation.class_ids, heatmaps,
                                          probabilities, explanation.segmentation)
    mmcv.imwrite(mmcv.rgb2bgr(summary), osp.join(folder, 'summary.png'))
    mmcv.imwrite(mmcv.rgb2bgr(visualizer.draw_segmentation(image_rgb, explanation.segmentation)),
                 osp.join(folder, 'segmentation.png'))
    names = [visualizer.class_name(c) for c in explanation.class_ids]
    for name, heatmap, probability in zip(names, heatmaps, probabilities):
        stem = osp.join(folder, f'heatmap_{file_safe(name)}')
        mmcv.imwrite(mmcv.rgb2bgr(relevance_to_rgb(heatmap)), f'{stem}.png')
        mmcv.imwrite(mmcv.rgb2bgr(probability_to_rgb(probability)), f'{stem}_softmax.png')
        if c1c_threshold is not None:
            limit = np.abs(heatmap).max(initial=0.0)
            mmcv.imwrite(mmcv.rgb2bgr(relevance_to_rgb(c1c_filter(heatmap, c1c_threshold),
                                                       limit)), f'{stem}_c1c.png')
    logits = explanation.logits
    np.savez_compressed(osp.join(folder, 'heatmaps.npz'),
                        class_ids=np.array(explanation.class_ids), class_names=np.array(names),
                        heatmaps=heatmaps.astype(np.float32),
                        probabilities=probabilities.astype(np.float32),
                        segmentation=explanation.segmentation,
                        logits=np.array([]) if logits is None else logits.numpy())
    return names


def write_index(out_dir, rows, failures):
    """``index.html``: one row per explained image, then the images that failed."""
    lines = ['<!doctype html><meta charset="utf-8"><title>Explanations</title>',
             '<style>body{font-family:sans-serif} img{max-width:100%} '
             'td{vertical-align:top;padding:4px}</style><table>']
    for image_name, names, explanation in rows:
        logits = explanation.logits
        scores = '' if logits is None else ', '.join(
            f'{name} {float(logits[c]):.3g}' for name, c in zip(names, explanation.class_ids))
        folder = html.escape(image_name)
        lines.append(f'<tr><td><b>{folder}</b><br>{html.escape(scores or ", ".join(names))}'
                     f'</td><td><img src="{folder}/summary.png"></td></tr>')
    lines.append('</table>')
    if failures:
        lines.append('<h2>Failed</h2><ul>' + ''.join(
            f'<li>{html.escape(path)}: {html.escape(error)}</li>' for path, error in failures)
                     + '</ul>')
    with open(osp.join(out_dir, 'index.html'), 'w') as index:
        index.write('\n'.join(lines))
