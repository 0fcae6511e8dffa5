"""Write a small PASCAL VOC 2012-format tree of synthetic scenes.

Styles (``--style``; the scenes themselves live in ``unrolled_lrp.datasets.synthetic``):

* ``colour`` (the main job's): four classes, each one shape, colour and texture
  (aeroplane red striped disc, cat blue checkered square, person green dotted triangle,
  tvmonitor yellow plus with diagonal stripes); a few masks teach a decoder the classes.
* ``looks`` (the few-label benchmark's): six classes with ``--looks-per-class`` looks each
  (a shape, a hue, a surface; no look shared between classes) on muted cluttered backgrounds;
  a few masks show only some looks, the image-level labels all of them.
* ``textures`` (the benchmark's hard case): six classes told apart by shape and a
  high-contrast texture, colours random.
* ``shapes``: six classes with ``--looks-per-class`` looks each, a look a silhouette of its
  own; colour and surface random for every object, backgrounds as colourful as the objects:
  classes that only shape tells apart.

The tree has the layout of ``VOCdevkit/VOC2012`` (masks with 255 outlines, the
``ImageSets`` lists, XML annotations naming each object's class and look), a share of
images without masks (image-level labels only), ``SegmentationLook/`` and ``looks.json``
(each object's look, for IoU on looks seen and unseen in a split's masks), and
``SYNTHETIC_VOC.txt``: how the tree was made and the files written, the only ones
``--overwrite`` deletes.

Example::

    python tools/dataset_converters/make_synthetic_voc.py data/synthetic_voc --num-images 60 --seed 0
    python tools/dataset_converters/make_synthetic_voc.py data/looks_voc --style looks --looks-per-class 3 \
        --num-images 4000 --val-fraction 0.12 --image-level-fraction 0.76
"""
import argparse
import time

from unrolled_lrp.datasets.synthetic import SCENE_STYLES, STYLES_WITH_LOOKS, generate
from unrolled_lrp.utils import run_main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='root of the VOC2012-format tree to write')
    parser.add_argument('--num-images', type=int, default=60)
    parser.add_argument('--seed', type=int, default=0,
                        help='draws the images and, for --style looks and shapes, the look '
                        'table')
    parser.add_argument('--image-size', type=int, default=96, help='side of the square images')
    parser.add_argument('--val-fraction', type=float, default=0.25,
                        help='share of images in ImageSets/Segmentation/val.txt')
    parser.add_argument('--image-level-fraction', type=float, default=0.25,
                        help='share of images without mask, outside the segmentation lists')
    parser.add_argument('--style', choices=SCENE_STYLES, default='colour',
                        help="'colour': four classes, one look each (the main job); 'looks': "
                        'six classes with several looks each (the few-label benchmark); '
                        "'textures': six classes told apart by shape and texture; 'shapes': "
                        'six classes with several looks each, told apart by shape alone')
    parser.add_argument('--looks-per-class', type=int, default=None,
                        help='looks of each class (--style looks and shapes only; default 3)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing tree made by this script')
    args = parser.parse_args(argv)
    if args.num_images < 1 or args.image_size < 32:
        parser.error('--num-images must be positive and --image-size at least 32')
    if args.looks_per_class is not None and args.style not in STYLES_WITH_LOOKS:
        parser.error('--looks-per-class applies to --style looks and shapes only')
    args.looks_per_class = args.looks_per_class or 3
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    train, val, image_level = generate(
        args.out_dir, args.num_images, args.seed, args.image_size, args.val_fraction,
        args.image_level_fraction, args.overwrite, args.style, args.looks_per_class,
        progress=lambda line: print(f'\r{line}', end='', flush=True))
    print(f'\nwrote {args.out_dir}: {len(train)} segmentation train, {len(val)} val, '
          f'{len(image_level)} image-level-only images of {args.image_size}px '
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    run_main(main)
