"""Label-efficiency figure: mIoU against the number of pixel-labelled images.

    python tools/analysis_tools/plot_results.py WORK_DIR_OR_JSON [...] --out fig.png [--metric mIoU]

Each argument is a work dir holding the ``test_results.json`` that ``tools/test.py``
writes (``{"config": ..., "checkpoint": ..., "metrics": {"mIoU": ...}}``) or that
file itself. Method, backbone and number of labelled images come from the config
file name ``{method}_{backbone}_voc_{num_labeled}.py``. One panel per backbone, one
line per method (mean over runs, every run as a dot); for mIoU the paper's numbers (Table 1,
and Table 3 for the ResNet50 ablations) are drawn as dashed lines in the same colour.
"""
import argparse
import json
import os.path as osp
import re
from collections import defaultdict

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from unrolled_lrp.visualization.benchmark_plots import LABELS  # noqa: E402

METHODS = LABELS  # name in config files -> legend label, in legend order
BACKBONES = {'r50': 'ResNet50', 'vgg16bn': 'VGG16-BN', 'r18': 'ResNet18 (CPU)'}
CONFIG_NAME = re.compile(r'^(?P<method>{})_(?P<backbone>{})_voc_(?P<labels>\d+)\.py$'.format(
    '|'.join(METHODS), '|'.join(BACKBONES)))
LABEL_COUNTS = (20, 100, 500, 1464)
PAPER_MIOU = {  # (method, backbone) -> mIoU at LABEL_COUNTS on VOC 2012 val
    ('unrolled_lrp', 'vgg16bn'): (33.92, 49.68, 59.96, 63.85),  # Table 1
    ('unet', 'vgg16bn'): (20.38, 40.50, 54.60, 60.53),
    ('unrolled_lrp', 'r50'): (39.80, 50.29, 58.30, 61.50),
    ('unet', 'r50'): (25.89, 43.40, 55.10, 60.07),
    ('mt_unet', 'r50'): (25.06, 39.77, 55.13, 60.37),
    ('ws_ae', 'r50'): (29.50, 46.59, 54.74, 57.91),  # Table 3
    ('fcn', 'r50'): (26.23, 39.98, 51.27, 56.64),
}


def parse_config_name(config_path):
    """(method, backbone, number of labelled images) from a config file name."""
    match = CONFIG_NAME.match(osp.basename(config_path))
    if match is None:
        raise ValueError(
            f'{config_path}: config name must be {{method}}_{{backbone}}_voc_{{num_labeled}}.py '
            f'with method in {", ".join(METHODS)} and backbone in {", ".join(BACKBONES)}')
    return match['method'], match['backbone'], int(match['labels'])


def load_result(path, metric):
    """(method, backbone, labels, value) of one ``test_results.json`` (or its work dir)."""
    json_path = osp.join(path, 'test_results.json') if osp.isdir(path) else path
    if not osp.isfile(json_path):
        raise FileNotFoundError(f'{json_path}: not found (run tools/test.py with this work dir)')
    try:
        with open(json_path) as file:
            result = json.load(file)
        config, metrics = result['config'], result['metrics']
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f'{json_path}: expected {{"config": ..., "metrics": {{...}}}} '
                         f'({type(error).__name__}: {error})') from error
    if metric not in metrics:
        raise KeyError(f'{json_path}: no metric {metric!r} (has {", ".join(metrics)})')
    return (*parse_config_name(config), float(metrics[metric]))


def collect(paths, metric):
    """{(method, backbone): {labels: [values of all runs]}}."""
    runs = defaultdict(lambda: defaultdict(list))
    seen = set()
    for path in paths:
        # a work dir and its test_results.json are one run, not two
        json_path = osp.realpath(osp.join(path, 'test_results.json') if osp.isdir(path)
                                 else path)
        if json_path in seen:
            continue
        seen.add(json_path)
        method, backbone, labels, value = load_result(path, metric)
        runs[method, backbone][labels].append(value)
    return runs


def draw(runs, metric, ticks=LABEL_COUNTS, title='PASCAL VOC 2012 val', paper=True):
    """The matplotlib figure of ``runs`` (see :func:`collect`): x ticks at ``ticks``, panels
    titled ``title, backbone``, the paper's mIoU as dashed lines when ``paper`` is set
    (tools/benchmarks/few_label_benchmark.py draws its synthetic grid without them)."""
    backbones = [b for b in BACKBONES if any(key[1] == b for key in runs)]
    figure, axes = plt.subplots(1, len(backbones), figsize=(5.5 * len(backbones), 4.2),
                                squeeze=False, sharey=True)
    colours = dict(zip(METHODS, plt.get_cmap('tab10').colors))
    for axis, backbone in zip(axes[0], backbones):
        for method, label in METHODS.items():
            colour = colours[method]
            if paper and metric == 'mIoU' and (method, backbone) in PAPER_MIOU:
                axis.plot(LABEL_COUNTS, PAPER_MIOU[method, backbone], '--', color=colour,
                          alpha=0.6, linewidth=1.2, label=f'{label} (paper)')
            points = runs.get((method, backbone))
            if not points:
                continue
            counts = sorted(points)
            for count in counts:
                axis.plot([count] * len(points[count]), points[count], '.', color=colour,
                          alpha=0.5)
            means = [sum(points[c]) / len(points[c]) for c in counts]
            axis.plot(counts, means, '-o', color=colour, linewidth=2,
                      label=f'{label} (ours)' if paper else label)
        axis.set_xscale('log')
        axis.set_xticks(ticks, [str(c) for c in ticks])
        axis.minorticks_off()
        axis.set_xlabel('pixel-labelled training images')
        axis.set_title(f'{title}, {BACKBONES[backbone]}')
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc='lower right')
    axes[0][0].set_ylabel(metric)
    figure.tight_layout()
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('results', nargs='+',
                        help='work dirs with test_results.json, or such files')
    parser.add_argument('--out', required=True, help='figure file (.png, .pdf, .svg)')
    parser.add_argument('--metric', default='mIoU')
    args = parser.parse_args(argv)
    try:
        runs = collect(args.results, args.metric)
    except (OSError, ValueError, KeyError) as error:  # each names the file and the problem
        raise SystemExit(f'error: {error}') from error
    figure = draw(runs, args.metric)
    figure.savefig(args.out, dpi=150)
    plt.close(figure)
    print(f'{sum(len(v) for p in runs.values() for v in p.values())} results plotted to '
          f'{args.out}')


if __name__ == '__main__':
    main()
