"""Label splits: exact sizes, class coverage, determinism, no val leakage."""
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from unrolled_lrp.datasets.label_splits import draw_class_balanced, target_class_shares
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.datasets.voc_splits import make_splits

REPO = Path(__file__).parents[1]


def ids_of(path):
    return path.read_text().split()


def xml_classes(voc, image_id):
    root = ElementTree.parse(voc / 'Annotations' / f'{image_id}.xml').getroot()
    return {obj.find('name').text for obj in root.iter('object')}


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('splits') / 'voc'
    generate_scenes(root, num_images=40, seed=1, image_size=48)
    return root


@pytest.fixture(scope='module')
def splits(voc, tmp_path_factory):
    out = tmp_path_factory.mktemp('out')
    make_splits(voc, [4, 8, 20], seed=0, out_dir=out, uniform_up_to=4)
    return out


def test_sizes_are_exact_and_the_full_size_is_the_train_list(voc, splits):
    train = ids_of(voc / 'ImageSets/Segmentation/train.txt')
    assert len(train) == 20
    for size in (4, 8, 20):
        labeled = ids_of(splits / str(size) / 'labeled.txt')
        assert len(labeled) == len(set(labeled)) == size
        assert set(labeled) <= set(train)
    assert ids_of(splits / '20' / 'labeled.txt') == sorted(train)


def test_smallest_split_covers_every_class_of_the_train_list(voc, splits):
    train = ids_of(voc / 'ImageSets/Segmentation/train.txt')
    in_train = set().union(*(xml_classes(voc, i) for i in train))
    labeled = ids_of(splits / '4' / 'labeled.txt')
    assert len(in_train) == 4
    assert set().union(*(xml_classes(voc, i) for i in labeled)) == in_train


def test_labeled_and_image_level_partition_all_images_outside_val(voc, splits):
    all_ids = {p.stem for p in (voc / 'Annotations').glob('*.xml')}
    val = set(ids_of(voc / 'ImageSets/Segmentation/val.txt'))
    for size in (4, 8, 20):
        labeled = set(ids_of(splits / str(size) / 'labeled.txt'))
        image_level = ids_of(splits / str(size) / 'image_level.txt')
        assert len(image_level) == len(set(image_level))
        assert not labeled & set(image_level)
        assert labeled | set(image_level) == all_ids - val
        assert not (labeled | set(image_level)) & val


@pytest.mark.slow
def test_command_line_is_byte_identical_across_runs_and_hash_seeds(voc, tmp_path):
    """Two runs with different hash seeds write the same bytes and print the same table."""
    args = [str(voc), '--num-labeled', '4', '8', '--seed', '7', '--out-dir']
    result, other = (subprocess.run(
        [sys.executable, str(REPO / 'tools/dataset_converters/make_voc_splits.py'), *args,
         str(tmp_path / out)],
        env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True, text=True, check=True)
        for out, seed in (('a', '1'), ('b', '2')))
    in_process = other.stdout
    assert sorted(p.name for p in (tmp_path / 'a').iterdir()) == ['4', '8']
    for name in ('4/labeled.txt', '4/image_level.txt', '8/labeled.txt', '8/image_level.txt'):
        assert (tmp_path / 'a' / name).read_bytes() == (tmp_path / 'b' / name).read_bytes()
    table = result.stdout.splitlines()[:-1]  # the last line names the output folder
    assert table == in_process.splitlines()[:-1]
    # the printed per-class table counts the images naming each class
    train = ids_of(voc / 'ImageSets/Segmentation/train.txt')
    labeled = ids_of(tmp_path / 'a' / '4' / 'labeled.txt')
    assert table[0].split() == ['class', 'train', 'N=4', 'N=8']
    cat_row = next(line for line in table if line.startswith('cat '))
    assert [int(n) for n in cat_row.split()[1:3]] == [
        sum('cat' in xml_classes(voc, i) for i in ids) for ids in (train, labeled)]


def test_a_changed_split_file_is_refused_without_overwrite(voc, tmp_path):
    make_splits(voc, [4], seed=0, out_dir=tmp_path)
    make_splits(voc, [4], seed=0, out_dir=tmp_path)  # the same ids again: fine
    edited = tmp_path / '4' / 'labeled.txt'
    edited.write_text('\n'.join(ids_of(edited)[:3]) + '\n')
    with pytest.raises(ValueError, match=r'4/labeled.txt exists and lists other ids'):
        make_splits(voc, [4], seed=1, out_dir=tmp_path)
    assert len(ids_of(edited)) == 3  # the hand-edited file is kept
    make_splits(voc, [4], seed=0, out_dir=tmp_path, overwrite=True)
    assert len(ids_of(edited)) == 4


def test_more_labels_than_train_images_is_an_error(voc, tmp_path):
    with pytest.raises(ValueError, match='--num-labeled 21: must be between 1 and the 20 ids'):
        make_splits(voc, [4, 21], seed=0, out_dir=tmp_path / 'out')
    assert not (tmp_path / 'out').exists()  # not even the valid size 4


def test_another_train_list_and_a_list_that_overlaps_val(voc, tmp_path):
    """--train-list draws from another candidate list (the SBD trainaug.txt on real VOC)."""
    train = ids_of(voc / 'ImageSets/Segmentation/train.txt')
    (voc / 'ImageSets/Segmentation/first_half.txt').write_text('\n'.join(train[:10]) + '\n')
    make_splits(voc, [4, 10], seed=0, out_dir=tmp_path,
                          train_list='ImageSets/Segmentation/first_half.txt')
    assert set(ids_of(tmp_path / '4' / 'labeled.txt')) <= set(train[:10])
    assert ids_of(tmp_path / '10' / 'labeled.txt') == sorted(train[:10])
    with pytest.raises(ValueError, match=r'trainval.txt and .*val.txt share 10 ids'):
        make_splits(voc, [4], seed=0, out_dir=tmp_path,
                              train_list='ImageSets/Segmentation/trainval.txt')


def voc_like_labels(num_images=1464, num_classes=20, seed=0):
    """Imbalanced multi-label matrix: class frequencies fall off like VOC's."""
    rng = np.random.default_rng(seed)
    frequency = 1.0 / np.arange(1, num_classes + 1)
    frequency /= frequency.sum()
    labels = np.zeros((num_images, num_classes), np.int64)
    for row in labels:
        row[rng.choice(num_classes, rng.integers(1, 3), replace=False, p=frequency)] = 1
    return labels


def test_uniform_draw_covers_every_class_at_twenty():
    labels = voc_like_labels()
    for seed in range(5):
        chosen = draw_class_balanced(labels, 20, target_class_shares(labels, 1.0), seed)
        assert len(set(chosen)) == 20
        assert labels[chosen].sum(0).min() >= 1


def test_uniform_draw_is_flatter_than_the_pool():
    labels = voc_like_labels()
    chosen = draw_class_balanced(labels, 100, target_class_shares(labels, 1.0), seed=0)
    pool_counts, drawn_counts = labels.sum(0), labels[chosen].sum(0)
    spread = lambda c: c.std() / c.mean()  # noqa: E731
    assert spread(drawn_counts) < 0.3 * spread(pool_counts)


def test_mixed_draw_approaches_its_target():
    labels = voc_like_labels()
    shares = target_class_shares(labels, 0.5)
    uniform = np.full(20, 1 / 20)
    frequency = labels.sum(0) / labels.sum()
    assert np.allclose(shares, (uniform + frequency) / 2)
    drawn = labels[draw_class_balanced(labels, 500, shares, seed=0)].sum(0)
    drawn_shares = drawn / drawn.sum()
    assert np.abs(drawn_shares - shares).sum() < 0.3 * np.abs(frequency - shares).sum()


def test_classes_absent_from_the_pool_get_no_share():
    labels = voc_like_labels(num_images=200)
    labels[:, 5] = 0
    shares = target_class_shares(labels, 1.0)
    assert shares[5] == 0 and np.isclose(shares.sum(), 1)
