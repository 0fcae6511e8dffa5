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


def labels_from_class_names(names: Sequence[str], classes: Sequence[str],
                            source='') -> np.ndarray:
    """Multi-hot float32 vector over ``classes``; background (index 0) is set."""
    labels = np.zeros(len(classes), np.float32)
    labels[0] = 1
    for name in names:
        if name not in classes:
            raise ValueError(f'{source}: unknown class name {name!r}; known classes are '
                             f'{", ".join(classes[1:])}')
        labels[classes.index(name)] = 1
    return labels


def labels_from_xml(xml_path, classes: Sequence[str]) -> np.ndarray:
    """Image-level labels of one VOC annotation file."""
    return labels_from_class_names(read_object_names(xml_path), classes, source=str(xml_path))


def labels_from_mask(mask: np.ndarray, num_classes: int, ignore_index=255,
                     source='') -> np.ndarray:
    """Multi-hot float32 vector of the classes visible in a mask (ignored pixels excluded)."""
    values = np.unique(mask)
    values = values[values != ignore_index]
    bad = values[(values < 0) | (values >= num_classes)]
    if bad.size:
        raise ValueError(f'{source}: mask values {bad.tolist()} are outside 0..'
                         f'{num_classes - 1} and {ignore_index}')
    labels = np.zeros(num_classes, np.float32)
    labels[values.astype(np.int64)] = 1
    return labels
