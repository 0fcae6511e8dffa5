"""What ``tools/test.py`` settles before and after testing: the metrics (the config's, the
multi-label F1 of models with a classifier, masks written through any IoUMetric), the drawing
hook of ``--show``/``--show-dir``, and ``test_results.json``."""
import json
import os.path as osp

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from .config_checks import ConfigError

F1_METRIC = 'MultiLabelF1Metric'


def metric_configs(cfg):
    """The test evaluator's metric configs, as a list that lives in ``cfg``."""
    evaluator = cfg.test_evaluator
    holder, key = (evaluator, 'metrics') if 'metrics' in evaluator else (cfg, 'test_evaluator')
    metrics = holder[key]
    holder[key] = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    return holder[key]


def is_iou_metric(metric_type):
    """Whether a metric type is MMSeg's IoUMetric or derives from it (such as
    PresentClassIoUMetric): those write the predicted masks of ``--out``."""
    if isinstance(metric_type, str):
        metric_type = METRICS.get(metric_type)
    return isinstance(metric_type, type) and issubclass(metric_type, IoUMetric)


def trigger_visualization_hook(cfg, show, wait_time, show_dir):
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ConfigError(f'config {cfg.filename}: --show/--show-dir need a `visualization` '
                          'hook in default_hooks (e.g. SegVisualizationHook)')
    hook['draw'] = True
    if show:
        hook['show'] = True
        hook['wait_time'] = wait_time
    if show_dir:
        cfg.visualizer['save_dir'] = show_dir


def add_metrics(cfg, out=None):
    """The multi-label F1 of the class logits beside the config's metrics (it skips models
    without a classifier); ``out``: the folder every IoUMetric writes its masks to."""
    metrics = metric_configs(cfg)
    if not any(metric.get('type') == F1_METRIC for metric in metrics):
        metrics.append(dict(type=F1_METRIC))
    if out is not None:
        iou_metrics = [metric for metric in metrics if is_iou_metric(metric.get('type'))]
        if not iou_metrics:
            raise ConfigError(f'config {cfg.filename}: --out needs an IoUMetric (or a subclass) '
                              'in test_evaluator, which writes the masks')
        for metric in iou_metrics:
            metric.update(output_dir=out)


def write_results(work_dir, config, checkpoint, metrics):
    metrics = {name: value if value is None or isinstance(value, (list, str)) else float(value)
               for name, value in metrics.items()}
    path = osp.join(work_dir, 'test_results.json')
    with open(path, 'w') as file:
        json.dump(dict(config=config, checkpoint=checkpoint, metrics=metrics),
                  file, indent=2)
    print('\n'.join(f'{name}: {value}' for name, value in metrics.items()))
    print(f'results written to {path}')
