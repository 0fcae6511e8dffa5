"""tools/model_converters/convert_classifier.py: a random VOC classifier becomes the start of every segmentor.

The classifier is built from configs/classifier/ with random weights; the segmentors from the
paper configs with their init_cfg pointed at the converted file. Oracle: after init_weights
the segmentors' backbones equal the classifier's, and their class logits are the classifier's
logits (mmpretrain's own forward) with the background logit minus their mean.
"""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmpretrain.registry import MODELS as CLASSIFIERS
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from helpers import model_config, randomize_batch_norm, run_tool_in_process
from unrolled_lrp.utils.classifier_conversion import ConversionError, convert

REPO = Path(__file__).parents[1]
TOOL = REPO / 'tools' / 'model_converters' / 'convert_classifier.py'
METHODS = ('unrolled_lrp', 'ws_ae', 'lrp_eps', 'mt_unet', 'unet', 'fcn')
WITH_CLASSIFIER = {'unrolled_lrp': 'decode_head', 'ws_ae': 'decode_head',
                   'lrp_eps': 'decode_head', 'mt_unet': 'cls_head'}


def random_classifier(backbone, seed=0):
    """The pre-training config's classifier with random weights (nothing downloaded)."""
    cfg = Config.fromfile(REPO / 'configs' / 'classifier' / f'multilabel_{backbone}_voc12.py')
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = CLASSIFIERS.build(cfg.model)
    randomize_batch_norm(model, seed)
    torch.nn.init.normal_(model.head.fc.weight, std=0.05)
    torch.nn.init.normal_(model.head.fc.bias, std=0.5)
    return model.eval()


@pytest.fixture(scope='module', params=['r50', 'vgg16bn'])
def converted(request, tmp_path_factory):
    """(backbone, classifier, converted checkpoint path), converted by the command line tool."""
    root = tmp_path_factory.mktemp(f'convert_{request.param}')
    classifier = random_classifier(request.param)
    source = root / 'epoch_10.pth'
    torch.save(dict(state_dict=classifier.state_dict(), meta=dict(epoch=10)), source)
    target = root / 'out' / f'voc12_classifier_{request.param}.pth'
    result = run_tool_in_process(TOOL, source, target)
    assert result.returncode == 0, result.stderr
    return request.param, classifier, target


def point_init_at(model_cfg, conventional, path):
    """Replace the config's classifier checkpoint by ``path``; the keys that loaded it."""
    replaced = []

    def visit(node, where):
        if isinstance(node, dict):
            if node.get('type') == 'Pretrained' and node.get('checkpoint') == conventional:
                node['checkpoint'] = str(path)
                replaced.append((where, node.get('prefix')))
            for key, value in node.items():
                visit(value, f'{where}.{key}' if where else key)

    visit(model_cfg, '')
    return replaced


@pytest.mark.parametrize('method', METHODS)
@pytest.mark.slow
def test_every_segmentor_starts_from_the_converted_classifier(converted, method):
    backbone, classifier, path = converted
    cfg = Config.fromfile(REPO / 'configs' / f'{method}_{backbone}_voc_20.py')
    loaded = point_init_at(cfg.model, f'checkpoints/voc12_classifier_{backbone}.pth', path)
    expected = {('backbone.init_cfg', 'backbone.')}
    if method in WITH_CLASSIFIER:
        expected.add((f'{WITH_CLASSIFIER[method]}.init_cfg', 'decode_head.'))
    assert set(loaded) == expected
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()

    reference = classifier.backbone.state_dict()
    for name, tensor in model.backbone.state_dict().items():
        assert torch.equal(tensor, reference[name]), name
    if method in WITH_CLASSIFIER:
        inputs = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            logits = model.class_logits(inputs)
            expected_logits = classifier(inputs, mode='tensor')
        torch.testing.assert_close(logits[:, 1:], expected_logits, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(logits[:, 0], -expected_logits.mean(1), rtol=1e-4, atol=1e-4)


def test_classifier_with_background_row_is_copied():
    weight, bias = torch.randn(21, 8), torch.randn(21)
    state = convert({'backbone.w': torch.ones(1), 'head.fc.weight': weight,
                                'head.fc.bias': bias}, num_classes=21)
    assert torch.equal(state['decode_head.conv_seg.weight'], weight[:, :, None, None])
    assert torch.equal(state['decode_head.conv_seg.bias'], bias)


@pytest.mark.parametrize('state, message', [
    ({'head.fc.weight': torch.ones(20, 8)}, 'no backbone.* parameters'),
    ({'backbone.w': torch.ones(1), 'head.layers.0.weight': torch.ones(20, 8)},
     r"no linear classifier head.fc.weight .*\['head.layers.0.weight'\]"),
    ({'backbone.w': torch.ones(1), 'head.fc.weight': torch.ones(10, 8)},
     'head.fc.weight has 10 rows; expected 20 .* or 21'),
])
def test_unsuitable_checkpoints_are_named_with_the_problem(state, message):
    with pytest.raises(ConversionError, match=f'^cls.pth: {message}'):
        convert(state, num_classes=21, source='cls.pth')


@pytest.mark.slow
def test_command_line_names_a_missing_checkpoint(tmp_path):
    result = run_tool_in_process(TOOL, tmp_path / 'missing.pth', tmp_path / 'out.pth')
    assert result.returncode != 0
    assert f'error: checkpoint not found: {tmp_path / "missing.pth"}' in result.stderr


def test_background_row_trains_in_ws_ae_where_a_zero_row_would_not():
    """Why the background row is the negative class mean: WS-AE's ReLUs pass no gradient
    to an all-zero row, so a zero background row would never learn there."""
    torch.manual_seed(0)
    model = MODELS.build(model_config('resnet18', num_classes=4, size=(32, 32), composite='WSAE'))
    randomize_batch_norm(model)
    classes = torch.randn(3, 512) * 0.5
    samples = [SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 4, (1, 32, 32))),
                             gt_image_labels=torch.ones(4)) for _ in range(2)]
    inputs = torch.randn(2, 3, 32, 32)
    gradients = {}
    for name, row in (('zero', torch.zeros(1, 512)), ('converted', -classes.mean(0, keepdim=True))):
        model.zero_grad()
        model.decode_head.conv_seg.weight.data.copy_(torch.cat([row, classes])[:, :, None, None])
        model.train().loss(inputs, copy.deepcopy(samples))['decode.loss_ce'].backward()
        gradients[name] = model.decode_head.conv_seg.weight.grad[0].abs().sum().item()
    assert gradients['zero'] == 0 and gradients['converted'] > 0
