"""PASCAL VOC 2012 with pixel labels for a few images and image-level labels for the rest."""
import logging
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from mmengine.utils import track_iter_progress
from mmseg.datasets import BaseSegDataset, PascalVOCDataset
from mmseg.registry import DATASETS

from .image_files import (NamesUndecodableFiles, check_complete, check_images_decode,
                          image_size, read_mask)
from .image_labels import labels_from_mask, labels_from_xml
from .split_files import read_image_ids

MISMATCH_POLICIES = ('warn', 'error')


@DATASETS.register_module()
class SemiSupervisedVOCDataset(NamesUndecodableFiles, BaseSegDataset):
    """One training set of pixel-labelled and image-level-only VOC images.

    Images listed in ``labeled_split`` come with their mask; images listed in
    ``image_level_split`` come without one (``seg_map_path`` is None, use
    ``LoadOptionalSegAnnotations``). Every sample carries ``gt_image_labels``
    (float32 multi-hot over the 21 classes, index 0 = background) read from
    ``Annotations/<id>.xml``; background is marked present because XML cannot say
    otherwise (see ``image_labels``). ``PackSegInputsWithImageLabels`` replaces the
    vector by the classes of the transformed mask where a mask exists.

    All files are checked when the dataset is built, so a broken tree fails at
    once with the file named: missing image, XML or mask; an image or mask cut
    short (its end-of-image marker missing); an image that does not decode or makes
    the decoder warn (corrupt scan data, an empty file; decoded once, remembered
    across runs); mask and image of different sizes; mask values outside 0..20 and
    ``ignore_index``; unknown class names; an XML without objects; empty or
    malformed split files; an id in both splits; a training id that is also in
    the held-out (validation) list. A file that still fails to decode in the
    pipeline raises an error that names it. Where
    the XML of a pixel-labelled image names other classes than its mask shows,
    ``on_label_mismatch`` decides: ``'warn'`` logs every such image, ``'error'``
    raises.

    Args:
        labeled_split: id list of the pixel-labelled images, used as given
            (absolute or relative to the working directory, like ``data_root``).
        image_level_split: id list of the images trained with image-level
            labels only; None for a dataset of pixel-labelled images (validation).
        data_prefix: folders, joined to ``data_root``, of images
            (``img_path``), masks (``seg_map_path``; ``SegmentationClassAug`` for
            the SBD-augmented masks) and XML annotations (``xml_path``).
        on_label_mismatch: ``'warn'`` or ``'error'``.
        held_out_split: id list no training id may be in (absolute, or relative to
            ``data_root``); by default the tree's ``ImageSets/Segmentation/val.txt``
            where it exists (``tools/train.py`` passes the config's val list). Not
            checked for the held-out list itself (the val dataset); None: no check.
    """
    METAINFO = PascalVOCDataset.METAINFO

    def __init__(self,
                 labeled_split: str,
                 image_level_split: Optional[str] = None,
                 data_prefix: dict = dict(
                     img_path='JPEGImages', seg_map_path='SegmentationClass',
                     xml_path='Annotations'),
                 on_label_mismatch: str = 'warn',
                 held_out_split: Optional[str] = 'ImageSets/Segmentation/val.txt',
                 **kwargs) -> None:
        if on_label_mismatch not in MISMATCH_POLICIES:
            raise ValueError(f'on_label_mismatch must be one of {MISMATCH_POLICIES}, '
                             f'got {on_label_mismatch!r}')
        missing = {'img_path', 'seg_map_path', 'xml_path'} - set(data_prefix)
        if missing:
            raise ValueError(f'data_prefix lacks {sorted(missing)}')
        self.labeled_split = labeled_split
        self.image_level_split = image_level_split
        self.on_label_mismatch = on_label_mismatch
        self.held_out_split = held_out_split
        super().__init__(data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        labeled = read_image_ids(self.labeled_split)
        image_level = (read_image_ids(self.image_level_split)
                       if self.image_level_split is not None else [])
        shared = sorted(set(labeled) & set(image_level))
        if shared:
            raise ValueError(f'{self.labeled_split} and {self.image_level_split} share '
                             f'{len(shared)} ids, e.g. {shared[:5]}; an image either has '
                             'its mask or not')
        self._refuse_held_out_ids(labeled, image_level)
        entries = ([(image_id, self.labeled_split, True) for image_id in labeled] +
                   [(image_id, self.image_level_split, False) for image_id in image_level])
        if get_dist_info()[0] == 0 and len(entries) > 1000:
            entries = track_iter_progress(entries)
        data_list, mismatches = [], []
        for image_id, split_file, has_mask in entries:
            info = self._data_info(image_id, split_file)
            if has_mask:
                mismatch = self._attach_mask(info)
                if mismatch:
                    mismatches.append(mismatch)
            data_list.append(info)
        check_images_decode([info['img_path'] for info in data_list])
        self._report_mismatches(mismatches, len(labeled))
        print_log(f'{type(self).__name__}: {len(labeled)} pixel-labelled images '
                  f'({self.labeled_split}), {len(image_level)} image-level-only images '
                  f'({self.image_level_split})', logger='current')
        return data_list

    def _refuse_held_out_ids(self, labeled: List[str], image_level: List[str]) -> None:
        """Training on validation images makes every metric on them meaningless."""
        if self.held_out_split is None:
            return
        held_out = self.held_out_split
        if not osp.isabs(held_out) and self.data_root:
            held_out = osp.join(self.data_root, held_out)
        if not osp.isfile(held_out) or osp.realpath(held_out) == osp.realpath(
                self.labeled_split):
            return
        held_out_ids = set(read_image_ids(held_out))
        for split_file, ids in ((self.labeled_split, labeled),
                                (self.image_level_split, image_level)):
            shared = sorted(held_out_ids.intersection(ids))
            if shared:
                raise ValueError(f'{split_file}: {len(shared)} ids are also in the held-out '
                                 f'list {held_out}, e.g. {shared[:5]}; a training list must '
                                 'not hold validation images (held_out_split=None skips '
                                 'this check)')

    def _data_info(self, image_id: str, split_file: str) -> dict:
        """Image path and XML labels of one id; the mask is not attached yet."""
        img_path = osp.join(self.data_prefix['img_path'], image_id + self.img_suffix)
        if not osp.isfile(img_path):
            raise FileNotFoundError(f'{split_file}: image id {image_id!r} has no image '
                                    f'{img_path}')
        check_complete(img_path)
        xml_path = osp.join(self.data_prefix['xml_path'], image_id + '.xml')
        return dict(
            img_path=img_path,
            seg_map_path=None,
            gt_image_labels=labels_from_xml(xml_path, self.metainfo['classes']),
            label_map=self.label_map,
            reduce_zero_label=self.reduce_zero_label,
            seg_fields=[])

    def _attach_mask(self, info: dict) -> Optional[str]:
        """Checks the mask against the image and the XML labels; returns a mismatch line."""
        image_id = osp.splitext(osp.basename(info['img_path']))[0]
        seg_map_path = osp.join(self.data_prefix['seg_map_path'],
                                image_id + self.seg_map_suffix)
        mask = read_mask(seg_map_path)
        width, height = image_size(info['img_path'])
        if mask.shape != (height, width):
            raise ValueError(f'{seg_map_path}: mask is {mask.shape[1]}x{mask.shape[0]} '
                             f'(WxH) but its image {info["img_path"]} is {width}x{height}')
        classes = self.metainfo['classes']
        mask_labels = labels_from_mask(mask, len(classes), self.ignore_index,
                                       source=seg_map_path)
        info['seg_map_path'] = seg_map_path
        xml_labels = info['gt_image_labels']
        if np.array_equal(mask_labels[1:], xml_labels[1:]):
            return None
        only_xml = [classes[c] for c in np.flatnonzero(xml_labels[1:] > mask_labels[1:]) + 1]
        only_mask = [classes[c] for c in np.flatnonzero(mask_labels[1:] > xml_labels[1:]) + 1]
        return (f'{image_id}: XML only {only_xml}, mask only {only_mask} '
                f'({osp.join(self.data_prefix["xml_path"], image_id + ".xml")}, '
                f'{seg_map_path})')

    def _report_mismatches(self, mismatches: List[str], num_labeled: int) -> None:
        if not mismatches:
            return
        message = (f'{len(mismatches)} of {num_labeled} pixel-labelled images in '
                   f'{self.labeled_split} name other classes in their XML than their mask '
                   'shows (training uses the classes of the mask):\n  ' +
                   '\n  '.join(mismatches))
        if self.on_label_mismatch == 'error':
            raise ValueError(message)
        print_log(message, logger='current', level=logging.WARNING)

