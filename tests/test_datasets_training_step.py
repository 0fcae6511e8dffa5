"""One training iteration of the segmentor on a mixed batch from the real dataloader."""
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmseg.registry import MODELS

import unrolled_lrp  # noqa: F401
from helpers import model_config
from unrolled_lrp.datasets.synthetic import generate as generate_scenes
from unrolled_lrp.datasets.voc_splits import make_splits

REPO = Path(__file__).parents[1]
init_default_scope('mmseg')  # the configs' pipelines name MMSeg transforms


def tiny_model_config():
    """ResNet18 at 1/8 width: the pipeline is under test here, not the model."""
    return model_config('resnet18', num_classes=21, size=(64, 64), width=8)


def test_one_iteration_on_a_mixed_batch(tmp_path):
    voc = tmp_path / 'voc'
    generate_scenes(voc, num_images=16, seed=5, image_size=64)
    make_splits(voc, [4], seed=0, out_dir=voc / 'splits')
    cfg = Config.fromfile(REPO / 'configs/_base_/datasets/synthetic_voc.py')
    loader_cfg = cfg.train_dataloader.to_dict()
    loader_cfg.update(batch_size=4, num_workers=0, persistent_workers=False)
    loader_cfg['dataset'].update(
        data_root=str(voc), labeled_split=str(voc / 'splits/4/labeled.txt'),
        image_level_split=str(voc / 'splits/4/image_level.txt'))
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))

    samples = batch['data_samples']
    assert [('gt_sem_seg' in s) for s in samples].count(True) == 2  # labeled_ratio 0.5 of 4
    assert all(s.gt_image_labels.shape == (21, ) for s in samples)

    torch.manual_seed(0)
    model = MODELS.build(tiny_model_config())
    model.init_weights()
    model.train()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optim_wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    log_vars = model.train_step(batch, optim_wrapper)

    assert any('loss_cls' in key for key in log_vars)  # every sample: image labels
    assert any('loss_ce' in key for key in log_vars)  # masked samples: pixel labels
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    changed = [name for name, p in model.named_parameters()
               if not torch.equal(p.detach(), before[name])]
    assert any(name.startswith('backbone.') for name in changed)
