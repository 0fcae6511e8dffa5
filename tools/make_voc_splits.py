"""Write the pixel-label splits of PASCAL VOC 2012 for semi-supervised training.

For each requested size N it writes ``OUT_DIR/N/labeled.txt`` (N ids drawn from
``ImageSets/Segmentation/train.txt``, the images that keep their masks) and
``OUT_DIR/N/image_level.txt`` (every other VOC 2012 image outside
``ImageSets/Segmentation/val.txt``: trained with its image-level labels only).
Subsets up to ``--uniform-up-to`` images are drawn with classes as uniform as
possible, larger ones with the average of the uniform and the training-set class
distribution; N equal to the train list takes it whole. Class presence comes
from ``Annotations/<id>.xml``. Same inputs and seed give byte-identical files.
With the SBD masks, ``--train-list ImageSets/Segmentation/trainaug.txt`` draws
from the 10,582 images that MMSegmentation's ``voc_aug.py`` lists.

Example::

    python tools/make_voc_splits.py data/VOCdevkit/VOC2012 \
        --num-labeled 20 100 500 1464 --seed 0 --out-dir data/splits/voc12
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from mmseg.datasets import PascalVOCDataset

from unrolled_lrp.datasets.image_labels import labels_from_xml
from unrolled_lrp.datasets.label_splits import draw_class_balanced, target_class_shares
from unrolled_lrp.datasets.split_files import read_image_ids, write_image_ids
from unrolled_lrp.utils import run_main

CLASSES = PascalVOCDataset.METAINFO['classes']


def image_level_pool(voc_root, pool):
    """All VOC 2012 ids that may carry image-level labels."""
    if pool == 'annotations':  # every annotated image: 17,125 in VOC 2012
        ids = sorted(path.stem for path in (voc_root / 'Annotations').glob('*.xml'))
        if not ids:
            raise FileNotFoundError(f'{voc_root / "Annotations"}: no *.xml files')
        return ids
    return read_image_ids(voc_root / 'ImageSets/Main/trainval.txt')


def foreground_labels(voc_root, ids):
    """(len(ids), 20) 0/1 matrix of the object classes named in each XML."""
    return np.stack([labels_from_xml(voc_root / 'Annotations' / f'{i}.xml', CLASSES)[1:]
                     for i in ids]).astype(np.int64)


def make_splits(voc_root, sizes, seed, out_dir, uniform_up_to=100, pool='annotations',
                train_list='ImageSets/Segmentation/train.txt'):
    """Write the split files; returns {size: (labeled ids, image-level ids)}."""
    voc_root, out_dir = Path(voc_root), Path(out_dir)
    train_file, val_file = voc_root / train_list, voc_root / 'ImageSets/Segmentation/val.txt'
    train, val = read_image_ids(train_file), read_image_ids(val_file)
    leaked = sorted(set(train) & set(val))
    if leaked:
        raise ValueError(f'{train_file} and {val_file} share {len(leaked)} ids, '
                         f'e.g. {leaked[:5]}')
    # every size checked before anything is written: no partial output
    for size in sizes:
        if not 1 <= size <= len(train):
            raise ValueError(f'--num-labeled {size}: must be between 1 and the {len(train)} '
                             f'ids of {train_file}; nothing written')
    labels = foreground_labels(voc_root, train)
    candidates = sorted(set(image_level_pool(voc_root, pool)) - set(val))
    splits = {}
    for size in sizes:
        if size == len(train):
            labeled = sorted(train)
        else:
            shares = target_class_shares(labels, 1.0 if size <= uniform_up_to else 0.5)
            labeled = sorted(train[i] for i in draw_class_balanced(labels, size, shares, seed))
        image_level = sorted(set(candidates) - set(labeled))
        write_image_ids(out_dir / str(size) / 'labeled.txt', labeled)
        write_image_ids(out_dir / str(size) / 'image_level.txt', image_level)
        splits[size] = (labeled, image_level)
    print_class_counts(labels, train, splits)
    return splits


def print_class_counts(labels, train, splits):
    """Images per class in the train list and in each labelled subset."""
    row = {image_id: i for i, image_id in enumerate(train)}
    columns = {'train': labels.sum(0)}
    for size, (labeled, _) in splits.items():
        columns[f'N={size}'] = labels[[row[i] for i in labeled]].sum(0)
    header = f'{"class":<12}' + ''.join(f'{name:>8}' for name in columns)
    print(header)
    absent = []
    for c, name in enumerate(CLASSES[1:]):
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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    make_splits(args.voc_root, args.num_labeled, args.seed, args.out_dir, args.uniform_up_to,
                args.image_level_pool, args.train_list)
    print(f'wrote {", ".join(f"{args.out_dir}/{n}" for n in args.num_labeled)}')


if __name__ == '__main__':
    sys.exit(run_main(main))
