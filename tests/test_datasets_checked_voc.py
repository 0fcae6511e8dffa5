"""Every broken input stops the dataset with an error that names the file."""
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmseg.registry import DATASETS
from PIL import Image

import unrolled_lrp  # noqa: F401
from helpers import build_voc_dataset
from unrolled_lrp.datasets.synthetic import generate as generate_scenes



@pytest.fixture(scope='module')
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp('validation') / 'voc'
    generate_scenes(root, num_images=12, seed=4, image_size=48)
    return root


@pytest.fixture
def voc(pristine, tmp_path):
    """A private copy with a labelled and an image-level split to break."""
    root = tmp_path / 'voc'
    shutil.copytree(pristine, root)
    train = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    (root / 'labeled.txt').write_text('\n'.join(train[:3]) + '\n')
    (root / 'image_level.txt').write_text('\n'.join(train[3:]) + '\n')
    return root


def first_labeled(voc):
    return (voc / 'labeled.txt').read_text().split()[0]


def test_the_pristine_copy_loads(voc):
    assert len(build_voc_dataset(voc)) == 6


def test_missing_image(voc):
    path = voc / 'JPEGImages' / f'{first_labeled(voc)}.jpg'
    path.unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        build_voc_dataset(voc)


def test_split_naming_an_unknown_id(voc):
    with open(voc / 'image_level.txt', 'a') as split:
        split.write('no_such_image\n')
    with pytest.raises(FileNotFoundError,
                       match=rf"{re.escape(str(voc / 'image_level.txt'))}: image id "
                       r"'no_such_image' has no image"):
        build_voc_dataset(voc)


def test_missing_mask(voc):
    path = voc / 'SegmentationClass' / f'{first_labeled(voc)}.png'
    path.unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(f'{path}: mask does not exist')):
        build_voc_dataset(voc)


def test_missing_xml(voc):
    image_id = (voc / 'image_level.txt').read_text().split()[-1]
    path = voc / 'Annotations' / f'{image_id}.xml'
    path.unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(f'{path}: annotation XML')):
        build_voc_dataset(voc)


def test_mask_of_another_size(voc):
    path = voc / 'SegmentationClass' / f'{first_labeled(voc)}.png'
    png = Image.open(path)
    png.resize((40, 48), Image.NEAREST).save(path)
    with pytest.raises(ValueError, match=re.escape(f'{path}: mask is 40x48')):
        build_voc_dataset(voc)


@pytest.mark.parametrize('bad_value', [21, 254])
def test_mask_values_outside_the_classes(voc, bad_value):
    path = voc / 'SegmentationClass' / f'{first_labeled(voc)}.png'
    png = Image.open(path)
    mask = np.array(png)
    mask[0, 0] = bad_value
    out = Image.fromarray(mask, mode='P')
    out.putpalette(png.getpalette())
    out.save(path)
    with pytest.raises(ValueError, match=re.escape(f'{path}: mask values [{bad_value}]')):
        build_voc_dataset(voc)


def test_colour_mask_instead_of_class_indices(voc):
    path = voc / 'SegmentationClass' / f'{first_labeled(voc)}.png'
    Image.open(path).convert('RGB').save(path)
    with pytest.raises(ValueError, match=re.escape(f'{path}: mask must hold one class index')):
        build_voc_dataset(voc)


def test_unknown_class_name(voc):
    path = voc / 'Annotations' / f'{first_labeled(voc)}.xml'
    text = path.read_text()
    name = re.search(r'<name>(\w+)</name>', text).group(1)
    path.write_text(text.replace(f'<name>{name}</name>', '<name>unicorn</name>', 1))
    with pytest.raises(ValueError, match=re.escape(f"{path}: unknown class name 'unicorn'")):
        build_voc_dataset(voc)


def without_objects(text):
    return re.sub(r'<object>.*?</object>\s*', '', text, flags=re.S)


def test_an_xml_without_objects_is_refused(voc):
    path = voc / 'Annotations' / f'{first_labeled(voc)}.xml'
    path.write_text(without_objects(path.read_text()))
    with pytest.raises(ValueError, match=re.escape(f'{path}: names no <object>')):
        build_voc_dataset(voc)


def build_stage1(voc):
    """The classifier config's training set (mmpretrain's registry and scope)."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    cfg = Config.fromfile(str(Path(__file__).parents[1] /
                              'configs/synthetic/classifier_r18_synthetic.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return PRETRAIN_DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=str(voc),
                                            pipeline=[]))


@pytest.mark.parametrize('problem', ['unknown name', 'no objects', 'malformed'])
def test_stage_1_applies_the_same_rule_to_the_xml(voc, problem):
    """mmpretrain's VOC dropped unknown names silently, trained an XML without objects as an
    image of no class and raised a 52-line ParseError without the file."""
    path = voc / 'Annotations' / f'{first_labeled(voc)}.xml'
    text = path.read_text()
    if problem == 'unknown name':
        name = re.search(r'<name>(\w+)</name>', text).group(1)
        path.write_text(text.replace(f'<name>{name}</name>', '<name>unicorn</name>', 1))
        expected = f"{path}: unknown class name 'unicorn'"
    elif problem == 'no objects':
        path.write_text(without_objects(text))
        expected = f'{path}: names no <object>'
    else:
        path.write_text('<annotation><object>')
        expected = f'{path}: not a readable XML'
    with pytest.raises(ValueError, match=re.escape(expected)):
        build_stage1(voc)


def test_unreadable_xml(voc):
    path = voc / 'Annotations' / f'{first_labeled(voc)}.xml'
    path.write_text('<annotation><object>')
    with pytest.raises(ValueError, match=re.escape(f'{path}: not a readable XML')):
        build_voc_dataset(voc)


def test_part_names_are_no_classes(voc):
    """VOC layout annotations name body parts inside objects."""
    path = voc / 'Annotations' / f'{first_labeled(voc)}.xml'
    path.write_text(path.read_text().replace(
        '</object>', '<part><name>head</name></part></object>', 1))
    assert len(build_voc_dataset(voc)) == 6


def test_empty_split(voc):
    (voc / 'labeled.txt').write_text('\n')
    with pytest.raises(ValueError, match=re.escape(f"{voc / 'labeled.txt'}: split file lists "
                                                   'no image ids')):
        build_voc_dataset(voc)


def test_missing_split_file(voc):
    with pytest.raises(FileNotFoundError, match='split file does not exist'):
        build_voc_dataset(voc, labeled_split=str(voc / 'nope.txt'))


def test_repeated_id_in_a_split(voc):
    with open(voc / 'labeled.txt', 'a') as split:
        split.write(first_labeled(voc) + '\n')
    with pytest.raises(ValueError, match=r'labeled.txt:4: image id .* repeats line 1'):
        build_voc_dataset(voc)


def test_two_ids_on_one_line(voc):
    (voc / 'labeled.txt').write_text(first_labeled(voc) + ' 1\n')
    with pytest.raises(ValueError, match='expected one image id per line'):
        build_voc_dataset(voc)


def test_id_in_both_splits(voc):
    with open(voc / 'image_level.txt', 'a') as split:
        split.write(first_labeled(voc) + '\n')
    with pytest.raises(ValueError, match='share 1 ids'):
        build_voc_dataset(voc)


def add_class_to_xml(voc, image_id, name='bicycle'):
    path = voc / 'Annotations' / f'{image_id}.xml'
    path.write_text(path.read_text().replace(
        '</annotation>', f'<object><name>{name}</name></object></annotation>'))


def test_xml_and_mask_disagree_error(voc):
    image_id = first_labeled(voc)
    add_class_to_xml(voc, image_id)
    with pytest.raises(ValueError, match=rf"{image_id}: XML only \['bicycle'\], mask only \[\]"):
        build_voc_dataset(voc, on_label_mismatch='error')


def test_xml_and_mask_disagree_warning_lists_every_image(voc):
    labeled = (voc / 'labeled.txt').read_text().split()
    for image_id in labeled[:2]:
        add_class_to_xml(voc, image_id)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        dataset = build_voc_dataset(voc)
    finally:
        logger.removeHandler(handler)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith('2 of 3 pixel-labelled images')
    assert all(f"{i}: XML only ['bicycle']" in warnings[0] for i in labeled[:2])
    assert len(dataset) == 6


def test_bad_mismatch_policy():
    with pytest.raises(ValueError, match='on_label_mismatch'):
        DATASETS.build(dict(type='SemiSupervisedVOCDataset', labeled_split='x',
                            on_label_mismatch='ignore'))
