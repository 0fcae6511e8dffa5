"""Image files checked before training: cut-short JPEG/PNG files, images decoded once with the
decoder's warnings as errors, header sizes, class masks, and the file named when one still fails
to decode in a pipeline."""
import contextlib
import json
import os
import os.path as osp
import tempfile
import time
import zlib

import cv2
import numpy as np
from mmengine.logging import print_log
from PIL import Image, UnidentifiedImageError

JPEG_START, JPEG_END = b'\xff\xd8', b'\xff\xd9'
PNG_START, PNG_END = b'\x89PNG', b'IEND\xaeB`\x82'
TAIL_BYTES = 32  # encoders may pad a few bytes after the end-of-image marker
MIN_IMAGE_SIDE = 16  # px: smaller images hold nothing a stride-32 backbone sees


def check_complete(path: str) -> None:
    """Raise if a JPEG or PNG lacks its end-of-image marker: a file cut short.

    Its header still reads and decoders fill the missing rows with grey or black without
    an error, so such an image would train and test silently. Reads 4 + 32 bytes per file
    (measured: 0.14 ms a file, so some 2-3 s for the 17k VOC images)."""
    size = osp.getsize(path)
    with open(path, 'rb') as file:
        head = file.read(4)
        file.seek(max(0, size - TAIL_BYTES))
        tail = file.read()
    if head.startswith(JPEG_START):
        complete, kind = JPEG_END in tail, 'JPEG'
    elif head.startswith(PNG_START):
        complete, kind = tail.endswith(PNG_END), 'PNG'
    else:
        return  # other formats: left to the decoder
    if not complete:
        raise ValueError(f'{path}: truncated {kind} (no end-of-image marker; '
                         f'{size} bytes); re-download or re-create it')


CACHE_ENV = 'UNROLLED_LRP_CACHE'
CHECKED_FILE = 'decoded_images.json'


def checked_images_file():
    """Where images that decoded cleanly are remembered: ``$UNROLLED_LRP_CACHE`` or
    ``~/.cache/unrolled-lrp``."""
    root = os.environ.get(CACHE_ENV) or osp.join(osp.expanduser('~'), '.cache', 'unrolled-lrp')
    return osp.join(root, CHECKED_FILE)


@contextlib.contextmanager
def decoder_messages():
    """Captures what native decoders print to the process's stderr (libjpeg's "Corrupt JPEG
    data: ..." warnings name no file); yields a function returning the text printed since
    its last call."""
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        position = [0]

        def new_text():
            capture.seek(position[0])
            text = capture.read()
            position[0] += len(text)
            return text.decode(errors='replace').strip()
        try:
            yield new_text
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def file_signature(path) -> list:
    """[size, modification time, CRC-32 of the content]: it changes when a file is corrupted
    in place behind an unchanged size and time (a CRC of a 62 KB JPEG costs about 20 µs)."""
    stat = os.stat(path)
    with open(path, 'rb') as file:
        return [stat.st_size, stat.st_mtime_ns, zlib.crc32(file.read())]


def check_images_decode(paths) -> None:
    """Decodes every image of ``paths`` once with the pipelines' decoder (OpenCV) and raises,
    naming the files, for any that does not decode or makes the decoder warn: a JPEG with
    corrupt scan data decodes with a warning on stderr and wrong pixels, and would train
    silently.
    An image smaller than :data:`MIN_IMAGE_SIDE` on a side is refused too (it crashed a
    DataLoader worker in the resize, naming nothing).
    Images that passed are remembered by (path, size, modification time, a CRC of their
    content: :func:`file_signature`) in :func:`checked_images_file`, so later
    runs over the same files check nothing again, and a file rewritten in place is checked
    again even where its size and time stayed."""
    cache_path = checked_images_file()
    try:
        with open(cache_path) as file:
            checked = json.load(file)
    except (OSError, ValueError):
        checked = {}
    todo = []
    for path in paths:
        key, signature = osp.abspath(path), file_signature(path)
        if checked.get(key) != signature:
            todo.append((path, key, signature))
    if not todo:
        return
    start = time.perf_counter()
    problems = []
    with decoder_messages() as new_text:
        for path, key, signature in todo:
            # from the file, not from bytes: libjpeg's file source also warns of a premature end
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            message = new_text()
            if image is None:
                problems.append(f'{path}: cannot be decoded '
                                f'({"an empty file" if not signature[0] else "not an image"})')
            elif message:
                problems.append(f'{path}: the decoder warns "{message.splitlines()[0]}"')
            elif min(image.shape[:2]) < MIN_IMAGE_SIDE:
                problems.append(f'{path}: {image.shape[1]}x{image.shape[0]} pixels, below the '
                                f'{MIN_IMAGE_SIDE} px a side the models take')
            else:
                checked[key] = signature
    if len(todo) > 1000:
        print_log(f'decoded {len(todo)} images once to check them in '
                  f'{time.perf_counter() - start:.1f} s (remembered in {cache_path})',
                  logger='current')
    os.makedirs(osp.dirname(cache_path), exist_ok=True)
    with tempfile.NamedTemporaryFile('w', dir=osp.dirname(cache_path), delete=False) as file:
        json.dump(checked, file)
    os.replace(file.name, cache_path)
    if problems:
        more = f' (and {len(problems) - 1} more: {"; ".join(problems[1:4])})' if len(
            problems) > 1 else ''
        raise ValueError(f'{problems[0]}{more}; re-download or re-create the image')


def image_size(img_path: str):
    """(width, height) from the image header, without decoding the pixels."""
    try:
        with Image.open(img_path) as image:
            return image.size
    except UnidentifiedImageError as error:
        raise ValueError(f'{img_path}: not a readable image') from error


def read_mask(seg_map_path: str) -> np.ndarray:
    """Class-index mask (H, W) of a palette or greyscale PNG, as the loader reads it."""
    if not osp.isfile(seg_map_path):
        raise FileNotFoundError(f'{seg_map_path}: mask does not exist')
    check_complete(seg_map_path)
    try:
        with Image.open(seg_map_path) as png:
            mode = png.mode
            mask = np.array(png)
    except UnidentifiedImageError as error:
        raise ValueError(f'{seg_map_path}: not a readable image') from error
    if mask.ndim != 2:
        raise ValueError(f'{seg_map_path}: mask must hold one class index per pixel '
                         f'(palette or greyscale PNG), got mode {mode} with shape {mask.shape}')
    if mask.dtype != np.uint8:  # 16-bit: MMSeg's loader keeps it, and training crashed
        raise ValueError(f'{seg_map_path}: mask is a {mask.dtype.itemsize * 8}-bit PNG (mode '
                         f'{mode}); save it as an 8-bit palette or greyscale PNG, as VOC does')
    return mask


class NamesUndecodableFiles:
    """Dataset mixin: a sample whose files fail to decode in the pipeline raises an error
    that names them (mmcv and PIL name neither the image nor the mask)."""

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except (OSError, AssertionError, SyntaxError) as error:  # PIL, mmcv, truncated PNG
            info = self.get_data_info(idx)
            files = info['img_path'] + (f' (mask {info["seg_map_path"]})'
                                        if info.get('seg_map_path') else '')
            raise OSError(f'{files}: cannot be decoded: {type(error).__name__}: '
                          f'{error}') from error
