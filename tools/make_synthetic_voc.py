"""Write a small PASCAL VOC 2012-format tree of synthetic scenes.

Every image shows one to three objects on a textured background. The four object
classes differ in shape, colour and texture at once, so a small classifier learns
them within a few hundred CPU iterations, which makes the tree a stand-in for
VOC in tests, tutorials and smoke runs:

    aeroplane   red disc with horizontal stripes
    cat         blue square with a checkerboard
    person      green triangle with dots
    tvmonitor   yellow plus sign with diagonal stripes

``--style few-label`` draws the scenes of the few-label benchmark
(``tools/few_label_benchmark.py``) instead: six classes told apart by shape and
texture alone (disc/stripes, ring/dots, semicircle/grid, square/checkerboard,
triangle/concentric rings, plain plus sign), each object in a random colour, turned
by a random angle, its texture at a random period; the background is smooth colour
noise with a grating and untextured distractor blobs. A few masks then teach a
decoder little, while the image-level labels of hundreds of images teach a
classifier the classes.

The tree has the layout of ``VOCdevkit/VOC2012``: ``JPEGImages/*.jpg``,
``Annotations/*.xml``, ``SegmentationClass/*.png`` (VOC palette, 255 on object
outlines), ``ImageSets/Segmentation/{train,val,trainval}.txt`` and
``ImageSets/Main/{train,val,trainval}.txt`` plus the per-class
``ImageSets/Main/<class>_<set>.txt`` files. A share of the images is left out
of the segmentation lists and has no mask (XML only), like the VOC images that
carry image-level labels alone. ``SYNTHETIC_VOC.txt`` records how the tree was made
and lists the files written, the only ones ``--overwrite`` deletes (a tree holding
other files, such as ``splits/``, is refused).

Example::

    python tools/make_synthetic_voc.py data/synthetic_voc --num-images 60 --seed 0
    python tools/make_synthetic_voc.py data/few_label_voc --style few-label \
        --num-images 480 --val-fraction 0.2 --image-level-fraction 0.4

The script needs numpy, OpenCV and Pillow only: it writes the public VOC format
and so serves as an independent check of the code that reads it.
"""
import argparse
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
# --style few-label: class by shape and texture only (colour random per object, cluttered
# background), so that a handful of masks does not teach a decoder the classes
# (shapes turned by a random angle, textures at a random period)
FEW_LABEL_STYLES = {
    'aeroplane': ('disc', 'stripes'),
    'bird': ('ring', 'dots'),
    'boat': ('semicircle', 'grid'),
    'cat': ('square', 'checkerboard'),
    'person': ('triangle', 'concentric'),
    'tvmonitor': ('plus', 'plain'),
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


def shape_mask(shape, size, centre, radius, angle=0.0):
    """Boolean (size, size) silhouette of a shape around ``centre``, turned by ``angle``."""
    yy, xx = np.mgrid[0:size, 0:size]
    cy, cx = centre
    # offsets from the centre in the shape's own frame (unchanged for angle 0)
    dy = (yy - cy) * np.cos(angle) - (xx - cx) * np.sin(angle)
    dx = (yy - cy) * np.sin(angle) + (xx - cx) * np.cos(angle)
    if shape == 'disc':
        return dy ** 2 + dx ** 2 <= radius ** 2
    if shape == 'square':
        return (np.abs(dy) <= radius * 0.85) & (np.abs(dx) <= radius * 0.85)
    if shape == 'triangle':  # apex up, base at the bottom
        height = (dy + radius) / (2 * radius)
        return (height >= 0) & (height <= 1) & (np.abs(dx) <= height * radius)
    if shape == 'ring':
        distance = dy ** 2 + dx ** 2
        return (distance <= radius ** 2) & (distance >= (0.5 * radius) ** 2)
    if shape == 'semicircle':
        return (dy ** 2 + dx ** 2 <= radius ** 2) & (dy >= -0.2 * radius)
    if shape == 'plus':
        arm = radius * 0.35
        return (((np.abs(dy) <= arm) & (np.abs(dx) <= radius))
                | ((np.abs(dx) <= arm) & (np.abs(dy) <= radius)))
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


def scaled_texture(rng, name, size, centre):
    """Multiplicative brightness pattern in [0.55, 1.15] at a random period (4-7 px), in the
    image's axes and anchored at the object's centre: the few-label style's texture. (Turned
    by a random angle as well, the CPU classifier reached F1 74 instead of 87.)"""
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    period = rng.uniform(4, 7)
    u, v = xx - centre[1], yy - centre[0]
    if name == 'stripes':
        pattern = np.floor(u / (period / 2)) % 2
    elif name == 'checkerboard':
        pattern = (np.floor(u / period) + np.floor(v / period)) % 2
    elif name == 'dots':
        pattern = 1 - ((u % period < period / 2.5) & (v % period < period / 2.5))
    elif name == 'grid':
        pattern = 1 - ((u % period < 1.5) | (v % period < 1.5))
    elif name == 'concentric':
        pattern = np.floor(np.hypot(u, v) / (period / 2)) % 2
    elif name == 'plain':
        pattern = np.full((size, size), 0.75)
    else:
        raise ValueError(f'unknown texture {name!r}')
    return 0.55 + 0.6 * pattern


def place_objects(rng, size, shapes, rotate=False):
    """Instance map (0 = background, i = i-th object) with every object clearly visible,
    and the objects' centres; ``rotate`` turns each shape by a random angle."""
    for _ in range(100):
        instances = np.zeros((size, size), np.int32)
        silhouettes, centres = [], []
        for index, shape in enumerate(shapes, start=1):
            radius = rng.uniform(0.14, 0.24) * size
            centre = rng.uniform(radius, size - radius, 2)
            angle = rng.uniform(0, 2 * np.pi) if rotate else 0.0
            silhouette = shape_mask(shape, size, centre, radius, angle)
            instances[silhouette] = index
            silhouettes.append(silhouette)
            centres.append(centre)
        if all((instances == index).sum() >= MIN_VISIBLE_SHARE * silhouette.sum()
               for index, silhouette in enumerate(silhouettes, start=1)):
            return instances, centres
    raise RuntimeError(f'could not place {len(shapes)} objects on a {size}px image; '
                       'use a larger --image-size')


def scene_layout(rng, size, shape_of, rotate=False):
    """Instance map, VOC mask (255 outlines), class names and centres of 1-3 objects, drawn
    from the classes of ``shape_of`` (class name -> shape)."""
    pool = list(shape_of)
    for _ in range(100):
        class_names = [pool[i] for i in rng.integers(0, len(pool), rng.integers(1, 4))]
        instances, centres = place_objects(
            rng, size, [shape_of[name] for name in class_names], rotate)
        # VOC draws a void (255) band over object outlines
        kernel = np.ones((3, 3), np.uint8)
        outline = (cv2.dilate(instances.astype(np.uint8), kernel)
                   != cv2.erode(instances.astype(np.uint8), kernel))
        class_ids = np.array([0] + [VOC_CLASSES.index(n) for n in class_names], np.uint8)
        mask = class_ids[instances]
        mask[outline] = IGNORE_INDEX
        if all(((instances == i) & ~outline).sum() >= MIN_INTERIOR_PIXELS
               for i in range(1, len(class_names) + 1)):
            return instances, mask, class_names, centres
    raise RuntimeError(f'objects too small on a {size}px image; use a larger --image-size')


def bounding_box(pixels):
    """VOC bbox (x1, y1, x2, y2), 1-based, of a boolean mask."""
    ys, xs = np.nonzero(pixels)
    return xs.min() + 1, ys.min() + 1, xs.max() + 1, ys.max() + 1


def render_scene(rng, size):
    """(RGB image uint8, VOC mask uint8, [(class name, bbox x1 y1 x2 y2 1-based)])."""
    instances, mask, class_names, _ = scene_layout(
        rng, size, {name: style[0] for name, style in OBJECT_STYLES.items()})
    image = textured_background(rng, size)
    objects = []
    for index, name in enumerate(class_names, start=1):
        _, colour, texture_name = OBJECT_STYLES[name]
        pixels = instances == index
        shade = texture(texture_name, size, rng.integers(0, 6))[..., None]
        jitter = rng.uniform(-15, 15, 3)
        image = np.where(pixels[..., None], (np.array(colour) + jitter) * shade, image)
        objects.append((name, bounding_box(pixels)))
    image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
    return image, mask, objects


def smooth_noise(rng, size, cells, channels):
    """Noise of unit scale, smooth over about size / cells pixels."""
    return cv2.resize(rng.normal(0, 1, (cells, cells, channels)), (size, size),
                      interpolation=cv2.INTER_CUBIC).reshape(size, size, channels)


def cluttered_background(rng, size):
    """Smooth colour noise at two scales, a grating and distractor blobs of random colour:
    nothing in the background tells an object from the rest by colour or edges alone."""
    image = (rng.uniform(60, 190, 3) + 35 * smooth_noise(rng, size, 4, 3)
             + 20 * smooth_noise(rng, size, 12, 3))
    yy, xx = np.mgrid[0:size, 0:size]
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 10)
    image += 10 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)[
        ..., None]
    for _ in range(rng.integers(2, 5)):  # untextured ellipses: edges without a class
        centre = tuple(int(v) for v in rng.uniform(0, size, 2))
        axes = tuple(int(v) for v in rng.uniform(0.06, 0.2, 2) * size)
        blob = np.zeros((size, size), np.uint8)
        cv2.ellipse(blob, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
        image = np.where(blob[..., None] > 0, rng.uniform(30, 230, 3), image)
    return image + rng.normal(0, 6, (size, size, 3))


def render_few_label_scene(rng, size):
    """A FEW_LABEL_STYLES scene: class by shape and texture, colour random per object."""
    instances, mask, class_names, centres = scene_layout(
        rng, size, {name: style[0] for name, style in FEW_LABEL_STYLES.items()}, rotate=True)
    image = cluttered_background(rng, size)
    objects = []
    for index, (name, centre) in enumerate(zip(class_names, centres), start=1):
        _, texture_name = FEW_LABEL_STYLES[name]
        pixels = instances == index
        shade = scaled_texture(rng, texture_name, size, centre)[..., None]
        colour = rng.uniform(40, 220, 3) + 10 * smooth_noise(rng, size, 6, 3)
        image = np.where(pixels[..., None], colour * shade, image)
        objects.append((name, bounding_box(pixels)))
    image = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0.6)
    return image, mask, objects


SCENE_STYLES = {'colour': render_scene, 'few-label': render_few_label_scene}


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


LAYOUT = ('JPEGImages', 'Annotations', 'SegmentationClass', 'ImageSets/Segmentation',
          'ImageSets/Main')


def own_files(out_dir):
    """Relative paths this script wrote into ``out_dir``: the manifest in its marker file
    (below the first line), or for a tree without one the files of the VOC layout."""
    lines = (out_dir / MARKER_FILE).read_text().splitlines()[1:]
    if lines:
        return set(lines)
    return {str(path.relative_to(out_dir)) for sub in LAYOUT for path in (out_dir / sub).glob('*')
            if path.is_file()}


def prepare_out_dir(out_dir, overwrite):
    """Refuse to mix with existing files; ``overwrite`` replaces a tree this script made, as
    long as it holds nothing else (a ``splits/`` folder or notes added later are kept, and the
    tree is not touched)."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise SystemExit(f'error: {out_dir} exists and is not empty; pass --overwrite to '
                             'replace a tree made by this script')
        if not (out_dir / MARKER_FILE).is_file():
            raise SystemExit(f'error: {out_dir} has no {MARKER_FILE}, so it was not made by '
                             'this script; refusing to delete it')
        own = own_files(out_dir)
        foreign = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                         if path.is_file() and path.name != MARKER_FILE
                         and str(path.relative_to(out_dir)) not in own)
        if foreign:
            raise SystemExit(
                f'error: {out_dir} holds {len(foreign)} files this script did not write '
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


def generate(out_dir, num_images, seed=0, image_size=96, val_fraction=0.25,
             image_level_fraction=0.25, overwrite=False, style='colour'):
    """Write the tree; returns the (train, val, image_level_only) id lists."""
    if style not in SCENE_STYLES:
        raise ValueError(f'unknown style {style!r}; choose from {", ".join(SCENE_STYLES)}')
    render = SCENE_STYLES[style]
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
        image, mask, objects = render(rng, image_size)
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
    # first line: how it was made; then the manifest that --overwrite may delete
    written = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                     if path.is_file())
    (out_dir / MARKER_FILE).write_text(
        f'Synthetic VOC tree: tools/make_synthetic_voc.py --num-images {num_images} '
        f'--seed {seed} --image-size {image_size} --style {style}\n' + ''.join(
            f'{name}\n' for name in written))
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
    parser.add_argument('--style', choices=tuple(SCENE_STYLES), default='colour',
                        help="'colour': four classes, each its own shape, colour and texture "
                        "(a few masks suffice); 'few-label': six classes told apart by shape "
                        'and texture alone, random colours, cluttered backgrounds (for the '
                        'few-label benchmark)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing tree made by this script')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        train, val, image_level = generate(
            args.out_dir, args.num_images, args.seed, args.image_size, args.val_fraction,
            args.image_level_fraction, args.overwrite, args.style)
    except (ValueError, RuntimeError) as error:  # arguments that cannot make a tree
        raise SystemExit(f'error: {error}') from error
    print(f'wrote {args.out_dir}: {len(train)} segmentation train, {len(val)} val, '
          f'{len(image_level)} image-level-only images of {args.image_size}px '
          f'in {time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    sys.exit(main())
