"""The explainers take what people pass them (a path, a PIL image, a BGR uint8 array) and refuse
the rest in one line; the explanations of one picture agree whatever form it came in."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import CLASSIFIER_CONFIG, RESNET18, build_and_save, write_image
from unrolled_lrp.apis import MAX_IMAGE_PIXELS, as_bgr_image, load_explainer


@pytest.fixture(scope='module')
def picture(tmp_path_factory):
    path = write_image(str(tmp_path_factory.mktemp('picture')))
    return path, cv2.imread(path)


def test_paths_pil_images_and_grey_arrays_become_the_same_bgr_array(picture):
    path, bgr = picture
    for image in (path, Path(path), Image.open(path), bgr):
        out = as_bgr_image(image)
        assert out.dtype == np.uint8 and np.array_equal(out, bgr)
    grey = as_bgr_image(bgr[..., 0])
    assert grey.shape == bgr.shape and np.array_equal(grey[..., 2], bgr[..., 0])


@pytest.mark.parametrize('make, message', [
    (lambda bgr: bgr.astype(np.uint16) * 257, 'must be uint8 (0-255), got uint16'),
    (lambda bgr: bgr / 255.0, 'must be uint8 (0-255), got float64'),
    (lambda bgr: np.concatenate([bgr, bgr[..., :1]], axis=2), 'got shape (40, 48, 4)'),
    (lambda bgr: bgr.transpose(2, 0, 1).copy(), 'channels first?'),
    (lambda bgr: [[1, 2, 3]], 'got list'),
])
def test_other_arrays_are_refused_saying_what_is_expected(picture, make, message):
    with pytest.raises(ValueError, match='must be|got') as error:
        as_bgr_image(make(picture[1]))
    assert message in str(error.value)


def test_a_missing_file_and_a_huge_image_are_refused_before_any_work(tmp_path):
    with pytest.raises(FileNotFoundError, match='no such image file'):
        as_bgr_image(tmp_path / 'missing.jpg')
    side = int(MAX_IMAGE_PIXELS ** 0.5) + 1
    huge = np.broadcast_to(np.zeros(3, np.uint8), (side, side, 3))
    with pytest.raises(ValueError, match='resize it first'):
        as_bgr_image(huge)


@pytest.fixture(scope='module')
def explainer(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp('explainer'))
    config, checkpoint, _ = build_and_save(
        folder, CLASSIFIER_CONFIG.format(**RESNET18), 'classifier',
        dict(dataset_meta=dict(classes=['ant', 'bee', 'cow', 'dog', 'eel'])))
    yield load_explainer(config, checkpoint, log=lambda *_: None)
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')


def test_an_image_path_explains_as_its_array_does(explainer, picture):
    path, bgr = picture
    from_path, from_array = explainer(path, top_k=2), explainer(bgr, top_k=2)
    assert from_path.class_ids == from_array.class_ids
    np.testing.assert_array_equal(from_path.heatmaps.numpy(), from_array.heatmaps.numpy())


@pytest.mark.parametrize('top_k', [0, -1, 6, 2.5, True])
def test_top_k_outside_the_classes_is_refused(explainer, picture, top_k):
    with pytest.raises(ValueError, match=r'top_k must be a whole number from 1 to 5'):
        explainer(picture[1], top_k=top_k)
