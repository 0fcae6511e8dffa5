"""Explain images with a segmentor of this project or a plain image classifier.

    python tools/analysis_tools/explain.py IMAGE_OR_DIR CONFIG CHECKPOINT --out-dir D \
        [--classes NAME_OR_INDEX ... | --top-k K] [--c1c] [--device cpu]
        [--composite LRP0|LRPEpsilon|EpsilonPlusFlat|... --composite-args key=value ...]

CONFIG/CHECKPOINT is either an MMSeg segmentor (e.g. UnrolledLRP: its heatmaps are
its segmentation scores) or an mmpretrain ``ImageClassifier`` whose backbone the
tied decoder unrolls (ResNet, VGG) followed by ``GlobalAveragePooling`` and a
``LinearClsHead``; the classifier sees the whole image at its own size.

For every image, ``D/<image file name>/`` receives ``summary.png`` (image,
prediction, raw and softmax heatmaps, C1C with ``--c1c``), ``segmentation.png``,
one ``heatmap_<class>.png`` (+ ``_softmax``, ``_c1c``) per explained class and
``heatmaps.npz`` (raw and softmax heatmaps, class ids and names, predicted labels,
class logits); ``D/index.html``
links all summaries. Images that fail (not an image, or one that does not decode cleanly)
are listed at the end and make the exit status 1; a bad argument, config or checkpoint stops
the tool with one ``error:`` line. A used ``--out-dir`` is refused; ``--overwrite`` replaces
what an earlier call wrote there (``explained.txt`` lists it). The explaining itself is
``unrolled_lrp.apis`` (``load_explainer``).
"""
import argparse
import os
import os.path as osp
import sys
import traceback

import mmcv
import torch
from mmengine.utils import ProgressBar

from unrolled_lrp.apis import load_explainer, read_image
from unrolled_lrp.models.rules import LRP_COMPOSITES
from unrolled_lrp.utils import run_main
from unrolled_lrp.utils.cfg_options_action import CheckedDictAction
from unrolled_lrp.utils.owned_folder import prepare_owned_folder, record_owned_files
from unrolled_lrp.visualization import HeatmapSegVisualizer
from unrolled_lrp.visualization.explanation_files import write_explanation, write_index

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
MARKER = 'explained.txt'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('images', help='an image file or a folder of images')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace what an earlier call wrote into --out-dir')
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--classes', nargs='+', help='class names or indices to explain')
    which.add_argument('--top-k', type=int, default=3,
                       help='explain the K classes with the highest logits (class '
                       '"background" excluded); segmentors without class logits rank '
                       'classes by predicted area (default: 3, or all classes if fewer)')
    parser.add_argument('--c1c', action='store_true', help='add C1C-filtered heatmaps')
    parser.add_argument('--c1c-threshold', type=float, default=0.0,
                        help='C1C keeps relevance above this fraction of the maximum')
    parser.add_argument('--composite', choices=sorted(LRP_COMPOSITES.module_dict),
                        help="LRP rule composite: of a classifier's decoder (default LRP0) or "
                        "in place of the one configured for a segmentor's tied decoder")
    parser.add_argument('--composite-args', nargs='+', action=CheckedDictAction, default={},
                        metavar='KEY=VALUE',
                        help='arguments of --composite, e.g. epsilon=0.1, or low=-2.1 high=2.6 '
                        'for EpsilonGammaBox (the input bounds after the data preprocessor)')
    parser.add_argument('--class-chunk', type=int, default=16,
                        help='classes decoded at once for classifier checkpoints')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    if args.top_k < 1 or args.class_chunk < 1:
        parser.error('--top-k and --class-chunk must be >= 1')
    if args.composite_args and not args.composite:
        parser.error('--composite-args needs --composite')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: this machine has no CUDA GPU; use --device cpu')
    return args


def list_images(path):
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such image file or folder')
    images = sorted(osp.join(path, name) for name in os.listdir(path)
                    if name.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise FileNotFoundError(f'{path}: folder holds no images ({", ".join(IMAGE_EXTENSIONS)})')
    return images


def main(argv=None):
    """Exit status 0, or 1 if an image failed; bad arguments, configs and checkpoints raise
    (one ``error:`` line through ``run_main``)."""
    args = parse_args(argv)
    images = list_images(args.images)
    composite = dict(type=args.composite, **args.composite_args) if args.composite else None
    explainer = load_explainer(args.config, args.checkpoint, args.device, composite,
                               args.class_chunk)
    explainer.check_choice(args.classes, args.top_k)  # a bad --classes stops here
    visualizer = HeatmapSegVisualizer(name='explain', classes=explainer.classes,
                                      palette=explainer.palette, c1c=args.c1c,
                                      c1c_threshold=args.c1c_threshold, min_panel_size=256)
    prepare_owned_folder(args.out_dir, MARKER, args.overwrite, 'explain.py')
    rows, failures = [], []
    progress = ProgressBar(len(images))
    for path in images:
        try:
            image = read_image(path)
            explanation = explainer(image, args.classes, args.top_k)
            names = write_explanation(osp.join(args.out_dir, osp.basename(path)), visualizer,
                                      mmcv.bgr2rgb(image), explanation,
                                      args.c1c_threshold if args.c1c else None)
            rows.append((osp.basename(path), names, explanation))
        except Exception as error:  # one bad image must not stop the others; reported below
            failures.append((path, f'{type(error).__name__}: {error}'))
            if not isinstance(error, ValueError):
                traceback.print_exc()
        progress.update()
    write_index(args.out_dir, rows, failures)
    record_owned_files(args.out_dir, MARKER, f'explain.py {args.images} {args.config} '
                       f'{args.checkpoint}')
    print(f'\n{len(rows)} of {len(images)} images explained in {args.out_dir}')
    for path, error in failures:
        print(f'FAILED {path}: {error}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(run_main(main))
