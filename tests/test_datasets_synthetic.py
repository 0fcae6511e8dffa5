"""The synthetic VOC generator writes a complete, self-consistent VOC 2012 tree."""
import colorsys
import json
from xml.etree import ElementTree

import numpy as np
import pytest
import torch
from mmseg.datasets import PascalVOCDataset
from PIL import Image

from unrolled_lrp.datasets.synthetic import MARKER_FILE, generate, make_style
from unrolled_lrp.datasets.synthetic.colour_scenes import OBJECT_STYLES
from unrolled_lrp.datasets.synthetic.looks_scenes import look_table
from unrolled_lrp.datasets.synthetic.texture_scenes import TEXTURE_STYLES

CLASSES = PascalVOCDataset.METAINFO['classes']


def ids_of(path):
    return path.read_text().split()


def xml_names(path):
    return [obj.find('name').text for obj in ElementTree.parse(path).getroot().iter('object')]


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic') / 'voc'
    generate(root, num_images=24, seed=3, image_size=64)
    return root


def test_lists_partition_the_images(tree):
    all_ids = ids_of(tree / 'ImageSets/Main/trainval.txt')
    train = ids_of(tree / 'ImageSets/Segmentation/train.txt')
    val = ids_of(tree / 'ImageSets/Segmentation/val.txt')
    assert len(all_ids) == 24 and (len(train), len(val)) == (12, 6)
    assert not set(train) & set(val)
    assert sorted(p.stem for p in (tree / 'JPEGImages').glob('*.jpg')) == sorted(all_ids)
    assert sorted(p.stem for p in (tree / 'Annotations').glob('*.xml')) == sorted(all_ids)
    # image-level-only images: XML but no mask, outside the segmentation lists
    assert sorted(p.stem for p in (tree / 'SegmentationClass').glob('*.png')) == sorted(
        train + val)
    assert ids_of(tree / 'ImageSets/Main/val.txt') == val
    assert sorted(ids_of(tree / 'ImageSets/Main/train.txt')) == sorted(set(all_ids) - set(val))


def test_masks_use_the_voc_palette_and_agree_with_xml_and_image(tree):
    mmseg_palette = np.array(PascalVOCDataset.METAINFO['palette'], np.uint8).flatten()
    classes_seen = set()
    for png_path in (tree / 'SegmentationClass').glob('*.png'):
        png = Image.open(png_path)
        assert png.mode == 'P'
        assert np.array_equal(np.array(png.getpalette()[:63], np.uint8), mmseg_palette)
        assert png.getpalette()[255 * 3:256 * 3] == [224, 224, 192]  # VOC's void colour
        mask = np.array(png)
        values = set(np.unique(mask).tolist())
        assert 255 in values and 0 in values  # outlines and background
        names = xml_names(tree / 'Annotations' / f'{png_path.stem}.xml')
        assert 1 <= len(names) <= 3
        assert values - {0, 255} == {CLASSES.index(n) for n in names}
        assert Image.open(tree / 'JPEGImages' / f'{png_path.stem}.jpg').size == (64, 64)
        classes_seen |= set(names)
    assert classes_seen == set(OBJECT_STYLES)


def test_main_class_lists_mark_the_images_naming_the_class(tree):
    for name in CLASSES[1:]:
        lines = (tree / f'ImageSets/Main/{name}_trainval.txt').read_text().splitlines()
        marked = {line.split()[0] for line in lines if line.split()[1] == '1'}
        named = {p.stem for p in (tree / 'Annotations').glob('*.xml') if name in xml_names(p)}
        assert marked == named
        assert len(lines) == 24


def test_objects_show_their_class_colour(tree):
    """The classes must be told apart by the pixels, not only by the files."""
    styles = OBJECT_STYLES
    directions = {name: np.array(style[1]) / np.linalg.norm(style[1])
                  for name, style in styles.items()}
    for png_path in (tree / 'SegmentationClass').glob('*.png'):
        mask = np.array(Image.open(png_path))
        image = np.array(Image.open(tree / 'JPEGImages' / f'{png_path.stem}.jpg'), float)
        for value in set(np.unique(mask).tolist()) - {0, 255}:
            mean = image[mask == value].mean(0)
            # textures change the brightness, not the hue: nearest colour direction wins
            nearest = max(directions, key=lambda name: directions[name] @ mean)
            assert nearest == CLASSES[value], png_path.name


def test_same_seed_same_bytes_other_seed_other_images(tmp_path):
    for name, seed in (('a', 5), ('b', 5), ('c', 6)):
        generate(tmp_path / name, num_images=8, seed=seed, image_size=48)
    files = sorted(p.relative_to(tmp_path / 'a') for p in (tmp_path / 'a').rglob('*')
                   if p.is_file() and p.name != MARKER_FILE)
    assert all((tmp_path / 'a' / f).read_bytes() == (tmp_path / 'b' / f).read_bytes()
               for f in files)
    assert any((tmp_path / 'a' / f).read_bytes() != (tmp_path / 'c' / f).read_bytes()
               for f in files if f.suffix == '.jpg')


def test_refuses_to_overwrite_foreign_folders(tmp_path):
    (tmp_path / 'notes.txt').write_text('keep me')
    with pytest.raises(ValueError, match='not empty'):
        generate(tmp_path, num_images=8)
    with pytest.raises(ValueError, match='not made by make_synthetic_voc.py'):
        generate(tmp_path, num_images=8, overwrite=True)
    assert (tmp_path / 'notes.txt').read_text() == 'keep me'


def test_overwrite_replaces_an_own_tree(tmp_path):
    generate(tmp_path / 'voc', num_images=12, seed=0, image_size=48)
    generate(tmp_path / 'voc', num_images=8, seed=0, image_size=48, overwrite=True)
    assert len(list((tmp_path / 'voc' / 'JPEGImages').glob('*.jpg'))) == 8


def test_too_few_images_for_three_lists_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='each needs at least one'):
        generate(tmp_path / 'voc', num_images=2)


def test_a_small_classifier_learns_the_image_labels(tmp_path):
    """Two convolutions, global max pooling and a linear layer, trained briefly on the images
    outside the segmentation val list, name the classes of the unseen val images. (With one
    style for all four classes the same network stays near F1 0.3.)"""
    tree = tmp_path / 'voc'
    generate(tree, num_images=60, seed=0, image_size=48)
    names = list(OBJECT_STYLES)
    val = ids_of(tree / 'ImageSets/Segmentation/val.txt')
    train = sorted(set(ids_of(tree / 'ImageSets/Main/trainval.txt')) - set(val))

    def images_and_labels(ids):
        images = np.stack([np.array(Image.open(tree / 'JPEGImages' / f'{i}.jpg')) for i in ids])
        labels = [[name in xml_names(tree / 'Annotations' / f'{i}.xml') for name in names]
                  for i in ids]
        return (torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255,
                torch.tensor(labels, dtype=torch.float32))

    (x_train, y_train), (x_val, y_val) = images_and_labels(train), images_and_labels(val)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3), torch.nn.ReLU(), torch.nn.Conv2d(16, 16, 3), torch.nn.ReLU(),
        torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, len(names)))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        predicted = net(x_val) > 0
    truth = y_val.bool()
    f1 = 2 * (predicted & truth).sum() / (predicted.sum() + truth.sum())
    assert f1 > 0.85


@pytest.fixture(scope='module')
def texture_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp('textures') / 'voc'
    generate(root, num_images=30, seed=2, image_size=64, style='textures')
    return root


def test_texture_scenes_have_the_voc_format_and_all_six_classes(texture_tree):
    classes_seen = set()
    for png_path in (texture_tree / 'SegmentationClass').glob('*.png'):
        mask = np.array(Image.open(png_path))
        names = xml_names(texture_tree / 'Annotations' / f'{png_path.stem}.xml')
        assert 1 <= len(names) <= 3
        assert set(np.unique(mask).tolist()) - {0, 255} == {CLASSES.index(n) for n in names}
        classes_seen |= set(names)
    assert classes_seen == set(TEXTURE_STYLES)
    assert '--style textures' in (texture_tree / MARKER_FILE).read_text()


def test_texture_colours_do_not_name_the_class(texture_tree):
    """Colour is drawn per object, so objects of one class spread over the colour space
    (in the default style each class keeps one colour within a jitter of 15)."""
    colours = {}
    for png_path in (texture_tree / 'SegmentationClass').glob('*.png'):
        mask = np.array(Image.open(png_path))
        image = np.array(Image.open(texture_tree / 'JPEGImages' / f'{png_path.stem}.jpg'),
                         float)
        for value in set(np.unique(mask).tolist()) - {0, 255}:
            colours.setdefault(value, []).append(image[mask == value].mean(0))
    spreads = [np.std(np.array(means), axis=0).mean() for means in colours.values()
               if len(means) >= 3]
    assert spreads and min(spreads) > 20


def test_texture_style_same_seed_same_bytes(tmp_path):
    for name in ('a', 'b'):
        generate(tmp_path / name, num_images=6, seed=1, image_size=64,
                         style='textures')
    files = sorted(p.relative_to(tmp_path / 'a') for p in (tmp_path / 'a').rglob('*')
                   if p.is_file())
    assert all((tmp_path / 'a' / f).read_bytes() == (tmp_path / 'b' / f).read_bytes()
               for f in files)


def test_unknown_style_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="unknown style 'stripes'"):
        generate(tmp_path / 'voc', num_images=8, style='stripes')


def test_the_dataset_reads_texture_scenes(texture_tree, tmp_path):
    from mmseg.registry import DATASETS

    import unrolled_lrp  # noqa: F401
    train = ids_of(texture_tree / 'ImageSets/Segmentation/train.txt')
    image_level = sorted(set(ids_of(texture_tree / 'ImageSets/Main/train.txt')) - set(train))
    (tmp_path / 'image_level.txt').write_text('\n'.join(image_level) + '\n')
    dataset = DATASETS.build(dict(
        type='SemiSupervisedVOCDataset', data_root=str(texture_tree),
        labeled_split=str(texture_tree / 'ImageSets/Segmentation/train.txt'),
        image_level_split=str(tmp_path / 'image_level.txt'), pipeline=[]))
    assert len(dataset) == len(train) + len(image_level)


def test_look_tables_give_every_look_a_hue_and_each_class_its_own_shapes():
    for seed in range(5):
        looks = look_table(seed, looks_per_class=3)
        assert len(looks) == 18 and len({look.name for look in looks}) == 18
        hues = sorted(look.details['hue'] for look in looks)
        assert hues == pytest.approx([20.0 * i for i in range(18)])  # evenly spaced, all used
        for name in {look.class_name for look in looks}:
            assert len({look.shape for look in looks if look.class_name == name}) == 3
    assert look_table(0) == look_table(0) and look_table(0) != look_table(1)
    with pytest.raises(ValueError, match='choose 1 to 7'):
        look_table(0, looks_per_class=8)


@pytest.fixture(scope='module')
def looks_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp('looks') / 'voc'
    generate(root, num_images=40, seed=4, image_size=64, style='looks', looks_per_class=2)
    return root


def test_look_maps_xml_and_looks_json_agree_with_the_masks(looks_tree):
    table = {entry['number']: entry for entry in json.loads(
        (looks_tree / 'looks.json').read_text())}
    assert len(table) == 12 and '--looks-per-class 2' in (looks_tree / MARKER_FILE).read_text()
    looks_seen = set()
    for png_path in (looks_tree / 'SegmentationClass').glob('*.png'):
        mask = np.array(Image.open(png_path))
        look_map = np.array(Image.open(looks_tree / 'SegmentationLook' / png_path.name))
        assert np.array_equal(look_map == 255, mask == 255)
        assert np.array_equal(look_map == 0, mask == 0)
        numbers = set(np.unique(look_map).tolist()) - {0, 255}
        for number in numbers:
            assert set(np.unique(mask[look_map == number])) == {
                CLASSES.index(table[number]['class_name'])}
        objects = ElementTree.parse(looks_tree / 'Annotations' / f'{png_path.stem}.xml'
                                    ).getroot().iter('object')
        assert {obj.find('look').text for obj in objects} == {table[n]['name'] for n in numbers}
        looks_seen |= numbers
    assert len(looks_seen) >= 8


def test_looks_show_their_hue(looks_tree):
    """An object's mean colour has its look's hue (within the jitter, shading and blur), nearer
    to it than to any other look's (12 looks: 30 degrees apart)."""
    table = {entry['number']: entry for entry in json.loads(
        (looks_tree / 'looks.json').read_text())}
    for png_path in (looks_tree / 'SegmentationLook').glob('*.png'):
        look_map = np.array(Image.open(png_path))
        image = np.array(Image.open(looks_tree / 'JPEGImages' / f'{png_path.stem}.jpg'), float)
        for number in set(np.unique(look_map).tolist()) - {0, 255}:
            inside = look_map == number
            if inside.sum() < 30:
                continue
            hue = 360 * colorsys.rgb_to_hsv(*(image[inside].mean(0) / 255))[0]
            distance = abs((hue - table[number]['hue'] + 180) % 360 - 180)
            assert distance < 12, (png_path.name, table[number]['name'], hue)


def test_looks_style_same_seed_same_bytes_and_unknown_options_refused(tmp_path):
    for name in ('a', 'b'):
        generate(tmp_path / name, num_images=6, seed=1, image_size=64, style='looks')
    files = sorted(p.relative_to(tmp_path / 'a') for p in (tmp_path / 'a').rglob('*')
                   if p.is_file())
    assert all((tmp_path / 'a' / f).read_bytes() == (tmp_path / 'b' / f).read_bytes()
               for f in files)
    assert [look.name for look in make_style('looks', 1).looks] == [
        entry['name'] for entry in json.loads((tmp_path / 'a' / 'looks.json').read_text())]
