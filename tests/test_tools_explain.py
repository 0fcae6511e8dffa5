"""tools/analysis_tools/explain.py on synthetic images with randomly initialised checkpoints.

Oracle: for a ReLU network LRP-0 is input x gradient, so every heatmap the tool
writes must equal sum_channels(x * d logit_k / d x) computed by autograd on the
normalised input, and the segmentation the arg max of all classes' heatmaps.
"""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmseg.utils import get_classes, get_palette

from helpers import (CLASSIFIER_CONFIG, IMAGE_H, IMAGE_W, MEAN, RESNET18, STD, build_and_save,
                     load_tool, write_image)
from unrolled_lrp.apis import UnsupportedCheckpointError, config_class_meta
from unrolled_lrp.utils import ConfigError

explain = load_tool('tools/analysis_tools/explain.py')

H, W = IMAGE_H, IMAGE_W
ENLARGED = 7  # summary panels: the short side enlarged to 256 px or more (7 x 40)
SEGMENTOR_CONFIG = f'''
custom_imports = dict(imports=['unrolled_lrp'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    type='UnrolledLRP',
    data_preprocessor=dict(type='SegDataPreProcessor', mean={MEAN}, std={STD},
                           bgr_to_rgb=True, pad_val=0, seg_pad_val=255),
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), norm_eval=False,
                  style='pytorch', contract_dilation=True),
    decode_head=dict(type='TiedHeavisideHead', in_channels=512, num_classes=21, composite='LRP0'),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
# The project's test pipeline: its packer needs labels, which images to explain lack.
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                 dict(type='PackSegInputsWithImageLabels', num_classes=21)]
'''


@pytest.fixture(autouse=True)
def mmseg_scope_afterwards():
    """Classifier checkpoints switch the default scope to mmpretrain; later test files
    build MMSeg models by bare names."""
    yield
    init_default_scope('mmseg')


def input_x_gradient(model, logits_of, image_path):
    """(K, H, W) heatmaps by autograd, on the model's own normalised input."""
    image = torch.from_numpy(cv2.imread(image_path).transpose(2, 0, 1).copy())
    inputs = model.data_preprocessor(dict(inputs=[image]), False)['inputs']
    inputs.requires_grad_(True)
    logits = logits_of(inputs)[0]
    heatmaps = []
    for k in range(len(logits)):
        gradient, = torch.autograd.grad(logits[k], inputs, retain_graph=True)
        heatmaps.append((inputs * gradient).sum(1)[0])
    return torch.stack(heatmaps).detach().numpy(), logits.detach().numpy()


def outputs(out_dir, image_path):
    folder = osp.join(out_dir, osp.basename(image_path))
    return folder, dict(np.load(osp.join(folder, 'heatmaps.npz')))


def assert_close_to_oracle(saved, oracle, logits):
    scale = np.abs(oracle).max()
    ids = saved['class_ids']
    np.testing.assert_allclose(saved['heatmaps'], oracle[ids], atol=1e-4 * scale)
    np.testing.assert_allclose(saved['logits'], logits, rtol=1e-4, atol=1e-5)
    softmax = torch.from_numpy(oracle).softmax(0).numpy()
    np.testing.assert_allclose(saved['probabilities'], softmax[ids], atol=1e-4)
    agree = saved['segmentation'] == oracle.argmax(0)
    assert agree.mean() > 0.99  # ties within rounding may flip single pixels


@pytest.fixture(scope='module')
def segmentor(tmp_path_factory):
    """A checkpoint as the Runner writes it: meta with the classes, and the message hub."""
    folder = str(tmp_path_factory.mktemp('segmentor'))
    meta = dict(dataset_meta=dict(classes=get_classes('voc'), palette=get_palette('voc')))
    hub = MessageHub.get_instance('explain_test')
    hub.update_scalar('train/loss', 0.5)
    return build_and_save(folder, SEGMENTOR_CONFIG, 'tiny_unrolled_lrp', meta,
                          message_hub=hub.state_dict())


def test_segmentor_heatmaps_summary_and_index(segmentor, tmp_path):
    config, checkpoint, model = segmentor
    image = write_image(str(tmp_path))
    out_dir = str(tmp_path / 'out')
    assert explain.main([image, config, checkpoint, '--out-dir', out_dir, '--top-k', '2',
                         '--c1c', '--device', 'cpu']) == 0
    folder, saved = outputs(out_dir, image)
    oracle, logits = input_x_gradient(model, model.class_logits, image)
    assert_close_to_oracle(saved, oracle, logits)
    ranking = np.argsort(-logits[1:])[:2] + 1  # background is never in the top k
    assert saved['class_ids'].tolist() == ranking.tolist()
    names = [get_classes('voc')[k] for k in ranking]
    for name in names:
        for suffix in ('', '_softmax', '_c1c'):
            assert cv2.imread(osp.join(folder, f'heatmap_{name}{suffix}.png')).shape == (H, W, 3)
    summary = cv2.imread(osp.join(folder, 'summary.png'))
    gap = 2  # rows: image/prediction, raw, softmax, C1C; columns: 2 classes
    assert summary.shape == (4 * H * ENLARGED + 3 * gap, 2 * W * ENLARGED + gap, 3)
    assert cv2.imread(osp.join(folder, 'segmentation.png')).shape == (H, W, 3)
    index = open(osp.join(out_dir, 'index.html')).read()
    assert 'synthetic0.png/summary.png' in index and names[0] in index


def test_named_classes_and_unreadable_images_in_a_folder(segmentor, tmp_path, capsys):
    config, checkpoint, _ = segmentor
    folder = tmp_path / 'images'
    folder.mkdir()
    write_image(str(folder), seed=1)
    (folder / 'broken.jpg').write_bytes(b'this is not an image')
    (folder / 'notes.txt').write_text('ignored: not an image extension')
    out_dir = str(tmp_path / 'out')
    status = explain.main([str(folder), config, checkpoint, '--out-dir', out_dir,
                           '--classes', 'cat', '0', '--device', 'cpu'])
    assert status == 1
    assert 'broken.jpg: cannot be decoded (not an image)' in capsys.readouterr().err
    _, saved = outputs(out_dir, str(folder / 'synthetic1.png'))
    assert saved['class_ids'].tolist() == [8, 0]
    assert saved['class_names'].tolist() == ['cat', 'background']
    assert 'broken.jpg' in open(osp.join(out_dir, 'index.html')).read()


@pytest.mark.parametrize('classifier', [
    RESNET18,
    dict(backbone='VGG', backbone_args='depth=11, norm_cfg=dict(type="BN")', channels=512),
], ids=['resnet18', 'vgg11bn'])
def test_plain_classifier_checkpoint(classifier, tmp_path):
    config, checkpoint, model = build_and_save(
        str(tmp_path), CLASSIFIER_CONFIG.format(**classifier), 'classifier',
        dict(dataset_meta=dict(classes=['ant', 'bee', 'cow', 'dog', 'eel'])))
    image = write_image(str(tmp_path))
    out_dir = str(tmp_path / 'out')
    # --class-chunk 2 < 5 classes: softmax and arg max are accumulated over chunks.
    assert explain.main([image, config, checkpoint, '--out-dir', out_dir, '--top-k', '3',
                         '--class-chunk', '2', '--device', 'cpu']) == 0
    folder, saved = outputs(out_dir, image)
    oracle, logits = input_x_gradient(
        model, lambda x: model.head.fc(model.neck(model.backbone(x))[-1]), image)
    assert_close_to_oracle(saved, oracle, logits)
    assert saved['class_ids'].tolist() == np.argsort(-logits)[:3].tolist()
    assert cv2.imread(osp.join(folder, 'summary.png')).shape == (
        3 * H * ENLARGED + 4, 3 * W * ENLARGED + 4, 3)


def test_unsupported_checkpoints_are_refused_clearly(segmentor, tmp_path):
    image = write_image(str(tmp_path))
    config, checkpoint, _ = build_and_save(
        str(tmp_path), CLASSIFIER_CONFIG.format(
            backbone='MobileNetV2', backbone_args='widen_factor=0.5', channels=1280),
        'mobilenet', {})
    with pytest.raises(UnsupportedCheckpointError, match='MobileNetV2'):
        explain.main([image, config, checkpoint, '--out-dir', str(tmp_path / 'o')])
    # A checkpoint of another model: parameters do not fit.
    resnet_config, _, _ = build_and_save(str(tmp_path), CLASSIFIER_CONFIG.format(**RESNET18),
                                         'resnet', {})
    _, segmentor_checkpoint, _ = segmentor
    with pytest.raises(UnsupportedCheckpointError, match='does not fit'):
        explain.main([image, resnet_config, segmentor_checkpoint, '--out-dir',
                      str(tmp_path / 'o')])
    other = tmp_path / 'other.py'
    other.write_text("model = dict(type='NotAModel')\n")
    with pytest.raises(UnsupportedCheckpointError, match="'NotAModel' is neither"):
        explain.main([image, str(other), checkpoint, '--out-dir', str(tmp_path / 'o')])


def test_missing_image_and_unknown_class_are_refused(segmentor, tmp_path):
    config, checkpoint, _ = segmentor
    with pytest.raises(FileNotFoundError, match='no such image'):
        explain.main([str(tmp_path / 'nothing.png'), config, checkpoint,
                      '--out-dir', str(tmp_path / 'o')])
    image = write_image(str(tmp_path))
    with pytest.raises(ValueError, match="'unicorn' is not a class"):
        explain.main([image, config, checkpoint, '--out-dir', str(tmp_path / 'o'),
                      '--classes', 'unicorn'])


def class_names_written(tmp_path, config_text, checkpoint_meta):
    tmp_path.mkdir()
    config, checkpoint, _ = build_and_save(str(tmp_path), config_text, 'named', checkpoint_meta)
    image = write_image(str(tmp_path))
    explain.main([image, config, checkpoint, '--out-dir', str(tmp_path / 'o'),
                  '--classes', '0', '4', '--device', 'cpu'])
    return outputs(str(tmp_path / 'o'), image)[1]['class_names'].tolist()


def test_class_names_come_from_the_checkpoint_then_the_config_never_from_the_count(
        tmp_path, capsys):
    classifier = CLASSIFIER_CONFIG.format(**RESNET18)
    dataset = ("test_dataloader = dict(dataset=dict(type='CustomDataset', "
               "metainfo=dict(classes=['ant', 'bee', 'cow', 'dog', 'eel'])))\n")
    assert class_names_written(tmp_path / 'config', classifier + dataset, {}) == ['ant', 'eel']
    # the checkpoint's names win over the config's
    meta = dict(dataset_meta=dict(classes=['a', 'b', 'c', 'd', 'e']))
    assert class_names_written(tmp_path / 'both', classifier + dataset, meta) == ['a', 'e']
    # names of another class count are not used; 5 classes are no data set's by count alone
    meta = dict(dataset_meta=dict(classes=['a', 'b']))
    assert class_names_written(tmp_path / 'none', classifier, meta) == ['class_0', 'class_4']
    printed = capsys.readouterr().out
    assert 'names 2 classes but the model has 5' in printed
    assert 'calling them class_0 .. class_4' in printed


def test_config_dataset_type_names_its_classes():
    from mmengine.config import Config
    cfg = Config(dict(val_dataloader=dict(dataset=dict(type='PascalVOCDataset'))))
    assert config_class_meta(cfg)[0] == list(get_classes('voc'))
    assert config_class_meta(Config(dict())) == (None, None)


def test_a_composite_applies_to_a_segmentors_tied_decoder(segmentor, tmp_path):
    """--composite on an UnrolledLRP checkpoint was ignored without a word (heatmaps identical
    to LRP-0's); it now replaces the configured composite, and is refused for models without
    a tied decoder."""
    config, checkpoint, _ = segmentor
    image = write_image(str(tmp_path))
    heatmaps = {}
    for composite in ('LRP0', 'EpsilonPlusFlat'):
        out_dir = str(tmp_path / composite)
        assert explain.main([image, config, checkpoint, '--out-dir', out_dir, '--classes', '8',
                             '--composite', composite, '--device', 'cpu']) == 0
        heatmaps[composite] = outputs(out_dir, image)[1]['heatmaps']
    assert not np.allclose(heatmaps['LRP0'], heatmaps['EpsilonPlusFlat'])
    unet = tmp_path / 'unet.py'
    unet.write_text(open(config).read().replace("type='TiedHeavisideHead'", "type='FCNHead'"))
    with pytest.raises(UnsupportedCheckpointError, match='has a FCNHead'):
        explain.main([image, str(unet), checkpoint, '--out-dir', str(tmp_path / 'u'),
                      '--composite', 'EpsilonPlusFlat'])


def test_arguments_in_the_wrong_order_name_the_file(segmentor, tmp_path):
    config, checkpoint, _ = segmentor
    image = write_image(str(tmp_path))
    with pytest.raises(ConfigError, match=f'{image}: not a config file'):
        explain.main([config, image, checkpoint, '--out-dir', str(tmp_path / 'o')])


def test_a_used_out_dir_is_refused_and_overwrite_leaves_no_stale_files(segmentor, tmp_path):
    config, checkpoint, _ = segmentor
    first, second = write_image(str(tmp_path), seed=0), write_image(str(tmp_path), seed=1)
    out_dir = tmp_path / 'out'
    explain.main([first, config, checkpoint, '--out-dir', str(out_dir), '--device', 'cpu'])
    with pytest.raises(ValueError, match='exists and is not empty; pass --overwrite'):
        explain.main([second, config, checkpoint, '--out-dir', str(out_dir)])
    explain.main([second, config, checkpoint, '--out-dir', str(out_dir), '--overwrite'])
    assert sorted(p.name for p in out_dir.iterdir() if p.is_dir()) == ['synthetic1.png']
    (out_dir / 'notes.txt').write_text('mine')
    with pytest.raises(ValueError, match='files explain.py did not write'):
        explain.main([first, config, checkpoint, '--out-dir', str(out_dir), '--overwrite'])
    assert (out_dir / 'notes.txt').read_text() == 'mine'


def test_a_corrupt_jpeg_is_a_failure_not_a_grey_explanation(segmentor, tmp_path, capsys):
    config, checkpoint, _ = segmentor
    path = tmp_path / 'cut.jpg'
    cv2.imwrite(str(path), cv2.imread(write_image(str(tmp_path))))
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    assert explain.main([str(path), config, checkpoint, '--out-dir', str(tmp_path / 'o')]) == 1
    assert f'{path}: the decoder warns' in capsys.readouterr().err
