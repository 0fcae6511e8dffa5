"""Explaining images: LRP heatmaps of any class of a segmentor of this project (its pixel
scores) or of a plain mmpretrain classifier (backbone + GAP + linear layer, unrolled).

    explainer = load_explainer('config.py', 'model.pth', composite=dict(type='EpsilonPlusFlat'))
    explanation = explainer('image.jpg', classes=['cat'])   # or top_k=3; or a BGR uint8 array
    explanation.heatmaps, explanation.logits, explanation.segmentation
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch

from ..utils import ConfigError, load_checkpoint_file, load_config
from .class_names import class_meta
from .image_input import as_bgr_image, check_top_k


class UnsupportedCheckpointError(ValueError):
    """The config/checkpoint is neither a segmentor nor a classifier the decoder can unroll."""


@dataclass
class Explanation:
    """Heatmaps (N, H, W) of ``class_ids``, their softmax over all classes, the segmentation
    (H, W, arg max over all classes) and the class logits (K,; None for models without)."""
    class_ids: List[int]
    heatmaps: torch.Tensor
    probabilities: torch.Tensor
    segmentation: np.ndarray
    logits: Optional[torch.Tensor]


def load_weights(model, checkpoint, cfg, log=print):
    """Loads ``checkpoint`` strictly into ``model``; returns (classes, palette) it names."""
    from mmengine.runner import load_state_dict

    from ..utils.checkpoint_fit import state_dict_of
    loaded = load_checkpoint_file(checkpoint)  # names a file that is no checkpoint
    try:
        load_state_dict(model, state_dict_of(loaded, checkpoint), strict=True, logger='silent')
    except RuntimeError as error:  # missing or unexpected parameters
        details = str(error) if len(str(error)) <= 400 else str(error)[:400] + ' ...'
        raise UnsupportedCheckpointError(
            f'{checkpoint} does not fit the model of {cfg.filename}: {details}') from error
    num_classes = (model.head.fc.out_features if hasattr(model, 'head')
                   else model.decode_head.num_classes)
    dataset_meta = (loaded.get('meta') or {}).get('dataset_meta') or {}
    return class_meta(dataset_meta, cfg, num_classes, checkpoint, log)


def inference_pipeline(test_pipeline):
    """``test_pipeline`` for an image array that has no annotations: loaded from the array,
    annotation loaders dropped, packed by MMSeg's ``PackSegInputs`` (a project packer asks
    for image labels an arbitrary image does not have); resizing and the rest as configured."""
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


class Explainer:
    """Common to both kinds: the classes to explain, by name, index or the top-k logits."""
    classes: List[str]
    palette: list

    def check_choice(self, classes: Optional[Sequence] = None, top_k: int = 3) -> None:
        """Raises for class names or indices this model does not have, or a ``top_k`` above
        its class count, before any image is explained."""
        self.class_ids(classes, top_k, logits=torch.zeros(len(self.classes)))

    def class_ids(self, classes: Optional[Sequence] = None, top_k: int = 3, logits=None,
                  segmentation=None) -> List[int]:
        """``classes`` (names or indices), else the ``top_k`` highest logits (background
        left out), or for models without logits the ``top_k`` largest predicted areas."""
        if classes:
            ids = []
            for name in map(str, classes):
                if name in self.classes:
                    ids.append(self.classes.index(name))
                elif name.isdigit() and int(name) < len(self.classes):
                    ids.append(int(name))
                else:
                    raise ValueError(f'--classes: {name!r} is not a class of this model '
                                     f'({", ".join(self.classes)})')
            return ids
        check_top_k(top_k, len(self.classes))
        if logits is not None:
            ranking = logits.clone().float()
            if 'background' in self.classes:
                ranking[self.classes.index('background')] = -float('inf')
        else:
            ranking = torch.from_numpy(np.bincount(segmentation.ravel(),
                                                   minlength=len(self.classes))).float()
        count = min(top_k, int(torch.isfinite(ranking).sum()))
        return ranking.topk(count).indices.tolist()


class SegmentorExplainer(Explainer):
    """An MMSeg segmentor: its ``seg_logits`` are the heatmaps (for UnrolledLRP); a composite
    replaces the one of its tied decoder."""

    def __init__(self, cfg, checkpoint, device='cpu', composite=None, log=print):
        from mmseg.apis import init_model
        if not cfg.get('test_pipeline'):
            raise UnsupportedCheckpointError(
                f'{cfg.filename}: a segmentor config needs a test_pipeline to read images')
        if composite is not None:
            head = cfg.model.get('decode_head') or {}
            if head.get('type') != 'TiedHeavisideHead':
                raise UnsupportedCheckpointError(
                    f'--composite applies to a tied decoder (UnrolledLRP\'s TiedHeavisideHead) '
                    f'or a classifier; {cfg.filename} has a {head.get("type")}')
            head['composite'] = composite
        self.model = init_model(cfg, device='cpu')
        self.classes, self.palette = load_weights(self.model, checkpoint, cfg, log)
        self.model.to(device)
        # what mmseg.apis.inference_model reads images with (it drops only 'LoadAnnotations')
        self.model.cfg.test_pipeline = inference_pipeline(cfg.test_pipeline)

    @torch.no_grad()
    def __call__(self, image, classes=None, top_k=3) -> Explanation:
        """Explains ``image`` (a path, a PIL image or a BGR uint8 array: :mod:`.image_input`)
        for ``classes`` (names or indices), else its ``top_k`` classes."""
        from mmseg.apis import inference_model
        image = as_bgr_image(image)
        self.check_choice(classes, top_k)
        result = inference_model(self.model, image)
        scores = result.seg_logits.data.float().cpu()
        segmentation = result.pred_sem_seg.data[0].cpu().numpy()
        logits = result.get('pred_class_logits')
        logits = None if logits is None else logits.float().cpu()
        ids = self.class_ids(classes, top_k, logits, segmentation)
        return Explanation(ids, scores[ids], scores.softmax(0)[ids], segmentation, logits)


class ClassifierExplainer(Explainer):
    """An mmpretrain ImageClassifier: backbone + GlobalAveragePooling + LinearClsHead, its
    backbone unrolled by the tied decoder. All classes are decoded, ``class_chunk`` at a time,
    for the softmax over every class and the segmentation, without holding all heatmaps."""

    def __init__(self, cfg, checkpoint, device='cpu', composite=None, class_chunk=16,
                 log=print):
        from mmengine.registry import init_default_scope
        from mmpretrain.models.necks import GlobalAveragePooling
        from mmpretrain.registry import MODELS

        from ..models.unroll import UnrolledClassifier, UnsupportedLayerError
        init_default_scope('mmpretrain')
        self.model = MODELS.build(cfg.model)
        neck, head = getattr(self.model, 'neck', None), self.model.head
        if not isinstance(neck, GlobalAveragePooling) or not isinstance(
                getattr(head, 'fc', None), torch.nn.Linear):
            raise UnsupportedCheckpointError(
                f'{cfg.filename}: the decoder unrolls backbone + GlobalAveragePooling + '
                f'LinearClsHead, got neck {type(neck).__name__} and head {type(head).__name__}')
        try:
            self.classifier = UnrolledClassifier(self.model.backbone, head.fc,
                                                 composite or dict(type='LRP0'))
        except (UnsupportedLayerError, ValueError) as error:
            raise UnsupportedCheckpointError(f'{cfg.filename}: {error}') from error
        self.classes, self.palette = load_weights(self.model, checkpoint, cfg, log)
        self.model.to(device).eval()
        self.class_chunk = class_chunk

    @torch.no_grad()
    def __call__(self, image, classes=None, top_k=3) -> Explanation:
        """As :meth:`SegmentorExplainer.__call__`."""
        image = as_bgr_image(image)
        self.check_choice(classes, top_k)
        inputs = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        inputs = self.model.data_preprocessor({'inputs': [inputs]}, False)['inputs']
        decoder = self.classifier.decoder(self.classifier.trace(inputs))
        logits = decoder.logits[0].cpu()
        ids = self.class_ids(classes, top_k, logits)
        log_normaliser, best, segmentation, kept = None, None, None, {}
        for chunk, heatmaps in decoder.heatmap_chunks(class_chunk=self.class_chunk):
            heatmaps = heatmaps[0]
            chunk_best, chunk_segmentation = heatmaps.max(0)
            chunk_segmentation = chunk_segmentation + chunk[0]
            chunk_normaliser = heatmaps.logsumexp(0)
            if best is None:
                log_normaliser, best, segmentation = (chunk_normaliser, chunk_best,
                                                      chunk_segmentation)
            else:
                log_normaliser = torch.logaddexp(log_normaliser, chunk_normaliser)
                better = chunk_best > best
                best = torch.where(better, chunk_best, best)
                segmentation = torch.where(better, chunk_segmentation, segmentation)
            kept.update({c: heatmaps[chunk.index(c)] for c in ids if c in chunk})
        scores = torch.stack([kept[c] for c in ids]).float().cpu()
        probabilities = (scores - log_normaliser.float().cpu()).exp()
        return Explanation(ids, scores, probabilities, segmentation.cpu().numpy(), logits)


def load_explainer(config, checkpoint, device='cpu', composite=None, class_chunk=16,
                   log=print) -> Explainer:
    """The explainer of a segmentor or classifier config and its checkpoint; ``composite``
    (an LRP rule composite config, e.g. ``dict(type='EpsilonPlusFlat')``) replaces LRP-0 of a
    classifier and the configured one of a segmentor's tied decoder."""
    if not str(config).endswith(('.py', '.json', '.yaml', '.yml')):
        raise ConfigError(f'{config}: not a config file (.py); the arguments are IMAGES '
                          'CONFIG CHECKPOINT')
    cfg = load_config(str(config))
    model_type = cfg.get('model', {}).get('type')
    if model_type == 'ImageClassifier':
        return ClassifierExplainer(cfg, checkpoint, device, composite, class_chunk, log)
    from mmseg.models.segmentors import BaseSegmentor
    from mmseg.registry import MODELS
    model_class = MODELS.get(model_type) if model_type else None
    if not (isinstance(model_class, type) and issubclass(model_class, BaseSegmentor)):
        raise UnsupportedCheckpointError(
            f'{config}: model type {model_type!r} is neither an MMSeg segmentor nor an '
            'mmpretrain ImageClassifier')
    return SegmentorExplainer(cfg, checkpoint, device, composite, log)
