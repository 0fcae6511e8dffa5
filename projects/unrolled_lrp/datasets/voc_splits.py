"""The pixel-label splits of a VOC tree: which images keep their masks, which count with their
image-level labels only.

For each size N, ``out_dir/N/labeled.txt`` lists N ids drawn from the train list (by the
class-balanced rule of :mod:`label_splits`) and ``out_dir/N/image_level.txt`` every other image
outside ``ImageSets/Segmentation/val.txt``. Same inputs and seed give byte-identical files; a
split file already there that would change is refused unless ``overwrite`` (a hand-edited split
is never replaced silently)."""
from pathlib import Path

import numpy as np
from mmseg.datasets import PascalVOCDataset

from .image_labels import labels_from_xml
from .label_splits import draw_class_balanced, target_class_shares
from .split_files import read_image_ids, write_image_ids

VOC_CLASSES = PascalVOCDataset.METAINFO['classes']


def image_level_pool(voc_root, pool):
    """All ids that may carry image-level labels: every ``Annotations/*.xml`` (VOC 2012:
    17,125) or ``ImageSets/Main/trainval.txt``."""
    if pool == 'annotations':
        ids = sorted(path.stem for path in (voc_root / 'Annotations').glob('*.xml'))
        if not ids:
            raise FileNotFoundError(f'{voc_root / "Annotations"}: no *.xml files')
        return ids
    return read_image_ids(voc_root / 'ImageSets/Main/trainval.txt')


def foreground_labels(voc_root, ids):
    """(len(ids), 20) 0/1 matrix of the object classes named in each XML."""
    return np.stack([labels_from_xml(voc_root / 'Annotations' / f'{i}.xml', VOC_CLASSES)[1:]
                     for i in ids]).astype(np.int64)


def check_unchanged(path, ids, overwrite):
    """Refuses to replace a split file that lists other ids, unless ``overwrite``."""
    if path.is_file() and not overwrite and read_image_ids(path) != list(ids):
        raise ValueError(f'{path} exists and lists other ids than this split would; pass '
                         '--overwrite to replace it (nothing written)')


def make_splits(voc_root, sizes, seed, out_dir, uniform_up_to=100, pool='annotations',
                train_list='ImageSets/Segmentation/train.txt', overwrite=False):
    """Writes the split files; returns ({size: (labeled ids, image-level ids)}, the train
    ids, their foreground label matrix)."""
    voc_root, out_dir = Path(voc_root), Path(out_dir)
    train_file, val_file = voc_root / train_list, voc_root / 'ImageSets/Segmentation/val.txt'
    train, val = read_image_ids(train_file), read_image_ids(val_file)
    leaked = sorted(set(train) & set(val))
    if leaked:
        raise ValueError(f'{train_file} and {val_file} share {len(leaked)} ids, '
                         f'e.g. {leaked[:5]}')
    for size in sizes:  # every size checked before anything is written: no partial output
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
        splits[size] = (labeled, sorted(set(candidates) - set(labeled)))
    for size, (labeled, image_level) in splits.items():
        check_unchanged(out_dir / str(size) / 'labeled.txt', labeled, overwrite)
        check_unchanged(out_dir / str(size) / 'image_level.txt', image_level, overwrite)
    for size, (labeled, image_level) in splits.items():
        write_image_ids(out_dir / str(size) / 'labeled.txt', labeled)
        write_image_ids(out_dir / str(size) / 'image_level.txt', image_level)
    return splits, train, labels


def image_level_subset(split_dir, count, seed, out_dir, overwrite=False):
    """A split with the labelled images of ``split_dir`` and ``count`` of its image-level ones
    (a seeded draw): the image-label axis of the few-label benchmark. Returns the ids the
    classifier may train on (both lists)."""
    split_dir, out_dir = Path(split_dir), Path(out_dir)
    labeled = read_image_ids(split_dir / 'labeled.txt')
    pool = read_image_ids(split_dir / 'image_level.txt')
    if not 1 <= count <= len(pool):
        raise ValueError(f'{count} image-level images asked for; {split_dir / "image_level.txt"} '
                         f'lists {len(pool)}')
    rng = np.random.default_rng(seed)
    image_level = sorted(pool[i] for i in rng.choice(len(pool), count, replace=False))
    check_unchanged(out_dir / 'labeled.txt', labeled, overwrite)
    check_unchanged(out_dir / 'image_level.txt', image_level, overwrite)
    write_image_ids(out_dir / 'labeled.txt', labeled)
    write_image_ids(out_dir / 'image_level.txt', image_level)
    return sorted(labeled + image_level)
