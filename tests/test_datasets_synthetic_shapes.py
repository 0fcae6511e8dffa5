"""The shapes scenes: a look is a silhouette of its own, and nothing but the silhouette tells
a class (colour, surface and background drawn alike for every class)."""
import json
from xml.etree import ElementTree

import numpy as np
import pytest
from mmseg.datasets import PascalVOCDataset
from PIL import Image

from unrolled_lrp.datasets.synthetic import MARKER_FILE, generate
from unrolled_lrp.datasets.synthetic.shapes import ALL_SHAPES, shape_mask
from unrolled_lrp.datasets.synthetic.shapes_scenes import SHAPE_POOL, shape_table

CLASSES = PascalVOCDataset.METAINFO['classes']


def test_every_look_has_a_silhouette_no_other_look_has():
    for seed in range(5):
        looks = shape_table(seed)
        assert len(looks) == 18 and len({look.shape for look in looks}) == 18
        assert {look.shape for look in looks} <= set(SHAPE_POOL)
        assert sorted({look.class_name for look in looks}) == sorted(
            {'aeroplane', 'bird', 'boat', 'cat', 'person', 'tvmonitor'})
    assert shape_table(0) == shape_table(0) and shape_table(0) != shape_table(1)
    with pytest.raises(ValueError, match='choose 1 to 3'):
        shape_table(0, looks_per_class=4)


def test_silhouettes_differ_from_each_other():
    """No two shapes of the scenes' pool overlap by 80% (IoU) at the same place and size."""
    masks = {shape: shape_mask(shape, 64, (32, 32), 24) for shape in ALL_SHAPES}
    for i, a in enumerate(SHAPE_POOL):
        assert masks[a].sum() > 200, a
        for b in SHAPE_POOL[i + 1:]:
            iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
            assert iou < 0.8, (a, b, iou)


@pytest.fixture(scope='module')
def shapes_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp('shapes') / 'voc'
    generate(root, num_images=60, seed=5, image_size=64, style='shapes')
    return root


def test_look_maps_agree_with_masks_xml_and_looks_json(shapes_tree):
    table = {entry['number']: entry for entry in json.loads(
        (shapes_tree / 'looks.json').read_text())}
    assert len(table) == 18
    assert '--style shapes --looks-per-class 3' in (shapes_tree / MARKER_FILE).read_text()
    for png_path in (shapes_tree / 'SegmentationClass').glob('*.png'):
        mask = np.array(Image.open(png_path))
        look_map = np.array(Image.open(shapes_tree / 'SegmentationLook' / png_path.name))
        assert np.array_equal(look_map == 0, mask == 0)
        numbers = set(np.unique(look_map).tolist()) - {0, 255}
        for number in numbers:
            assert set(np.unique(mask[look_map == number])) == {
                CLASSES.index(table[number]['class_name'])}
        objects = ElementTree.parse(shapes_tree / 'Annotations' / f'{png_path.stem}.xml'
                                    ).getroot().iter('object')
        assert {obj.find('look').text for obj in objects} == {table[n]['name'] for n in numbers}


def test_colour_tells_neither_the_class_nor_the_look(shapes_tree):
    """Objects of one look spread over the colour space as widely as all objects do."""
    colours = {}
    for png_path in (shapes_tree / 'SegmentationLook').glob('*.png'):
        look_map = np.array(Image.open(png_path))
        image = np.array(Image.open(shapes_tree / 'JPEGImages' / f'{png_path.stem}.jpg'), float)
        for number in set(np.unique(look_map).tolist()) - {0, 255}:
            colours.setdefault(number, []).append(image[look_map == number].mean(0))
    spread_all = np.std(np.concatenate(list(colours.values())), axis=0).mean()
    spreads = [np.std(np.array(means), axis=0).mean() for means in colours.values()
               if len(means) >= 4]
    assert spreads and min(spreads) > 0.5 * spread_all


def test_shapes_style_same_seed_same_bytes(tmp_path):
    for name in ('a', 'b'):
        generate(tmp_path / name, num_images=6, seed=1, image_size=64, style='shapes')
    files = sorted(p.relative_to(tmp_path / 'a') for p in (tmp_path / 'a').rglob('*')
                   if p.is_file())
    assert all((tmp_path / 'a' / f).read_bytes() == (tmp_path / 'b' / f).read_bytes()
               for f in files)
