"""The model zoo's pretrained backbone: its file is where the metafile says, named by its hash,
finite, and it fits the backbone of the few-label benchmark's classifier exactly."""
import hashlib
from pathlib import Path

import yaml
from mmengine.config import Config

from helpers import REPO

METAFILE = REPO / 'configs' / 'metafile.yaml'


def pretrained_entries():
    models = yaml.safe_load(METAFILE.read_text())['Models']
    return [m for m in models if m['In Collection'] == 'FractalPretraining']


def test_the_checkpoint_is_named_by_its_hash_and_holds_finite_weights():
    from unrolled_lrp.utils import load_checkpoint_file
    (entry, ) = pretrained_entries()
    path = REPO / entry['Weights']
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.stem.endswith('-' + digest[:8])
    assert Path(REPO / entry['Config']).is_file()
    checkpoint = load_checkpoint_file(path)  # refuses NaN weights
    assert set(checkpoint) == {'state_dict', 'meta'}  # published: no optimizer


def test_it_fits_the_benchmark_classifiers_backbone_and_head_of_its_config():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from unrolled_lrp.utils import check_checkpoint_fits
    (entry, ) = pretrained_entries()
    path = str(REPO / entry['Weights'])
    init_default_scope('mmpretrain')
    try:
        stage_1 = Config.fromfile(REPO / 'configs/few_label/classifier_r18_few_label.py')
        check_checkpoint_fits(MODELS.build(stage_1.model.backbone), path, 'backbone.')
        pretraining = Config.fromfile(REPO / entry['Config'])
        check_checkpoint_fits(MODELS.build(pretraining.model), path)
    finally:
        init_default_scope('mmseg')
