"""Write the pixel-label splits of PASCAL VOC 2012 for semi-supervised training.

For each requested size N it writes ``OUT_DIR/N/labeled.txt`` (N ids drawn from
``ImageSets/Segmentation/train.txt``, the images that keep their masks) and
``OUT_DIR/N/image_level.txt`` (every other VOC 2012 image outside
``ImageSets/Segmentation/val.txt``: trained with its image-level labels only).
Subsets up to ``--uniform-up-to`` images are drawn with classes as uniform as
possible, larger ones with the average of the uniform and the training-set class
distribution; N equal to the train list takes it whole. Class presence comes
from ``Annotations/<id>.xml``. Same inputs and seed give byte-identical files; split files already there that
would list other ids are refused unless ``--overwrite``.
With the SBD masks, ``--train-list ImageSets/Segmentation/trainaug.txt`` draws
from the 10,582 images that MMSegmentation's ``voc_aug.py`` lists.

Example::

    python tools/dataset_converters/make_voc_splits.py data/VOCdevkit/VOC2012 \
        --num-labeled 20 100 500 1464 --seed 0 --out-dir data/splits/voc12
"""
import argparse
import sys

from unrolled_lrp.datasets.voc_splits import VOC_CLASSES, make_splits
from unrolled_lrp.utils import run_main


def print_class_counts(labels, train, splits):
    """Images per class in the train list and in each labelled subset."""
    row = {image_id: i for i, image_id in enumerate(train)}
    columns = {'train': labels.sum(0)}
    for size, (labeled, _) in splits.items():
        columns[f'N={size}'] = labels[[row[i] for i in labeled]].sum(0)
    header = f'{"class":<12}' + ''.join(f'{name:>8}' for name in columns)
    print(header)
    absent = []
    for c, name in enumerate(VOC_CLASSES[1:]):
        if not columns['train'][c]:
            absent.append(name)
            continue
        print(f'{name:<12}' + ''.join(f'{int(counts[c]):>8}' for counts in columns.values()))
    print(f'{"images":<12}{len(train):>8}' + ''.join(
        f'{len(labeled):>8}' for labeled, _ in splits.values()))
    print(f'{"image-level":<12}{"":>8}' + ''.join(
        f'{len(image_level):>8}' for _, image_level in splits.values()))
    if absent:
        print(f'not in the train list: {", ".join(absent)}')


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('voc_root', help='the VOC2012 folder (with JPEGImages, Annotations, ...)')
    parser.add_argument('--num-labeled', type=int, nargs='+', required=True,
                        help='sizes of the pixel-labelled subsets')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', required=True, help='one sub-folder per size is written')
    parser.add_argument('--uniform-up-to', type=int, default=100,
                        help='sizes up to this draw uniform classes; larger ones the average '
                        'of uniform and training-set class distribution')
    parser.add_argument('--train-list', default='ImageSets/Segmentation/train.txt',
                        help='the pixel-labelled candidates, relative to voc_root')
    parser.add_argument('--image-level-pool', choices=('annotations', 'main'),
                        default='annotations',
                        help='images with image-level labels: every Annotations/*.xml (the '
                        "paper's 15,676 after removing val) or ImageSets/Main/trainval.txt")
    parser.add_argument('--overwrite', action='store_true',
                        help='replace split files that list other ids (a hand-edited split)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    splits, train, labels = make_splits(
        args.voc_root, args.num_labeled, args.seed, args.out_dir, args.uniform_up_to,
        args.image_level_pool, args.train_list, args.overwrite)
    print_class_counts(labels, train, splits)
    print(f'wrote {", ".join(f"{args.out_dir}/{n}" for n in args.num_labeled)}')


if __name__ == '__main__':
    sys.exit(run_main(main))
