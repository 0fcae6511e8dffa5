"""One training iteration of the segmentor on a mixed batch from the real dataloader."""
import runpy
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmseg.registry import MODELS

import unrolled_lrp  # noqa: F401

REPO = Path(__file__).parents[1]
SYNTHETIC = runpy.run_path(str(REPO / 'tools' / 'make_synthetic_voc.py'))
SPLITS = runpy.run_path(str(REPO / 'tools' / 'make_voc_splits.py'))

TINY_MODEL = dict(
    type='UnrolledLRP',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=(64, 64)),
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), norm_eval=False,
                  style='pytorch', contract_dilation=True),
    decode_head=dict(type='TiedHeavisideHead', in_channels=512, num_classes=21, mode='lrp0'),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))


def test_one_iteration_on_a_mixed_batch(tmp_path):
    voc = tmp_path / 'voc'
    SYNTHETIC['generate'](voc, num_images=16, seed=5, image_size=64)
    SPLITS['make_splits'](voc, [4], seed=0, out_dir=voc / 'splits')
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
    model = MODELS.build(TINY_MODEL)
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
