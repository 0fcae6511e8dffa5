"""The pretraining corpus: formula-driven classes that share no class and no generator with the
benchmark's scenes, drawn deterministically, served as an mmpretrain dataset."""
import ast
from pathlib import Path

import numpy as np
import pytest

from unrolled_lrp.datasets.pretraining import fractal_corpus
from unrolled_lrp.datasets.pretraining.fractal_corpus import (FractalCorpus, canonical_silhouette,
                                                              crop_to_box)
from unrolled_lrp.datasets.synthetic.shapes import ALL_SHAPES, shape_mask


@pytest.fixture(scope='module')
def corpus():
    return FractalCorpus(num_classes=12, size=64, seed=3)


def test_no_class_looks_like_a_scene_shape(corpus):
    """Every class's silhouette, cut to its box, overlaps each scene shape at each of 36 angles
    by an IoU of at most 0.6 (the benchmark's classes are unions of those shapes)."""
    size = 48
    for _, _, points in corpus.systems:
        silhouette = crop_to_box(canonical_silhouette(points, size), size)
        for shape in ALL_SHAPES:
            for angle in np.linspace(0, 2 * np.pi, 36, endpoint=False):
                other = crop_to_box(shape_mask(shape, 2 * size, (size, size), 0.8 * size,
                                               angle), size)
                iou = (silhouette & other).sum() / (silhouette | other).sum()
                assert iou <= 0.62, (shape, angle, iou)


def test_the_corpus_draws_with_none_of_the_scenes_generators():
    """Its only reference to the scenes' package is the shape table it keeps away from."""
    source = Path(fractal_corpus.__file__).read_text()
    imports = [node for node in ast.walk(ast.parse(source))
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    modules = {(node.module or '') if isinstance(node, ast.ImportFrom) else alias.name
               for node in imports for alias in node.names}
    assert modules == {'cv2', 'numpy', 'synthetic.shapes'}
    bank = next(node for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.FunctionDef) and node.name == 'scene_shape_bank')
    assert any(isinstance(node, ast.ImportFrom) for node in ast.walk(bank))
    image_method = next(node for node in ast.walk(ast.parse(source))
                        if isinstance(node, ast.FunctionDef) and node.name == 'image')
    called = {node.func.id for node in ast.walk(image_method)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert 'scene_shape_bank' not in called and 'shape_mask' not in called


def test_images_are_deterministic_and_labelled_by_index(corpus):
    image, label = corpus.image(29)
    assert image.dtype == np.uint8 and image.shape == (64, 64, 3) and label == 29 % 12
    again, _ = FractalCorpus(num_classes=12, size=64, seed=3).image(29)
    assert np.array_equal(image, again)
    other, _ = corpus.image(29 + 12)  # the same class, another image
    assert not np.array_equal(image, other)
    assert [s[0][0][0].tolist() for s in corpus.systems] != [
        s[0][0][0].tolist() for s in FractalCorpus(num_classes=12, size=64, seed=4).systems]


def test_the_dataset_serves_packed_samples_and_refuses_bad_sizes():
    from mmpretrain.registry import DATASETS

    import unrolled_lrp  # noqa: F401
    dataset = DATASETS.build(dict(type='mmpretrain.FractalClassification', num_classes=5, num_images=7,
                                  image_size=32, first_index=100,
                                  pipeline=[dict(type='mmpretrain.PackInputs')]))
    assert len(dataset) == 7 and len(dataset.metainfo['classes']) == 5
    sample = dataset[3]
    assert tuple(sample['inputs'].shape) == (3, 32, 32)
    assert sample['data_samples'].gt_label.tolist() == [103 % 5]
    with pytest.raises(IndexError):
        dataset[7]
    with pytest.raises(ValueError, match='num_classes, num_images and image_size'):
        DATASETS.build(dict(type='mmpretrain.FractalClassification', num_classes=0))
