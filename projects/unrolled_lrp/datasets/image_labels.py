"""Image-level labels: multi-hot class vectors from VOC XML files and from masks.

Index 0 is background. An XML file names the objects only, so it cannot say
whether background is visible; :func:`labels_from_class_names` marks it present,
which holds for nearly every VOC image, and the segmentor leaves the background
logit out of its classification loss by default. A mask says exactly which
classes (background included) are visible, so :func:`labels_from_mask` derives
the vector from the pixels.
"""
from pathlib import Path
from typing import List, Sequence
from xml.etree import ElementTree

import numpy as np
import torch


def read_object_names(xml_path) -> List[str]:
    """Names of the ``<annotation><object><name>`` entries, in file order.

    Only direct object names count: VOC layout annotations also name body parts
    (``<part><name>head</name>``) that are no classes.
    """
    xml_path = Path(xml_path)
    if not xml_path.is_file():
        raise FileNotFoundError(f'{xml_path}: annotation XML does not exist')
    try:
        root = ElementTree.parse(xml_path).getroot()
    except ElementTree.ParseError as error:
        raise ValueError(f'{xml_path}: not a readable XML file ({error})') from error
    names = []
    for obj in root.findall('object'):
        name = obj.findtext('name')
        if name is None or not name.strip():
            raise ValueError(f'{xml_path}: an <object> has no <name>')
        names.append(name.strip())
    return names


def checked_object_names(xml_path, object_classes: Sequence[str]) -> List[str]:
    """The object names of a VOC XML, refused when it names none (it would train as an image
    of no class) or names a class outside ``object_classes``: the one rule of stage 1 (the
    classifier) and stage 2 (the segmentor)."""
    names = read_object_names(xml_path)
    if not names:
        raise ValueError(f'{xml_path}: names no <object>; an annotated image must name at '
                         'least one class')
    for name in names:
        if name not in object_classes:
            raise ValueError(f'{xml_path}: unknown class name {name!r}; known classes are '
                             f'{", ".join(object_classes)}')
    return names


def labels_from_class_names(names: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Multi-hot float32 vector over ``classes``; background (index 0) is set."""
    labels = np.zeros(len(classes), np.float32)
    labels[0] = 1
    labels[[classes.index(name) for name in names]] = 1
    return labels


def labels_from_xml(xml_path, classes: Sequence[str]) -> np.ndarray:
    """Image-level labels of one VOC annotation file (``classes`` with background first)."""
    return labels_from_class_names(checked_object_names(xml_path, classes[1:]), classes)


def describe_sample(sample) -> str:
    """Name of a sample (``SegDataSample`` or its dict) in error messages."""
    return sample.get('img_path', '<image without img_path>')


def mask_classes(mask, num_classes: int, ignore_index=255, source='') -> torch.Tensor:
    """The class values present in a mask (ignored pixels excluded); raises, naming
    ``source``, on a value that is no class."""
    values = torch.as_tensor(mask).unique()
    if values.dtype not in (torch.uint8, torch.int64) and not values.is_floating_point():
        values = values.long()  # 16- or 32-bit masks: torch compares no unsigned 16-bit
    values = values[values != ignore_index]
    bad = values[(values < 0) | (values >= num_classes)]
    if len(bad):
        raise ValueError(f'{source}: mask values {bad.tolist()} are outside 0..'
                         f'{num_classes - 1} and {ignore_index}')
    return values


def labels_from_mask(mask, num_classes: int, ignore_index=255, source=''):
    """Multi-hot float32 vector of the classes visible in a mask (ignored pixels excluded).

    A numpy mask gives a numpy vector (datasets, transforms), a torch mask a tensor on its
    device (segmentors, metrics): one definition of "the classes of a mask" for all of them.
    """
    values = mask_classes(mask, num_classes, ignore_index, source)
    labels = torch.zeros(num_classes, device=values.device)
    labels[values.long()] = 1
    return labels.numpy() if isinstance(mask, np.ndarray) else labels


def sample_image_labels(sample, num_classes: int, ignore_index=255) -> torch.Tensor:
    """Float32 multi-hot (num_classes,) of a data sample: ``gt_image_labels``, else the classes
    of ``gt_sem_seg``. ``sample`` is a ``SegDataSample`` (training) or its dict (metrics)."""
    source = describe_sample(sample)
    labels = sample.get('gt_image_labels')
    if labels is not None:
        labels = torch.as_tensor(labels, dtype=torch.float32)
        if labels.shape != (num_classes, ):
            raise ValueError(f'{source}: gt_image_labels has shape {tuple(labels.shape)}, '
                             f'expected ({num_classes},), one entry per class')
        return labels
    mask = sample.get('gt_sem_seg')
    if mask is None:
        raise ValueError(f'{source}: sample has neither a mask nor gt_image_labels to take '
                         'image-level labels from')
    return labels_from_mask(mask.get('data'), num_classes, ignore_index, source=source)
