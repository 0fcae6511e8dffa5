"""The paper's config grid: every config loads, builds the architecture its name says, and the
main config of each (method, backbone) trains one iteration through its own dataloader.

Pretrained weights are never loaded (models are built, ``init_weights`` is not called). The
data is a generated VOC tree; the configs' 256 px crops shrink to 32 px, batches to 4.
"""
import copy
import functools
from pathlib import Path
from xml.etree import ElementTree

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import unrolled_lrp  # noqa: F401
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.datasets.voc_splits import make_splits

REPO = Path(__file__).parents[1]
METHODS = ('unrolled_lrp', 'ws_ae', 'lrp_eps', 'mt_unet', 'unet', 'fcn')
BACKBONES = ('r50', 'vgg16bn')
SPLITS = (20, 100, 500, 1464)
SEMI_SUPERVISED = ('unrolled_lrp', 'ws_ae', 'lrp_eps', 'mt_unet')
STAGE_CHANNELS = {'r50': [256, 512, 1024, 2048], 'vgg16bn': [64, 128, 256, 512, 512]}
GRID = [f'{m}_{b}_voc_{n}' for m in METHODS for b in BACKBONES for n in SPLITS]
MAIN = [f'{m}_{b}_voc_20' for m in METHODS for b in BACKBONES]
CROP = (32, 32)


@functools.lru_cache(maxsize=None)
def _parse(name):
    return Config.fromfile(REPO / 'configs' / f'{name}.py')


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Runner.build_dataloader looks up types in the default scope, as the Runner would."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def load(name):
    """A fresh copy of a config (each is parsed once per session)."""
    return copy.deepcopy(_parse(name))


def test_grid_has_exactly_the_paper_configs():
    present = {path.stem for path in (REPO / 'configs').glob('*.py')}
    assert present == set(GRID)


@pytest.mark.parametrize('name', [n for n in GRID if not n.endswith('_voc_20')])
def test_label_sizes_differ_from_the_20_label_config_only_in_the_split(name):
    method_backbone, size = name.rsplit('_voc_', 1)
    cfg, main = load(name).to_dict(), load(f'{method_backbone}_voc_20').to_dict()
    dataset = cfg['train_dataloader']['dataset']
    assert dataset['labeled_split'] == f'data/splits/voc12/{size}/labeled.txt'
    semi = method_backbone.rsplit('_', 1)[0] in SEMI_SUPERVISED
    assert dataset['image_level_split'] == (
        f'data/splits/voc12/{size}/image_level.txt' if semi else None)
    for config in (cfg, main):
        config.pop('split_dir')
        for key in ('labeled_split', 'image_level_split'):
            config['train_dataloader']['dataset'].pop(key)
    assert cfg == main


@pytest.mark.parametrize('name', GRID)
def test_config_builds_the_architecture_its_name_says(name):
    method, backbone = name.split('_voc_')[0].rsplit('_', 1)
    cfg = load(name)
    model = MODELS.build(cfg.model)
    head = model.decode_head
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=10)
    assert cfg.optim_wrapper.optimizer.type == 'AdamW' and cfg.optim_wrapper.optimizer.lr == 1e-5
    assert cfg.train_dataloader.batch_size == 10
    assert cfg.train_cfg.max_iters == (40000 if method in SEMI_SUPERVISED else 8000)
    if method in ('unrolled_lrp', 'ws_ae', 'lrp_eps'):
        assert type(model).__name__ == 'UnrolledLRP'
        expected = {'unrolled_lrp': 'LRP0', 'ws_ae': 'WSAE', 'lrp_eps': 'LRPEpsilon'}[method]
        assert type(model.classifier.composite).__name__ == expected
        # tied: the decoder owns the classifier only, everything else is the encoder's
        assert {n for n, _ in head.named_parameters()} == {'conv_seg.weight', 'conv_seg.bias'}
    else:
        expected_type = 'MultiTaskUNet' if method == 'mt_unet' else 'EncoderDecoder'
        assert type(model).__name__ == expected_type
        assert type(head).__name__ == 'FreeDecoderHead'
        backbone_ids = {id(p) for p in model.backbone.parameters()}
        assert not backbone_ids & {id(p) for p in head.parameters()}
        # decoder stage i sees the previous stage and, in a UNet, the encoder stage of its size
        stages, decoder = STAGE_CHANNELS[backbone], list(cfg.model.decode_head.decoder_channels)
        skips = [] if method == 'fcn' else stages[-2::-1]
        expected = [previous + (skips[i] if i < len(skips) else 0)
                    for i, previous in enumerate([stages[-1]] + decoder[:-1])]
        assert [block.convs[0].conv.in_channels for block in head.blocks] == expected
    assert hasattr(model, 'class_logits') == (method in SEMI_SUPERVISED)


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('grid') / 'voc'
    generate_scenes(
        root, num_images=16, seed=3, image_size=48)
    make_splits(
        root, [4], seed=0, out_dir=root / 'splits')
    return root


def shrink_to_test_size(cfg, voc):
    """The config's own dataloader and model, on the generated tree at 32 px, batch 4."""
    loader = cfg.train_dataloader
    loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    loader.dataset.data_root = str(voc)
    loader.dataset.labeled_split = str(voc / 'splits/4/labeled.txt')
    if loader.dataset.image_level_split is not None:
        loader.dataset.image_level_split = str(voc / 'splits/4/image_level.txt')
    for step in loader.dataset.pipeline:
        if step.type == 'RandomResize':
            step.scale = (CROP[0] * 4, CROP[0])
        if step.type == 'MaskAwareRandomCrop':
            step.crop_size = CROP
    cfg.model.data_preprocessor.size = CROP
    return cfg


@pytest.mark.parametrize('name', MAIN)
def test_main_config_trains_one_iteration_through_its_dataloader(name, voc):
    method = name.split('_voc_')[0].rsplit('_', 1)[0]
    cfg = shrink_to_test_size(load(name), voc)
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
    masked = sum('gt_sem_seg' in sample for sample in batch['data_samples'])
    assert masked == (2 if method in SEMI_SUPERVISED else 4)  # ratio sampler: half masked
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log_vars = model.train_step(batch, optim_wrapper)

    expected = {'decode.loss_ce', 'decode.acc_seg', 'loss'}
    if method in SEMI_SUPERVISED:
        expected.add('loss_cls')
    assert set(log_vars) == expected
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    unchanged = [n for n, p in model.named_parameters() if torch.equal(p.detach(), before[n])]
    assert not [n for n in unchanged if not n.startswith('backbone.')], unchanged
    assert any(n.startswith('backbone.') for n in before if n not in unchanged)


def make_first_class_difficult(voc, image_id):
    """Mark every object of the first object's class difficult; return the class name."""
    path = voc / 'Annotations' / f'{image_id}.xml'
    tree = ElementTree.parse(path)
    name = tree.find('object').findtext('name')
    for obj in tree.iter('object'):
        if obj.findtext('name') == name:
            obj.find('difficult').text = '1'
    tree.write(path)
    return name


@pytest.mark.parametrize('backbone', BACKBONES)
def test_classifier_config_trains_and_reports_f1(backbone, voc, tmp_path):
    from mmengine.evaluator import Evaluator
    from mmpretrain.registry import MODELS as CLASSIFIERS

    cfg = Config.fromfile(REPO / 'configs' / 'classifier' / f'multilabel_{backbone}_voc12.py')
    cfg.model.backbone.init_cfg = None
    labeled = (voc / 'splits/4/labeled.txt').read_text().split()
    difficult_class = make_first_class_difficult(voc, labeled[0])
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        for dataset in loader.dataset.get('datasets', [loader.dataset]):
            dataset.data_root = str(voc)
            if 'splits' in dataset.image_set_path:  # our split lists, relative to data_root
                dataset.image_set_path = str(voc / 'splits/4' / Path(dataset.image_set_path).name)
            for step in dataset.pipeline:
                for key in ('scale', 'crop_size'):
                    if key in step:
                        step[key] = CROP[0]
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        train_set = Runner.build_dataloader(cfg.train_dataloader, seed=0).dataset
        first = train_set[0]['data_samples']  # labeled[0]: the first image of the first list
        assert train_set.metainfo['classes'].index(difficult_class) in first.gt_label.tolist()
        image_level = (voc / 'splits/4/image_level.txt').read_text().split()
        assert len(train_set) == len(labeled) + len(image_level)

        batch = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
        torch.manual_seed(0)
        model = CLASSIFIERS.build(cfg.model).train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        before = model.head.fc.weight.detach().clone()
        log_vars = model.train_step(batch, optim_wrapper)
        assert torch.isfinite(log_vars['loss']) and not torch.equal(before, model.head.fc.weight)

        evaluator = Evaluator(cfg.val_evaluator)
        model.eval()
        for val_batch in Runner.build_dataloader(cfg.val_dataloader, seed=0):
            evaluator.process(model.val_step(val_batch), val_batch)
        metrics = evaluator.evaluate(len(Runner.build_dataloader(cfg.val_dataloader).dataset))
    assert {'multi-label/f1-score', 'multi-label/f1-score_micro', 'multi-label/mAP'} <= set(metrics)


def test_metafile_lists_the_grid_with_its_configs():
    import yaml
    metafile = yaml.safe_load((REPO / 'configs' / 'metafile.yaml').read_text())
    collections = {c['Name'] for c in metafile['Collections']}
    models = {m['Name']: m for m in metafile['Models']
              if m['In Collection'] != 'FractalPretraining'}  # the model zoo's backbone
    assert set(models) == set(GRID)
    for name, model in models.items():
        assert model['Config'] == f'configs/{name}.py' and model['In Collection'] in collections
        for result in model.get('Results', []):  # only measured results, MMSeg's layout
            assert result['Task'] == 'Semantic Segmentation' and 'mIoU' in result['Metrics']
