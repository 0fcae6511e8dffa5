"""Explain images with a segmentor of this project or a plain image classifier.

    python tools/explain.py IMAGE_OR_DIR CONFIG CHECKPOINT --out-dir D \
        [--classes NAME_OR_INDEX ... | --top-k K] [--c1c] [--device cpu]
        [--composite LRP0|LRPEpsilon|EpsilonPlusFlat|... --composite-args key=value ...]

CONFIG/CHECKPOINT is either an MMSeg segmentor (e.g. UnrolledLRP: its heatmaps are
its segmentation scores) or an mmpretrain ``ImageClassifier`` whose backbone the
tied decoder unrolls (ResNet, VGG) followed by ``GlobalAveragePooling`` and a
``LinearClsHead``; the classifier sees the whole image at its own size.

For every image, ``D/<image file name>/`` receives ``summary.png`` (image,
prediction, raw and softmax heatmaps, C1C with ``--c1c``), ``segmentation.png``,
one ``heatmap_<class>.png`` (+ ``_softmax``, ``_c1c``) per explained class and
``heatmaps.npz`` (raw and softmax heatmaps, class ids and names, predicted labels,
class logits); ``D/index.html``
links all summaries. Images that fail are listed at the end and make the exit
status 1; a bad argument, config or checkpoint stops the tool with one ``error:`` line.
"""
import argparse
import html
import os
import os.path as osp
import re
import sys
import traceback

import mmcv
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmengine.utils import ProgressBar

import unrolled_lrp  # noqa: F401  (registers the project's models and visualizer)
from unrolled_lrp.models.rules import LRP_COMPOSITES
from unrolled_lrp.models.unroll import TiedDecoder, check_backbone, walk_backbone
from unrolled_lrp.postprocessing import c1c_filter
from unrolled_lrp.utils import load_checkpoint_file, run_main
from unrolled_lrp.visualization import (HeatmapSegVisualizer, probability_to_rgb,
                                        relevance_to_rgb)

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class UnsupportedCheckpointError(ValueError):
    """The config/checkpoint is neither a segmentor nor a classifier the decoder can unroll."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('images', help='an image file or a folder of images')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', required=True)
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--classes', nargs='+', help='class names or indices to explain')
    which.add_argument('--top-k', type=int,
                       help='explain the K classes with the highest logits (class '
                       '"background" excluded); segmentors without class logits rank '
                       'classes by predicted area (default: 3, or all classes if fewer)')
    parser.add_argument('--c1c', action='store_true', help='add C1C-filtered heatmaps')
    parser.add_argument('--c1c-threshold', type=float, default=0.0,
                        help='C1C keeps relevance above this fraction of the maximum')
    parser.add_argument('--composite', choices=sorted(LRP_COMPOSITES.module_dict),
                        default='LRP0', help='LRP rule composite of the decoder for classifier '
                        'checkpoints (segmentors use their config)')
    parser.add_argument('--composite-args', nargs='+', action=DictAction, default={},
                        metavar='KEY=VALUE',
                        help='arguments of --composite, e.g. epsilon=0.1, or low=-2.1 high=2.6 '
                        'for EpsilonGammaBox (the input bounds after the data preprocessor)')
    parser.add_argument('--class-chunk', type=int, default=16,
                        help='classes decoded at once for classifier checkpoints')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    if args.top_k is not None and args.top_k < 1:
        parser.error(f'--top-k must be >= 1, got {args.top_k}')
    return args


def list_images(path):
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such image file or folder')
    images = sorted(osp.join(path, name) for name in os.listdir(path)
                    if name.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise FileNotFoundError(f'{path}: folder holds no images ({", ".join(IMAGE_EXTENSIONS)})')
    return images


def read_image(path):
    """BGR uint8 image, or a clear error when the file is not a readable image."""
    image = mmcv.imread(path, flag='color')
    if image is None:
        raise ValueError(f'{path}: not a readable image')
    return image


def generated_palette(num_classes):
    return np.random.default_rng(0).integers(0, 256, (num_classes, 3)).tolist()


def config_class_meta(cfg):
    """(classes, palette) that the config's datasets name (``metainfo``, else the dataset
    class's ``METAINFO``), or (None, None)."""
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    from mmseg.registry import DATASETS
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        meta = dataset.get('metainfo') or {}
        if not meta.get('classes') and isinstance(dataset.get('type'), str):
            dataset_class = (DATASETS.get(dataset['type'])
                             or PRETRAIN_DATASETS.get(dataset['type']))
            meta = getattr(dataset_class, 'METAINFO', {})
        if meta.get('classes'):
            return list(meta['classes']), meta.get('palette')
    return None, None


def class_meta(dataset_meta, cfg, num_classes, checkpoint):
    """Classes and palette: the checkpoint's ``dataset_meta``, else the config's dataset,
    else ``class_0 ..`` with a line saying so (never guessed from the class count)."""
    for classes, palette, source in (
            (dataset_meta.get('classes'), dataset_meta.get('palette'), checkpoint),
            (*config_class_meta(cfg), cfg.filename)):
        if classes is None:
            continue
        if len(classes) != num_classes:
            print(f'{source} names {len(classes)} classes but the model has {num_classes}: '
                  'not using its names')
            continue
        if not palette or len(palette) != num_classes:
            palette = generated_palette(num_classes)
        return list(classes), palette
    print(f'neither {checkpoint} (meta.dataset_meta) nor {cfg.filename} (a dataset) names '
          f'the classes: calling them class_0 .. class_{num_classes - 1}')
    return [f'class_{i}' for i in range(num_classes)], generated_palette(num_classes)


def load_weights(model, checkpoint, cfg):
    """Loads ``checkpoint`` strictly into ``model``; returns (classes, palette) it names."""
    loaded = load_checkpoint_file(checkpoint)  # names a file that is no checkpoint
    try:
        _load_checkpoint_to_model(model, loaded, strict=True, logger='silent')
    except RuntimeError as error:  # missing or unexpected parameters
        details = str(error) if len(str(error)) <= 400 else str(error)[:400] + ' ...'
        raise UnsupportedCheckpointError(
            f'{checkpoint} does not fit the model of {cfg.filename}: {details}') from error
    num_classes = model.head.fc.out_features if hasattr(model, 'head') else \
        model.decode_head.num_classes
    dataset_meta = (loaded.get('meta') or {}).get('dataset_meta') or {}
    return class_meta(dataset_meta, cfg, num_classes, checkpoint)


def inference_pipeline(test_pipeline):
    """``test_pipeline`` for an image array that has no annotations.

    The image is loaded from the array, annotation loaders are dropped and packing is
    MMSeg's ``PackSegInputs`` (a project packer asks for image labels that an
    arbitrary image does not have); resizing and the other steps stay as configured.
    """
    def kind(step):
        return step['type'].split('.')[-1]

    steps = [dict(step) for step in test_pipeline
             if kind(step) not in ('LoadAnnotations', 'LoadOptionalSegAnnotations')]
    if not steps or not kind(steps[0]).startswith('LoadImage'):
        raise UnsupportedCheckpointError(
            f'test_pipeline must start with an image loader, got {[kind(s) for s in steps]}')
    steps[0] = dict(type='LoadImageFromNDArray')
    return [dict(type='PackSegInputs', **{k: v for k, v in step.items() if k == 'meta_keys'})
            if kind(step).startswith('Pack') else step for step in steps]


class SegmentorExplainer:
    """An MMSeg segmentor: its ``seg_logits`` are the heatmaps (for UnrolledLRP)."""

    def __init__(self, cfg, checkpoint, device):
        from mmcv.transforms import Compose
        from mmseg.apis import init_model
        if not cfg.get('test_pipeline'):
            raise UnsupportedCheckpointError(
                f'{cfg.filename}: a segmentor config needs a test_pipeline to read images')
        self.model = init_model(cfg, device='cpu')
        self.classes, self.palette = load_weights(self.model, checkpoint, cfg)
        self.model.to(device)
        self.pipeline = Compose(inference_pipeline(cfg.test_pipeline))

    @torch.no_grad()
    def __call__(self, image, choose_classes):
        from mmengine.dataset import pseudo_collate
        result = self.model.test_step(pseudo_collate([self.pipeline(dict(img=image))]))[0]
        scores = result.seg_logits.data.float().cpu()
        pred = result.pred_sem_seg.data[0].cpu().numpy()
        logits = result.get('pred_class_logits')
        logits = None if logits is None else logits.float().cpu()
        class_ids = choose_classes(logits, pred)
        return class_ids, scores[class_ids], scores.softmax(0)[class_ids], pred, logits


class ClassifierExplainer:
    """An mmpretrain ImageClassifier: backbone + GlobalAveragePooling + LinearClsHead.

    All classes are decoded, ``class_chunk`` at a time, to get the softmax over
    every class and the segmentation (arg max) without holding all heatmaps.
    """

    def __init__(self, cfg, checkpoint, device, composite, class_chunk):
        from mmengine.registry import init_default_scope
        from mmpretrain.models.necks import GlobalAveragePooling
        from mmpretrain.registry import MODELS
        from unrolled_lrp.models.unroll import UnsupportedLayerError
        init_default_scope('mmpretrain')
        self.model = MODELS.build(cfg.model)
        neck, head = getattr(self.model, 'neck', None), self.model.head
        if not isinstance(neck, GlobalAveragePooling) or not isinstance(
                getattr(head, 'fc', None), torch.nn.Linear):
            raise UnsupportedCheckpointError(
                f'{cfg.filename}: the decoder unrolls backbone + GlobalAveragePooling + '
                f'LinearClsHead, got neck {type(neck).__name__} and head {type(head).__name__}')
        try:
            check_backbone(self.model.backbone)
        except (UnsupportedLayerError, ValueError) as error:
            raise UnsupportedCheckpointError(f'{cfg.filename}: {error}') from error
        self.classes, self.palette = load_weights(self.model, checkpoint, cfg)
        self.model.to(device).eval()
        self.composite = composite
        self.class_chunk = class_chunk

    @torch.no_grad()
    def __call__(self, image, choose_classes):
        inputs = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        inputs = self.model.data_preprocessor({'inputs': [inputs]}, False)['inputs']
        fc = self.model.head.fc
        decoder = TiedDecoder(walk_backbone(self.model.backbone, inputs), fc.weight, fc.bias,
                              self.composite)
        logits = decoder.logits
        class_ids = choose_classes(logits[0].cpu(), None)
        log_normaliser, best, pred, kept = None, None, None, {}
        for chunk, heatmaps in decoder.heatmap_chunks(class_chunk=self.class_chunk):
            heatmaps = heatmaps[0]
            chunk_best, chunk_pred = heatmaps.max(0)
            chunk_pred = chunk_pred + chunk[0]
            chunk_normaliser = heatmaps.logsumexp(0)
            if best is None:
                log_normaliser, best, pred = chunk_normaliser, chunk_best, chunk_pred
            else:
                log_normaliser = torch.logaddexp(log_normaliser, chunk_normaliser)
                better = chunk_best > best
                best = torch.where(better, chunk_best, best)
                pred = torch.where(better, chunk_pred, pred)
            kept.update({c: heatmaps[chunk.index(c)] for c in class_ids if c in chunk})
        scores = torch.stack([kept[c] for c in class_ids]).float().cpu()
        probabilities = (scores - log_normaliser.float().cpu()).exp()
        return class_ids, scores, probabilities, pred.cpu().numpy(), logits[0].cpu()


def build_explainer(args):
    cfg = Config.fromfile(args.config)
    model_type = cfg.get('model', {}).get('type')
    if model_type == 'ImageClassifier':
        composite = dict(type=args.composite, **args.composite_args)
        return ClassifierExplainer(cfg, args.checkpoint, args.device, composite, args.class_chunk)
    from mmseg.models.segmentors import BaseSegmentor
    from mmseg.registry import MODELS
    model_class = MODELS.get(model_type) if model_type else None
    if not (isinstance(model_class, type) and issubclass(model_class, BaseSegmentor)):
        raise UnsupportedCheckpointError(
            f'{args.config}: model type {model_type!r} is neither an MMSeg segmentor nor an '
            'mmpretrain ImageClassifier')
    return SegmentorExplainer(cfg, args.checkpoint, args.device)


def class_chooser(args, class_names):
    """Function (logits or None, predicted labels or None) -> class ids to explain."""
    if args.classes:
        ids = []
        for name in args.classes:
            if name in class_names:
                ids.append(class_names.index(name))
            elif name.isdigit() and int(name) < len(class_names):
                ids.append(int(name))
            else:
                raise ValueError(f'--classes: {name!r} is not a class of this model '
                                 f'({", ".join(class_names)})')
        return lambda logits, pred: ids
    if args.top_k is not None and args.top_k > len(class_names):
        raise ValueError(f'--top-k {args.top_k} exceeds the {len(class_names)} classes')
    k = args.top_k or min(3, len(class_names))

    def top_k(logits, pred):
        if logits is not None:
            ranking = logits.clone()
            if 'background' in class_names:
                ranking[class_names.index('background')] = -float('inf')
        else:
            ranking = torch.from_numpy(np.bincount(pred.ravel(), minlength=len(class_names)))
        ranking = ranking.float()
        count = min(k, int(torch.isfinite(ranking).sum()))
        return ranking.topk(count).indices.tolist()

    return top_k


def file_safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name)


def write_outputs(folder, visualizer, image_rgb, explanation, args):
    class_ids, heatmaps, probabilities, pred, logits = explanation
    heatmaps, probabilities = heatmaps.numpy(), probabilities.numpy()
    os.makedirs(folder, exist_ok=True)
    summary = visualizer.draw_explanation(image_rgb, class_ids, heatmaps, probabilities, pred)
    mmcv.imwrite(mmcv.rgb2bgr(summary), osp.join(folder, 'summary.png'))
    mmcv.imwrite(mmcv.rgb2bgr(visualizer.draw_segmentation(image_rgb, pred)),
                 osp.join(folder, 'segmentation.png'))
    names = [visualizer.class_name(c) for c in class_ids]
    for name, heatmap, probability in zip(names, heatmaps, probabilities):
        stem = osp.join(folder, f'heatmap_{file_safe(name)}')
        mmcv.imwrite(mmcv.rgb2bgr(relevance_to_rgb(heatmap)), f'{stem}.png')
        mmcv.imwrite(mmcv.rgb2bgr(probability_to_rgb(probability)), f'{stem}_softmax.png')
        if args.c1c:
            limit = np.abs(heatmap).max(initial=0.0)
            mmcv.imwrite(mmcv.rgb2bgr(relevance_to_rgb(c1c_filter(heatmap, args.c1c_threshold),
                                                       limit)), f'{stem}_c1c.png')
    np.savez_compressed(osp.join(folder, 'heatmaps.npz'), class_ids=np.array(class_ids),
                        class_names=np.array(names), heatmaps=heatmaps.astype(np.float32),
                        probabilities=probabilities.astype(np.float32), segmentation=pred,
                        logits=np.array([]) if logits is None else logits.numpy())
    return names, logits


def write_index(out_dir, rows, failures):
    """``index.html``: one row per explained image, then the images that failed."""
    lines = ['<!doctype html><meta charset="utf-8"><title>Explanations</title>',
             '<style>body{font-family:sans-serif} img{max-width:100%} '
             'td{vertical-align:top;padding:4px}</style><table>']
    for image_name, names, logits, class_ids in rows:
        scores = '' if logits is None else ', '.join(
            f'{name} {float(logits[c]):.3g}' for name, c in zip(names, class_ids))
        folder = html.escape(image_name)
        lines.append(f'<tr><td><b>{folder}</b><br>{html.escape(scores or ", ".join(names))}'
                     f'</td><td><img src="{folder}/summary.png"></td></tr>')
    lines.append('</table>')
    if failures:
        lines.append('<h2>Failed</h2><ul>' + ''.join(
            f'<li>{html.escape(path)}: {html.escape(error)}</li>' for path, error in failures)
                     + '</ul>')
    with open(osp.join(out_dir, 'index.html'), 'w') as index:
        index.write('\n'.join(lines))


def main(argv=None):
    """Exit status 0, or 1 if an image failed; bad arguments, configs and checkpoints raise
    (one ``error:`` line through ``run_main``)."""
    args = parse_args(argv)
    images = list_images(args.images)
    explainer = build_explainer(args)
    choose_classes = class_chooser(args, explainer.classes)
    visualizer = HeatmapSegVisualizer(name='explain', classes=explainer.classes,
                                      palette=explainer.palette, c1c=args.c1c,
                                      c1c_threshold=args.c1c_threshold)
    os.makedirs(args.out_dir, exist_ok=True)
    rows, failures = [], []
    progress = ProgressBar(len(images))
    for path in images:
        try:
            image = read_image(path)
            explanation = explainer(image, choose_classes)
            folder = osp.join(args.out_dir, osp.basename(path))
            names, logits = write_outputs(folder, visualizer, mmcv.bgr2rgb(image), explanation,
                                          args)
            rows.append((osp.basename(path), names, logits, explanation[0]))
        except Exception as error:  # one bad image must not stop the others; reported below
            failures.append((path, f'{type(error).__name__}: {error}'))
            if not isinstance(error, ValueError):
                traceback.print_exc()
        progress.update()
    write_index(args.out_dir, rows, failures)
    print(f'\n{len(rows)} of {len(images)} images explained in {args.out_dir}')
    for path, error in failures:
        print(f'FAILED {path}: {error}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(run_main(main))
