"""mmpretrain's VOC with this project's image checks, for stage 1 (the classifier)."""
import os.path as osp

from mmpretrain.datasets import VOC
from mmpretrain.registry import DATASETS

from .image_files import NamesUndecodableFiles, check_complete


@DATASETS.register_module()
class CheckedVOC(NamesUndecodableFiles, VOC):
    """``VOC`` (multi-label classification) whose images are checked when it is built.

    A JPEG cut short still decodes (grey rows, no error), so mmpretrain's own ``VOC``
    would train the classifier on it silently; here every listed image must exist and be
    complete, or building the dataset fails naming the file. A file that fails to decode
    in the pipeline later is named in the error. Registered in mmpretrain's registry
    (stage-1 configs have ``default_scope='mmpretrain'``): ``dict(type='CheckedVOC', ...)``
    with ``VOC``'s arguments.
    """

    def load_data_list(self):
        data_list = super().load_data_list()
        for info in data_list:
            if not osp.isfile(info['img_path']):
                raise FileNotFoundError(f'{self.image_set_path}: image {info["img_path"]} '
                                        'does not exist')
            check_complete(info['img_path'])
        return data_list
