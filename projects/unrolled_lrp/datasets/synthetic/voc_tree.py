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

from .colour_scenes import ColourScenes
from .looks_scenes import LooksScenes
from .texture_scenes import TextureScenes
from .voc_classes import VOC_CLASSES

MARKER_FILE = 'SYNTHETIC_VOC.txt'
LOOKS_FILE = 'looks.json'
LAYOUT = ('JPEGImages', 'Annotations', 'SegmentationClass', 'SegmentationLook',
          'ImageSets/Segmentation', 'ImageSets/Main')
SCENE_STYLES = ('colour', 'textures', 'looks')


def make_style(style, seed=0, looks_per_class=3):
    """The scene style by name; only 'looks' has a choice of looks per class."""
    if style == 'colour':
        return ColourScenes()
    if style == 'textures':
        return TextureScenes()
    if style == 'looks':
        return LooksScenes(seed, looks_per_class)
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


def own_files(out_dir):
    """Relative paths written into ``out_dir``: the manifest in its marker file (below the
    first line), or for a tree without one the files of the VOC layout."""
    lines = (out_dir / MARKER_FILE).read_text().splitlines()[1:]
    if lines:
        return set(lines)
    return {str(path.relative_to(out_dir)) for sub in LAYOUT for path in (out_dir / sub).glob('*')
            if path.is_file()}


def prepare_out_dir(out_dir, overwrite):
    """Refuse to mix with existing files; ``overwrite`` replaces a tree made here, as long as
    it holds nothing else (a ``splits/`` folder or notes added later are kept, and the tree is
    not touched)."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise ValueError(f'{out_dir} exists and is not empty; pass --overwrite to replace a '
                             'tree made by this script')
        if not (out_dir / MARKER_FILE).is_file():
            raise ValueError(f'{out_dir} has no {MARKER_FILE}, so it was not made by this '
                             'script; refusing to delete it')
        own = own_files(out_dir)
        foreign = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                         if path.is_file() and path.name != MARKER_FILE
                         and str(path.relative_to(out_dir)) not in own)
        if foreign:
            raise ValueError(
                f'{out_dir} holds {len(foreign)} files this script did not write '
                f'({", ".join(foreign[:5])}{", ..." if len(foreign) > 5 else ""}); --overwrite '
                'deletes only its own files and would leave these to refer to new images: '
                'move or delete them first')
        for name in own | {MARKER_FILE}:
            (out_dir / name).unlink(missing_ok=True)
        for directory in sorted((d for d in out_dir.rglob('*') if d.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
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
    written = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                     if path.is_file())
    (out_dir / MARKER_FILE).write_text(
        marker_line(num_images, seed, image_size, val_fraction, image_level_fraction, style,
                    looks_per_class) + '\n' + ''.join(f'{name}\n' for name in written))
    return train, val, image_level


def marker_line(num_images, seed=0, image_size=96, val_fraction=0.25, image_level_fraction=0.25,
                style='colour', looks_per_class=3):
    """The first line of a tree's marker file: how it was made."""
    return (f'Synthetic VOC tree: make_synthetic_voc.py --num-images {num_images} --seed {seed} '
            f'--image-size {image_size} --val-fraction {val_fraction} --image-level-fraction '
            f'{image_level_fraction} --style {style}'
            + (f' --looks-per-class {looks_per_class}' if style == 'looks' else ''))


def read_look_table(voc_root):
    """{look number: look entry} of a tree's ``looks.json``."""
    path = Path(voc_root) / LOOKS_FILE
    if not path.is_file():
        raise FileNotFoundError(f'{path} does not exist: the tree has no look annotations '
                                '(made by an older version of make_synthetic_voc.py?)')
    return {entry['number']: entry for entry in json.loads(path.read_text())}
