"""The semi-supervised dataset and its pipelines, built from the base dataset configs."""
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.datasets import PascalVOCDataset
from mmseg.registry import DATASETS, TRANSFORMS

import unrolled_lrp  # noqa: F401
from unrolled_lrp.datasets.synthetic import generate as generate_scenes

REPO = Path(__file__).parents[1]
init_default_scope('mmseg')  # the configs' pipelines name MMSeg transforms
CLASSES = PascalVOCDataset.METAINFO['classes']


def ids_of(path):
    return path.read_text().split()


def xml_label_vector(voc, image_id):
    """Oracle: object names of the XML as a multi-hot vector, background set."""
    root = ElementTree.parse(voc / 'Annotations' / f'{image_id}.xml').getroot()
    labels = np.zeros(21, np.float32)
    labels[0] = 1
    for obj in root.iter('object'):
        labels[CLASSES.index(obj.find('name').text)] = 1
    return labels


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('dataset') / 'voc'
    generate_scenes(root, num_images=24, seed=2, image_size=64)
    train = ids_of(root / 'ImageSets/Segmentation/train.txt')
    segmented = set(train) | set(ids_of(root / 'ImageSets/Segmentation/val.txt'))
    image_level = sorted(set(ids_of(root / 'ImageSets/Main/trainval.txt')) - segmented)
    (root / 'labeled.txt').write_text('\n'.join(train[:6]) + '\n')
    (root / 'image_level.txt').write_text('\n'.join(train[6:] + image_level) + '\n')
    return root


def dataset_cfg(config_name, voc, loader='train_dataloader'):
    cfg = Config.fromfile(REPO / 'configs/_base_/datasets' / config_name)
    dataset = cfg[loader].dataset
    dataset.data_root = str(voc)
    if loader == 'train_dataloader':
        dataset.labeled_split = str(voc / 'labeled.txt')
        dataset.image_level_split = str(voc / 'image_level.txt')
    else:
        dataset.labeled_split = str(voc / 'ImageSets/Segmentation/val.txt')
    return dataset


def test_dataset_lists_masked_and_image_level_samples(voc):
    dataset = DATASETS.build(dataset_cfg('synthetic_voc.py', voc))
    labeled, image_level = ids_of(voc / 'labeled.txt'), ids_of(voc / 'image_level.txt')
    assert len(dataset) == len(labeled) + len(image_level) == 18
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        image_id = Path(info['img_path']).stem
        assert (info['seg_map_path'] is not None) == (image_id in labeled)
        if image_id in labeled:
            assert Path(info['seg_map_path']) == voc / 'SegmentationClass' / f'{image_id}.png'
        assert np.array_equal(info['gt_image_labels'], xml_label_vector(voc, image_id))


@pytest.mark.parametrize('config_name', ['synthetic_voc.py', 'semi_voc12.py'])
def test_train_pipeline_packs_masks_only_where_they_exist(voc, config_name):
    dataset = DATASETS.build(dataset_cfg(config_name, voc))
    labeled = set(ids_of(voc / 'labeled.txt'))
    for index in range(len(dataset)):
        packed = dataset[index]  # a random draw of the pipeline: fetch once
        sample = packed['data_samples']
        image_id = Path(sample.img_path).stem
        labels = sample.gt_image_labels
        assert labels.dtype == torch.float32 and labels.shape == (21, )
        if image_id in labeled:
            mask = sample.gt_sem_seg.data.numpy()
            assert mask.shape[-2:] == packed['inputs'].shape[-2:]
            visible = set(np.unique(mask).tolist()) - {255}
            assert set(torch.nonzero(labels).flatten().tolist()) == visible
            # a crop shows at most the classes of the whole image
            assert visible - {0} <= set(np.flatnonzero(xml_label_vector(voc, image_id)))
        else:
            assert 'gt_sem_seg' not in sample
            assert torch.equal(labels, torch.from_numpy(xml_label_vector(voc, image_id)))


@pytest.mark.parametrize('config_name', ['synthetic_voc.py', 'semi_voc12.py'])
def test_val_pipeline_keeps_whole_masks(voc, config_name):
    dataset = DATASETS.build(dataset_cfg(config_name, voc, 'val_dataloader'))
    assert len(dataset) == 6
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        image_id = Path(sample.img_path).stem
        mask = sample.gt_sem_seg.data.numpy()
        assert mask.shape[-2:] == (64, 64)  # the test pipeline resizes, the mask stays raw
        labels = sample.gt_image_labels.numpy()
        assert np.array_equal(labels[1:], xml_label_vector(voc, image_id)[1:])


def test_random_crop_limits_the_dominant_class_on_masks_only():
    image = np.zeros((64, 64, 3), np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :32] = 1  # few 16 px windows straddle the edge

    def balanced_share(cat_max_ratio, draws=40):
        crop = TRANSFORMS.build(dict(type='MaskAwareRandomCrop', crop_size=(16, 16),
                                     cat_max_ratio=cat_max_ratio))
        np.random.seed(0)
        balanced = 0
        for _ in range(draws):
            out = crop(dict(img=image.copy(), gt_seg_map=mask.copy(),
                            seg_fields=['gt_seg_map']))
            assert out['gt_seg_map'].shape == (16, 16) and out['img'].shape == (16, 16, 3)
            balanced += np.bincount(out['gt_seg_map'].ravel(), minlength=2).max() < 0.75 * 256
        return balanced / draws

    assert balanced_share(1.0) < 0.35 and balanced_share(0.75) > 0.5
    crop = TRANSFORMS.build(dict(type='MaskAwareRandomCrop', crop_size=(16, 16),
                                 cat_max_ratio=0.75))
    unmasked = crop(dict(img=image.copy(), seg_fields=[]))
    assert unmasked['img'].shape == (16, 16, 3) and 'gt_seg_map' not in unmasked


def test_loading_requires_an_explicit_seg_map_path():
    load = TRANSFORMS.build(dict(type='LoadOptionalSegAnnotations'))
    assert load(dict(seg_map_path=None, seg_fields=[])) == dict(seg_map_path=None,
                                                                 seg_fields=[])
    with pytest.raises(KeyError):
        load(dict(seg_fields=[]))


def test_packing_for_inference_adds_no_labels_and_wrong_labels_are_an_error():
    pack = TRANSFORMS.build(dict(type='PackSegInputsWithImageLabels'))
    packed = pack(dict(img=np.zeros((8, 8, 3), np.uint8), img_path='x.jpg'))
    assert 'gt_image_labels' not in packed['data_samples']
    with pytest.raises(ValueError, match='expected num_classes=21'):
        pack(dict(img=np.zeros((8, 8, 3), np.uint8), gt_image_labels=np.ones(5)))


def test_mask_labels_agree_for_arrays_and_tensors():
    """Datasets (numpy) and segmentors/metrics (torch) share one "classes of a mask"."""
    from unrolled_lrp.datasets.image_labels import labels_from_mask
    mask = np.array([[0, 3], [255, 3]], np.uint8)
    from_array = labels_from_mask(mask, 5)
    from_tensor = labels_from_mask(torch.from_numpy(mask), 5)
    assert isinstance(from_array, np.ndarray) and isinstance(from_tensor, torch.Tensor)
    assert from_array.tolist() == from_tensor.tolist() == [1, 0, 0, 1, 0]
