"""Pictures of the few-label benchmark: segmentation against pixel labels, against image labels.

Each panel draws one metric, one line per method (mean over seeds, each run a dot); the left
panel scores the whole val set, the right one the looks no mask of the split shows."""
import statistics
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {  # method -> legend label, in legend order
    'unrolled_lrp': 'unrolled LRP-0',
    'unrolled_lrp_a2b1': 'unrolled LRP, EpsilonAlpha2Beta1Flat',
    'unrolled_lrp_s2': 'unrolled LRP-0 at stage 2',
    'lrp_eps': 'unrolled LRP-eps',
    'ws_ae': 'WS-AE',
    'mt_unet': 'multi-task UNet',
    'unet': 'UNet',
    'fcn': 'FCN',
}
PANELS = (('mIoU_present', 'present-class mIoU'), ('mIoU_unseen_looks', 'mIoU on unseen looks'))


def legend_labels(results):
    """{method: legend label}: the known methods in legend order, then any other row of
    ``results`` (a study's variant, a new config) under its own name."""
    others = sorted({r['method'] for r in results} - set(LABELS))
    return dict(LABELS, **{method: method for method in others})


def draw_panels(results, x_key, x_of, ticks, tick_labels, xlabel, title, path):
    """One line per method of ``results`` against ``x_of(result[x_key])``, a panel per
    metric of PANELS that any result has; nothing is drawn when no result has one."""
    panels = [(key, name) for key, name in PANELS
              if any(r.get(key) is not None for r in results)]
    if not panels:  # no run of this kind (e.g. only the image-label curve was asked for)
        return
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4), squeeze=False)
    labels = legend_labels(results)
    colours = dict(zip(labels, plt.get_cmap('tab10').colors * 2))
    for axis, (key, name) in zip(axes[0], panels):
        for method, label in labels.items():
            points = {}
            for r in results:
                if r['method'] == method and r.get(key) is not None:
                    points.setdefault(x_of(r[x_key]), []).append(r[key])
            if not points:
                continue
            xs = sorted(points)
            for x in xs:
                axis.plot([x] * len(points[x]), points[x], '.', color=colours[method],
                          alpha=0.5)
            axis.plot(xs, [statistics.mean(points[x]) for x in xs], '-o',
                      color=colours[method], linewidth=2, label=label)
        axis.set_xscale('log')
        axis.set_xticks(ticks, tick_labels)
        axis.minorticks_off()
        axis.set_xlabel(xlabel)
        axis.set_ylabel(name)
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc='best')
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_label_efficiency(results, path, num_train, num_classes):
    """Present-class and unseen-look mIoU against the number of masks (every image label)."""
    results = [r for r in results if r['image_labels'] == 'all']
    ticks = sorted({r['masks'] for r in results})
    labels = [f'{m}\n(all)' if m == num_train else f'{m}\n({m // num_classes}/class)'
              for m in ticks]
    draw_panels(results, 'masks', lambda m: m, ticks, labels, 'pixel-labelled images',
                'label efficiency', path)


def plot_image_label_curve(results, path, masks, image_level_all):
    """Present-class and unseen-look mIoU against the image-labelled scenes at ``masks``."""
    results = [r for r in results if r['masks'] == masks]
    count = (lambda c: image_level_all if c == 'all' else c)  # noqa: E731
    ticks = sorted({count(r['image_labels']) for r in results})
    draw_panels(results, 'image_labels', count, ticks, [str(t) for t in ticks],
                'image-labelled scenes', f'{masks} masks', path)


def plot_split(data_root, split_dir, path, scale=2):
    """The pixel-labelled images of a split (top row) over their masks in the VOC palette
    (bottom row), each captioned with its image id: what the masks of a split show."""
    import cv2
    import numpy as np
    from PIL import Image

    from .panel_grid import caption, tile
    ids = (Path(split_dir) / 'labeled.txt').read_text().split()

    def enlarged(rgb):
        return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)

    images = [caption(enlarged(np.asarray(Image.open(
        Path(data_root) / 'JPEGImages' / f'{i}.jpg').convert('RGB'))), i) for i in ids]
    masks = [enlarged(np.asarray(Image.open(
        Path(data_root) / 'SegmentationClass' / f'{i}.png').convert('RGB'))) for i in ids]
    Image.fromarray(tile([images, masks])).save(path)
