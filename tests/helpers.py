"""Shared builders for the tests: small models with random weights, no downloads."""
import contextlib
import importlib.util
import io
import os.path as osp
import runpy
import subprocess
import sys
import traceback
from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.registry import init_default_scope

REPO = Path(__file__).resolve().parents[1]

BACKBONES = {
    'resnet18': dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    'resnet50': dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ), style='pytorch'),
    'resnet50v1c': dict(type='ResNetV1c', depth=50, num_stages=4, out_indices=(3, ),
                        style='pytorch'),
    'vgg16bn': dict(type='mmpretrain.VGG', depth=16, norm_cfg=dict(type='BN'), out_indices=(4, )),
    'vgg16': dict(type='mmpretrain.VGG', depth=16, out_indices=(4, )),
    'vgg11bn': dict(type='mmpretrain.VGG', depth=11, norm_cfg=dict(type='BN'), out_indices=(4, )),
}
LAST_CHANNELS = {'resnet18': 512, 'resnet50': 2048, 'resnet50v1c': 2048, 'vgg16bn': 512,
                 'vgg16': 512, 'vgg11bn': 512}


def model_config(backbone='resnet18', num_classes=21, size=None, width=None, **head):
    """An UnrolledLRP config; ``size`` pads training batches (the data preprocessor needs it),
    ``width`` narrows a ResNet18 (stem and first stage channels) where size does not matter."""
    preprocessor = dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0, seg_pad_val=255)
    if size is not None:
        preprocessor['size'] = size
    backbone_cfg, in_channels = dict(BACKBONES[backbone]), LAST_CHANNELS[backbone]
    if width is not None:
        assert backbone == 'resnet18', 'width applies to the ResNet18 only'
        backbone_cfg.update(stem_channels=width, base_channels=width)
        in_channels = width * 8
    return dict(
        type='UnrolledLRP', data_preprocessor=preprocessor, backbone=backbone_cfg,
        decode_head=dict(type='TiedHeavisideHead', in_channels=in_channels,
                         num_classes=num_classes, **head),
        train_cfg=dict(), test_cfg=dict(mode='whole'))


def count_calls(module):
    """A list that grows by one on each call of ``module``."""
    calls = []
    module.register_forward_hook(lambda *_: calls.append(1))
    return calls


def randomize_batch_norm(model, seed=0):
    """Non-trivial BatchNorm statistics and affine parameters, so eval-mode scales matter."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            shape = module.running_mean.shape
            module.running_mean.copy_(torch.randn(shape, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(shape, generator=generator) * 0.1)


def input_x_gradient(model, inputs):
    """The oracle: (x * d logit_c / dx) summed over channels, one autograd pass per class."""
    inputs = inputs.clone().requires_grad_(True)
    logits = model.class_logits(inputs)
    maps = []
    for c in range(logits.shape[1]):
        (grad, ) = torch.autograd.grad(logits[:, c].sum(), inputs, retain_graph=True)
        maps.append((inputs * grad).sum(1))
    return torch.stack(maps, 1).detach(), logits.detach()


def build_voc_dataset(voc, **kwargs):
    """The stage-2 dataset of a VOC tree with ``labeled.txt`` and ``image_level.txt`` at its
    root, no pipeline; ``kwargs`` override the config."""
    from mmseg.registry import DATASETS
    cfg = dict(type='SemiSupervisedVOCDataset', data_root=str(voc),
               labeled_split=str(voc / 'labeled.txt'),
               image_level_split=str(voc / 'image_level.txt'), pipeline=[])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def load_tool(path):
    """A script under ``tools/`` (``path`` relative to the repository) as a module, so that
    tests call its functions; the tools are scripts, not a package."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_in_process(path, *args):
    """``python PATH ARGS`` from the repository root, run in this process as ``__main__``
    (runpy), for the tools' refusals and quick runs: their exit status, stdout and stderr as
    ``subprocess.run`` gives them, without a second interpreter importing the stack (about
    3 s of CPU a call). An exception that would end the process leaves its traceback in
    stderr and exit status 1, as Python does."""
    argv, out, err = sys.argv, io.StringIO(), io.StringIO()
    sys.argv = [str(path), *map(str, args)]
    status = 0
    try:
        with contextlib.chdir(REPO), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                runpy.run_path(str(REPO / path), run_name='__main__')
            except SystemExit as exit_:
                if exit_.code is None or isinstance(exit_.code, int):
                    status = exit_.code or 0
                else:
                    print(exit_.code, file=sys.stderr)
                    status = 1
            except BaseException:  # noqa: B036 (what the interpreter would print)
                traceback.print_exc()
                status = 1
    finally:
        sys.argv = argv
    return subprocess.CompletedProcess([path, *args], status, out.getvalue(), err.getvalue())


# Explainer fixtures: small images and randomly initialised checkpoints with their configs
IMAGE_H, IMAGE_W = 40, 48
MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
CLASSIFIER_CONFIG = f'''
default_scope = 'mmpretrain'
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(mean={MEAN}, std={STD}, to_rgb=True),
    backbone=dict(type='{{backbone}}', {{backbone_args}}),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=5, in_channels={{channels}},
              loss=dict(type='CrossEntropyLoss')))
'''
RESNET18 = dict(backbone='ResNet', backbone_args='depth=18, out_indices=(3, )', channels=512)


def write_image(folder, seed=0):
    """A smooth random image, so heatmaps show structure rather than noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)
    path = osp.join(folder, f'synthetic{seed}.png')
    cv2.imwrite(path, cv2.resize(small, (IMAGE_W, IMAGE_H), interpolation=cv2.INTER_CUBIC))
    return path


def build_and_save(folder, config_text, name, checkpoint_meta, **checkpoint_extras):
    from mmengine.config import Config
    config_path = osp.join(folder, f'{name}.py')
    with open(config_path, 'w') as file:
        file.write(config_text)
    cfg = Config.fromfile(config_path)
    if cfg.default_scope == 'mmpretrain':
        from mmpretrain.registry import MODELS
    else:
        import unrolled_lrp  # noqa: F401
        from mmseg.registry import MODELS
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint_path = osp.join(folder, f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=checkpoint_meta, **checkpoint_extras),
               checkpoint_path)
    return config_path, checkpoint_path, model.eval()
