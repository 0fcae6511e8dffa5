"""Write a small PASCAL VOC 2012-format tree of synthetic scenes.

Every image shows one to three objects on a textured background. The four object
classes differ in shape, colour and texture at once, so a small classifier learns
them within a few hundred CPU iterations, which makes the tree a stand-in for
VOC in tests, tutorials and smoke runs:

    aeroplane   red disc with horizontal stripes
    cat         blue square with a checkerboard
    person      green triangle with dots
    tvmonitor   yellow plus sign with diagonal stripes

The tree has the layout of ``VOCdevkit/VOC2012``: ``JPEGImages/*.jpg``,
``Annotations/*.xml``, ``SegmentationClass/*.png`` (VOC palette, 255 on object
outlines), ``ImageSets/Segmentation/{train,val,trainval}.txt`` and
``ImageSets/Main/{train,val,trainval}.txt`` plus the per-class
``ImageSets/Main/<class>_<set>.txt`` files. A share of the images is left out
of the segmentation lists and has no mask (XML only), like the VOC images that
carry image-level labels alone.

Example::

    python tools/make_synthetic_voc.py data/synthetic_voc --num-images 60 --seed 0

The script needs numpy, OpenCV and Pillow only: it writes the public VOC format
and so serves as an independent check of the code that reads it.
"""
import argparse
import shutil
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import cv2
import numpy as np
from PIL import Image

VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus',
               'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike',
               'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
# class name -> (shape, RGB colour, texture)
OBJECT_STYLES = {
    'aeroplane': ('disc', (210, 40, 40), 'horizontal_stripes'),
    'cat': ('square', (40, 70, 215), 'checkerboard'),
    'person': ('triangle', (40, 185, 60), 'dots'),
    'tvmonitor': ('plus', (225, 205, 40), 'diagonal_stripes'),
}
IGNORE_INDEX = 255
MARKER_FILE = 'SYNTHETIC_VOC.txt'
MIN_VISIBLE_SHARE = 0.5  # an occluded object keeps at least this share of its area
MIN_INTERIOR_PIXELS = 12  # pixels of an object's class left after the 255 outline


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


def textured_background(rng, size):
    """Muted colour, smooth blotches, a faint grating and pixel noise."""
    base = rng.uniform(80, 150, 3)
    blotches = cv2.resize(rng.normal(0, 25, (5, 5, 3)), (size, size),
                          interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size]
    angle, period = rng.uniform(0, np.pi), rng.uniform(6, 14)
    grating = 8 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    return base + blotches + grating[..., None] + rng.normal(0, 6, (size, size, 3))


def shape_mask(shape, size, centre, radius):
    """Boolean (size, size) silhouette of a shape around ``centre``."""
    yy, xx = np.mgrid[0:size, 0:size]
    cy, cx = centre
    if shape == 'disc':
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2
    if shape == 'square':
        return (np.abs(yy - cy) <= radius * 0.85) & (np.abs(xx - cx) <= radius * 0.85)
    if shape == 'triangle':  # apex up, base at the bottom
        height = (yy - (cy - radius)) / (2 * radius)
        return (height >= 0) & (height <= 1) & (np.abs(xx - cx) <= height * radius)
    if shape == 'plus':
        arm = radius * 0.35
        return (((np.abs(yy - cy) <= arm) & (np.abs(xx - cx) <= radius))
                | ((np.abs(xx - cx) <= arm) & (np.abs(yy - cy) <= radius)))
    raise ValueError(f'unknown shape {shape!r}')


def texture(name, size, phase):
    """Multiplicative brightness pattern in [0.55, 1.15]."""
    yy, xx = np.mgrid[0:size, 0:size] + phase
    if name == 'horizontal_stripes':
        pattern = (yy // 3) % 2
    elif name == 'checkerboard':
        pattern = ((yy // 5) + (xx // 5)) % 2
    elif name == 'dots':
        pattern = 1 - ((yy % 6 < 2) & (xx % 6 < 2))
    elif name == 'diagonal_stripes':
        pattern = ((xx + yy) // 3) % 2
    else:
        raise ValueError(f'unknown texture {name!r}')
    return 0.55 + 0.6 * pattern


def place_objects(rng, size, class_names):
    """Instance map (0 = background, i = i-th object) with every object clearly visible."""
    for _ in range(100):
        instances = np.zeros((size, size), np.int32)
        silhouettes = []
        for index, name in enumerate(class_names, start=1):
            radius = rng.uniform(0.14, 0.24) * size
            centre = rng.uniform(radius, size - radius, 2)
            silhouette = shape_mask(OBJECT_STYLES[name][0], size, centre, radius)
            instances[silhouette] = index
            silhouettes.append(silhouette)
        if all((instances == index).sum() >= MIN_VISIBLE_SHARE * silhouette.sum()
               for index, silhouette in enumerate(silhouettes, start=1)):
            return instances
    raise RuntimeError(f'could not place {len(class_names)} objects on a {size}px image; '
                       'use a larger --image-size')


def render_scene(rng, size):
    """(RGB image uint8, VOC mask uint8, [(class name, bbox x1 y1 x2 y2 1-based)])."""
    names = list(OBJECT_STYLES)
    for _ in range(100):
        class_names = [names[i] for i in rng.integers(0, len(names), rng.integers(1, 4))]
        instances = place_objects(rng, size, class_names)
        # VOC draws a void (255) band over object outlines
        kernel = np.ones((3, 3), np.uint8)
        outline = (cv2.dilate(instances.astype(np.uint8), kernel)
                   != cv2.erode(instances.astype(np.uint8), kernel))
        class_ids = np.array([0] + [VOC_CLASSES.index(n) for n in class_names], np.uint8)
        mask = class_ids[instances]
        mask[outline] = IGNORE_INDEX
        if all(((instances == i) & ~outline).sum() >= MIN_INTERIOR_PIXELS
               for i in range(1, len(class_names) + 1)):
            break
    else:
        raise RuntimeError(f'objects too small on a {size}px image; use a larger --image-size')

    image = textured_background(rng, size)
    objects = []
    for index, name in enumerate(class_names, start=1):
        _, colour, texture_name = OBJECT_STYLES[name]
        pixels = instances == index
        shade = texture(texture_name, size, rng.integers(0, 6))[..., None]
        jitter = rng.uniform(-15, 15, 3)
        image = np.where(pixels[..., None], (np.array(colour) + jitter) * shade, image)
        ys, xs = np.nonzero(pixels)
        objects.append((name, (xs.min() + 1, ys.min() + 1, xs.max() + 1, ys.max() + 1)))
    image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
    return image, mask, objects


def annotation_xml(image_id, size, objects, segmented):
    """VOC-style XML with one <object> per drawn object."""
    root = ElementTree.Element('annotation')
    ElementTree.SubElement(root, 'folder').text = 'VOC2012'
    ElementTree.SubElement(root, 'filename').text = f'{image_id}.jpg'
    size_node = ElementTree.SubElement(root, 'size')
    for tag, value in (('width', size), ('height', size), ('depth', 3)):
        ElementTree.SubElement(size_node, tag).text = str(value)
    ElementTree.SubElement(root, 'segmented').text = str(int(segmented))
    for name, box in objects:
        node = ElementTree.SubElement(root, 'object')
        ElementTree.SubElement(node, 'name').text = name
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
    """Refuse to mix with existing files; only replace trees this script made."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise SystemExit(f'error: {out_dir} exists and is not empty; pass --overwrite to '
                             'replace a tree made by this script')
        if not (out_dir / MARKER_FILE).is_file():
            raise SystemExit(f'error: {out_dir} has no {MARKER_FILE}, so it was not made by '
                             'this script; refusing to delete it')
        shutil.rmtree(out_dir)
    for sub in ('JPEGImages', 'Annotations', 'SegmentationClass', 'ImageSets/Segmentation',
                'ImageSets/Main'):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)


def generate(out_dir, num_images, seed=0, image_size=96, val_fraction=0.25,
             image_level_fraction=0.25, overwrite=False):
    """Write the tree; returns the (train, val, image_level_only) id lists."""
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
        image, mask, objects = render_scene(rng, image_size)
        cv2.imwrite(str(out_dir / 'JPEGImages' / f'{image_id}.jpg'),
                    cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        (out_dir / 'Annotations' / f'{image_id}.xml').write_text(
            annotation_xml(image_id, image_size, objects, image_id in segmented))
        if image_id in segmented:
            png = Image.fromarray(mask, mode='P')
            png.putpalette(palette)
            png.save(out_dir / 'SegmentationClass' / f'{image_id}.png')
        for name, _ in objects:
            present[name].add(image_id)
        if count % report_every == 0 or count == num_images:
            print(f'\r{count}/{num_images} images', end='', flush=True)
    print()

    sets = {'train': sorted(set(ids) - set(val)), 'val': val, 'trainval': ids}
    write_lines(out_dir / 'ImageSets/Segmentation/train.txt', train)
    write_lines(out_dir / 'ImageSets/Segmentation/val.txt', val)
    write_lines(out_dir / 'ImageSets/Segmentation/trainval.txt', sorted(train + val))
    for set_name, set_ids in sets.items():
        write_lines(out_dir / f'ImageSets/Main/{set_name}.txt', set_ids)
        for name in VOC_CLASSES[1:]:
            write_lines(out_dir / f'ImageSets/Main/{name}_{set_name}.txt',
                        [f'{i} {1 if i in present[name] else -1:2d}' for i in set_ids])
    (out_dir / MARKER_FILE).write_text(
        f'Synthetic VOC tree: tools/make_synthetic_voc.py --num-images {num_images} '
        f'--seed {seed} --image-size {image_size}\n')
    return train, val, image_level


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='root of the VOC2012-format tree to write')
    parser.add_argument('--num-images', type=int, default=60)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--image-size', type=int, default=96, help='side of the square images')
    parser.add_argument('--val-fraction', type=float, default=0.25,
                        help='share of images in ImageSets/Segmentation/val.txt')
    parser.add_argument('--image-level-fraction', type=float, default=0.25,
                        help='share of images without mask, outside the segmentation lists')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing tree made by this script')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    train, val, image_level = generate(
        args.out_dir, args.num_images, args.seed, args.image_size, args.val_fraction,
        args.image_level_fraction, args.overwrite)
    print(f'wrote {args.out_dir}: {len(train)} segmentation train, {len(val)} val, '
          f'{len(image_level)} image-level-only images of {args.image_size}px '
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    sys.exit(main())
