"""Prediction is MMSeg's: seg_logits are the heatmaps, whole and slide inference."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmseg.evaluation import IoUMetric
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from helpers import count_calls, model_config


def test_predict_returns_heatmaps_segmentation_and_class_logits(build_model):
    model = build_model('resnet18').eval()
    inputs = torch.randn(2, 3, 36, 44)
    with torch.no_grad():
        results = model.predict(inputs)
        heatmaps = model(inputs, mode='tensor')
        logits = model.class_logits(inputs)
    for i, result in enumerate(results):
        torch.testing.assert_close(result.seg_logits.data, heatmaps[i])
        assert torch.equal(result.pred_sem_seg.data[0], heatmaps[i].argmax(0))
        torch.testing.assert_close(result.pred_class_logits, logits[i])


def test_slide_inference_runs_the_decoder_per_window(build_model):
    model = build_model('resnet18').eval()
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(24, 24))
    inputs = torch.randn(1, 3, 48, 56)
    with torch.no_grad():
        (result, ) = model.predict(inputs)
        window = model(inputs[:, :, :32, :32], mode='tensor')[0]
        logits = model.classifier(inputs)
    assert result.seg_logits.data.shape == (21, 48, 56)
    # the top-left corner is covered by the first window only
    torch.testing.assert_close(result.seg_logits.data[:, :8, :8], window[:, :8, :8])
    # the class logits are the whole image's, not a window's
    torch.testing.assert_close(result.pred_class_logits, logits[0])


def test_predictions_feed_mmseg_iou_metric(build_model):
    model = build_model('resnet18', num_classes=3).eval()
    inputs = torch.randn(2, 3, 32, 32)
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32)))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 32, 32)))
        samples.append(sample)
    with torch.no_grad():
        results = model.predict(inputs, samples)
    metric = IoUMetric()
    metric.dataset_meta = dict(classes=('background', 'a', 'b'))
    metric.process([], [r.to_dict() for r in results])
    assert 0 <= metric.compute_metrics(metric.results)['mIoU'] <= 100


def test_wsae_composite_runs_and_differs_from_lrp0(build_model):
    inputs = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        relu = build_model('resnet18', composite='WSAE').eval()(inputs, mode='tensor')
        lrp0 = build_model('resnet18').eval()(inputs, mode='tensor')
    assert relu.shape == lrp0.shape and not torch.allclose(relu, lrp0)


def test_whole_image_prediction_runs_the_backbone_once(build_model):
    model = build_model('resnet18').eval()
    calls = count_calls(model.backbone.conv1)
    with torch.no_grad():
        model.predict(torch.randn(2, 3, 32, 32))
    assert len(calls) == 1


def test_segmentors_reject_unknown_arguments():
    with pytest.raises(TypeError, match='cls_los'):
        MODELS.build(dict(model_config('resnet18'), cls_los=dict(type='CrossEntropyLoss')))
