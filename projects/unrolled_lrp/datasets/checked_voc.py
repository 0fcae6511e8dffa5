"""mmpretrain's VOC with this project's image checks, for stage 1 (the classifier)."""
import os.path as osp

from mmpretrain.datasets import VOC
from mmpretrain.registry import DATASETS

from .image_files import NamesUndecodableFiles, check_complete, check_images_decode
from .image_labels import checked_object_names


@DATASETS.register_module()
class CheckedVOC(NamesUndecodableFiles, VOC):
    """``VOC`` (multi-label classification) whose images are checked when it is built.

    A JPEG cut short or with corrupt scan data still decodes (grey rows or wrong pixels, a
    warning on stderr naming no file), so mmpretrain's own ``VOC`` would train the classifier
    on it silently, and an empty file crashes a DataLoader worker; here every listed image
    must exist, be complete and decode cleanly (``check_images_decode``, remembered across
    runs), or building the dataset fails naming the file. A file that fails to decode in the
    pipeline later is named in the error. Registered in mmpretrain's registry
    (stage-1 configs have ``default_scope='mmpretrain'``): ``dict(type='CheckedVOC', ...)``
    with ``VOC``'s arguments.
    """

    def _get_labels_from_xml(self, img_id):
        """mmpretrain's labels, after the rule stage 2 applies to the same file: a malformed
        XML, one without objects or with an unknown class name is refused, naming it
        (mmpretrain would drop unknown names silently)."""
        checked_object_names(osp.join(self.ann_prefix, f'{img_id}.xml'), self.CLASSES)
        return super()._get_labels_from_xml(img_id)

    def load_data_list(self):
        data_list = super().load_data_list()
        for info in data_list:
            if not osp.isfile(info['img_path']):
                raise FileNotFoundError(f'{self.image_set_path}: image {info["img_path"]} '
                                        'does not exist')
            check_complete(info['img_path'])
        check_images_decode([info['img_path'] for info in data_list])
        return data_list
