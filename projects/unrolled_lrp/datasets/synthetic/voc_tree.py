"""Writing scenes as a PASCAL VOC 2012 tree, with each object's look beside its class.

Layout of ``VOCdevkit/VOC2012``: ``JPEGImages/*.jpg``, ``Annotations/*.xml`` (one ``<object>``
per drawn object, with its ``<look>``), ``SegmentationClass/*.png`` (VOC palette, 255 on object
outlines), ``ImageSets/Segmentation/{train,val,trainval}.txt`` and ``ImageSets/Main/`` with the
per-class lists. A share of the images is left out of the segmentation lists and has no mask
(XML only), like the VOC images that carry image-level labels alone. Beyond VOC:
``SegmentationLook/*.png`` (each pixel's look number, 0 background, 255 outlines) for every
segmented image and ``looks.json`` (the look numbers), which let IoU be split into looks seen
and unseen in a split's masks. ``SYNTHETIC_VOC.txt`` records how the tree was made and lists
the files written, the only ones ``overwrite`` deletes."""
import json
from pathlib import Path
from xml.etree import ElementTree

import cv2
import numpy as np
from PIL import Image

from ...utils.owned_folder import prepare_owned_folder, record_owned_files
from .colour_scenes import ColourScenes
from .looks_scenes import LooksScenes
from .shapes_scenes import ShapesScenes
from .texture_scenes import TextureScenes
from .voc_classes import VOC_CLASSES

MARKER_FILE = 'SYNTHETIC_VOC.txt'
LOOKS_FILE = 'looks.json'
LAYOUT = ('JPEGImages', 'Annotations', 'SegmentationClass', 'SegmentationLook',
          'ImageSets/Segmentation', 'ImageSets/Main')
SCENE_STYLES = ('colour', 'textures', 'looks', 'shapes')
STYLES_WITH_LOOKS = ('looks', 'shapes')  # the styles with a choice of looks per class


def make_style(style, seed=0, looks_per_class=3):
    """The scene style by name; 'looks' and 'shapes' have a choice of looks per class."""
    if style == 'colour':
        return ColourScenes()
    if style == 'textures':
        return TextureScenes()
    if style == 'looks':
        return LooksScenes(seed, looks_per_class)
    if style == 'shapes':
        return ShapesScenes(seed, looks_per_class)
    raise ValueError(f'unknown style {style!r}; choose from {", ".join(SCENE_STYLES)}')


def voc_palette():
    """The 256-entry PASCAL VOC colour map (the devkit's bit-interleaving rule)."""
    palette = np.zeros((256, 3), np.uint8)
    for index in range(256):
        code, rgb = index, [0, 0, 0]
        for bit in range(8):
            for channel in range(3):
                rgb[channel] |= ((code >> channel) & 1) << (7 - bit)
            code >>= 3
        palette[index] = rgb
    return palette


def annotation_xml(image_id, size, objects, segmented):
    """VOC-style XML with one <object> per drawn object (and its <look>)."""
    root = ElementTree.Element('annotation')
    ElementTree.SubElement(root, 'folder').text = 'VOC2012'
    ElementTree.SubElement(root, 'filename').text = f'{image_id}.jpg'
    size_node = ElementTree.SubElement(root, 'size')
    for tag, value in (('width', size), ('height', size), ('depth', 3)):
        ElementTree.SubElement(size_node, tag).text = str(value)
    ElementTree.SubElement(root, 'segmented').text = str(int(segmented))
    for name, box, look in objects:
        node = ElementTree.SubElement(root, 'object')
        ElementTree.SubElement(node, 'name').text = name
        ElementTree.SubElement(node, 'look').text = look.name
        ElementTree.SubElement(node, 'pose').text = 'Unspecified'
        ElementTree.SubElement(node, 'truncated').text = '0'
        ElementTree.SubElement(node, 'difficult').text = '0'
        box_node = ElementTree.SubElement(node, 'bndbox')
        for tag, value in zip(('xmin', 'ymin', 'xmax', 'ymax'), box):
            ElementTree.SubElement(box_node, tag).text = str(int(value))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding='unicode') + '\n'


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{line}\n' for line in lines))


def assign_roles(rng, ids, val_fraction, image_level_fraction):
    """Split ids into segmentation train, segmentation val and image-level-only."""
    num_val = round(len(ids) * val_fraction)
    num_image_level = round(len(ids) * image_level_fraction)
    num_train = len(ids) - num_val - num_image_level
    if min(num_val, num_image_level, num_train) < 1:
        raise ValueError(
            f'--num-images {len(ids)} with --val-fraction {val_fraction} and '
            f'--image-level-fraction {image_level_fraction} leaves {num_train} segmentation '
            f'train, {num_val} val and {num_image_level} image-level-only images; '
            'each needs at least one')
    order = [ids[i] for i in rng.permutation(len(ids))]
    return (sorted(order[:num_train]), sorted(order[num_train:num_train + num_val]),
            sorted(order[num_train + num_val:]))


def prepare_out_dir(out_dir, overwrite):
    """An empty tree folder, or one emptied of an earlier tree made here (``overwrite``); a
    ``splits/`` folder or notes added later are refused (they would refer to new images)."""
    prepare_owned_folder(out_dir, MARKER_FILE, overwrite, 'make_synthetic_voc.py')
    for sub in LAYOUT:
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def save_palette_png(array, path, palette):
    png = Image.fromarray(array, mode='P')
    png.putpalette(palette)
    png.save(path)


def generate(out_dir, num_images, seed=0, image_size=96, val_fraction=0.25,
             image_level_fraction=0.25, overwrite=False, style='colour', looks_per_class=3,
             progress=print):
    """Write the tree; returns the (train, val, image_level_only) id lists."""
    scenes = make_style(style, seed, looks_per_class)
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    ids = [f'syn_{i:06d}' for i in range(1, num_images + 1)]
    train, val, image_level = assign_roles(rng, ids, val_fraction, image_level_fraction)
    prepare_out_dir(out_dir, overwrite)
    segmented = set(train) | set(val)
    palette = voc_palette().flatten().tolist()
    present = {name: set() for name in VOC_CLASSES[1:]}
    report_every = max(1, num_images // 10)
    for count, image_id in enumerate(ids, start=1):
        scene = scenes.render(rng, image_size)
        cv2.imwrite(str(out_dir / 'JPEGImages' / f'{image_id}.jpg'),
                    cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        (out_dir / 'Annotations' / f'{image_id}.xml').write_text(
            annotation_xml(image_id, image_size, scene.objects, image_id in segmented))
        if image_id in segmented:
            save_palette_png(scene.mask, out_dir / 'SegmentationClass' / f'{image_id}.png',
                             palette)
            Image.fromarray(scene.look_map, mode='L').save(
                out_dir / 'SegmentationLook' / f'{image_id}.png')
        for name, _, _ in scene.objects:
            present[name].add(image_id)
        if count % report_every == 0 or count == num_images:
            progress(f'{count}/{num_images} images')

    sets = {'train': sorted(set(ids) - set(val)), 'val': val, 'trainval': ids}
    write_lines(out_dir / 'ImageSets/Segmentation/train.txt', train)
    write_lines(out_dir / 'ImageSets/Segmentation/val.txt', val)
    write_lines(out_dir / 'ImageSets/Segmentation/trainval.txt', sorted(train + val))
    for set_name, set_ids in sets.items():
        write_lines(out_dir / f'ImageSets/Main/{set_name}.txt', set_ids)
        for name in VOC_CLASSES[1:]:
            write_lines(out_dir / f'ImageSets/Main/{name}_{set_name}.txt',
                        [f'{i} {1 if i in present[name] else -1:2d}' for i in set_ids])
    (out_dir / LOOKS_FILE).write_text(json.dumps(
        [dict(number=number, name=look.name, class_name=look.class_name, shape=look.shape,
              **look.details) for number, look in enumerate(scenes.looks, start=1)],
        indent=1) + '\n')
    # first line: how it was made; then the manifest that --overwrite may delete
    record_owned_files(out_dir, MARKER_FILE, marker_line(
        num_images, seed, image_size, val_fraction, image_level_fraction, style,
        looks_per_class))
    return train, val, image_level


def marker_line(num_images, seed=0, image_size=96, val_fraction=0.25, image_level_fraction=0.25,
                style='colour', looks_per_class=3):
    """The first line of a tree's marker file: how it was made."""
    return (f'Synthetic VOC tree: make_synthetic_voc.py --num-images {num_images} --seed {seed} '
            f'--image-size {image_size} --val-fraction {val_fraction} --image-level-fraction '
            f'{image_level_fraction} --style {style}'
            + (f' --looks-per-class {looks_per_class}' if style in STYLES_WITH_LOOKS else ''))


def read_look_table(voc_root):
    """{look number: look entry} of a tree's ``looks.json``."""
    path = Path(voc_root) / LOOKS_FILE
    if not path.is_file():
        raise FileNotFoundError(f'{path} does not exist: the tree has no look annotations '
                                '(made by an older version of make_synthetic_voc.py?)')
    return {entry['number']: entry for entry in json.loads(path.read_text())}
