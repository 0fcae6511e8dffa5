"""The class names and palette of a model: from its checkpoint, else its config's dataset, else
``class_0 ..`` (never guessed from the class count)."""
import numpy as np


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


def class_meta(dataset_meta, cfg, num_classes, checkpoint, log=print):
    """Classes and palette: the checkpoint's ``dataset_meta``, else the config's dataset,
    else ``class_0 ..`` with a line saying so."""
    for classes, palette, source in (
            (dataset_meta.get('classes'), dataset_meta.get('palette'), checkpoint),
            (*config_class_meta(cfg), cfg.filename)):
        if classes is None:
            continue
        if len(classes) != num_classes:
            log(f'{source} names {len(classes)} classes but the model has {num_classes}: '
                'not using its names')
            continue
        if not palette or len(palette) != num_classes:
            palette = generated_palette(num_classes)
        return list(classes), palette
    log(f'neither {checkpoint} (meta.dataset_meta) nor {cfg.filename} (a dataset) names '
        f'the classes: calling them class_0 .. class_{num_classes - 1}')
    return [f'class_{i}' for i in range(num_classes)], generated_palette(num_classes)
