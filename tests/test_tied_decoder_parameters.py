"""The decoder holds references, never copies, and never touches BatchNorm statistics."""
import copy

import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

from helpers import BACKBONES


def masked_samples(batch, size, num_classes=21):
    samples = []
    for _ in range(batch):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, *size)))
        samples.append(sample)
    return samples


def test_each_parameter_once_and_state_dict_matches_plain_backbone(build_model):
    model = build_model('resnet18')
    params = list(model.parameters())
    assert len({id(p) for p in params}) == len(params)
    names = [name for name, _ in model.named_parameters()]
    assert all(name.startswith(('backbone.', 'decode_head.conv_seg.')) for name in names)
    assert set(model.state_dict()) == {f'backbone.{k}' for k in model.backbone.state_dict()} | {
        'decode_head.conv_seg.weight', 'decode_head.conv_seg.bias'}

    plain = MODELS.build(BACKBONES['resnet18'])
    plain.load_state_dict(model.backbone.state_dict())  # strict: same keys, same shapes
    fresh = copy.deepcopy(model)
    torch.nn.init.zeros_(fresh.backbone.conv1.weight)
    fresh.backbone.load_state_dict(plain.state_dict())
    torch.testing.assert_close(fresh.backbone.conv1.weight, model.backbone.conv1.weight)


def test_optimizer_sees_each_tied_weight_once(build_model):
    model = build_model('resnet18')
    optimizer = torch.optim.AdamW(model.parameters())
    tensors = [p for group in optimizer.param_groups for p in group['params']]
    assert len(tensors) == len({id(p) for p in tensors})


def test_training_step_updates_batch_norm_statistics_exactly_once(build_model):
    """One loss() = one encoder pass: BN running statistics move as in a plain forward."""
    model = build_model('resnet18').train()
    inputs = torch.randn(3, 3, 32, 32)
    plain = copy.deepcopy(model.backbone)
    plain(inputs)

    calls = []
    for module in model.backbone.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.BatchNorm2d)):
            module.register_forward_hook(lambda m, i, o: calls.append(m))
    losses = model.loss(inputs, masked_samples(3, (32, 32)))
    sum(v for k, v in losses.items() if 'loss' in k).backward()

    convs_and_norms = [m for m in model.backbone.modules()
                       if isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d))]
    assert len(calls) == len(convs_and_norms) == len(set(map(id, calls)))
    for (name, ours), (_, theirs) in zip(model.backbone.named_buffers(), plain.named_buffers()):
        torch.testing.assert_close(ours, theirs, msg=f'BN buffer {name} differs')
