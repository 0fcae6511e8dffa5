"""Fail fast on a broken config: unloadable, missing sections, data or the checkpoint a model
starts from that is not there.

Without these checks a wrong ``data_root`` surfaces only after the model is built, as an
error deep inside a dataset's ``load_data_list`` that does not say which config key is wrong.
"""
import contextlib
import os.path as osp
import re
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from .config_variables import apply_cfg_options


class ConfigError(ValueError):
    """A config that cannot run; the message names the file and the problem."""


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile`` + ``--cfg-options``, with errors that name the file; an option that
    sets a top-level variable (``classifier=PATH``) also changes the values that were made from
    it, and says which (:mod:`config_variables`)."""
    if not osp.isfile(path):
        raise ConfigError(f'config file not found: {path}')
    try:
        cfg = Config.fromfile(path)
        followed = apply_cfg_options(cfg, cfg_options) if cfg_options else []
    except Exception as error:  # any syntax, base or merge error of the config
        raise ConfigError(f'cannot load config {path}: {type(error).__name__}: {error}') from error
    if followed:
        print_log(f'--cfg-options: the top-level variables set also set {", ".join(followed)}',
                  logger='current')
    return cfg


def require_sections(cfg: Config, sections: Sequence[str]) -> None:
    """Raise if the config lacks a section the command needs (e.g. ``test_dataloader``)."""
    missing = [name for name in sections if not cfg.get(name)]
    if missing:
        raise ConfigError(f'config {cfg.filename} has no {", ".join(missing)}')


def _resolve(data_root: str, path: str) -> str:
    """Join like mmengine's BaseDataset: relative paths are below ``data_root``."""
    return path if (osp.isabs(path) or not data_root) else osp.join(data_root, path)


def dataset_paths(dataset_cfg: dict, where: str) -> Iterator[Tuple[str, str]]:
    """(config key, path) of everything a dataset config reads from disk, wrappers included.

    Covers ``data_root``, every ``*ann_file`` key and the ``data_prefix`` folders (below
    ``data_root``), the split lists of ``SemiSupervisedVOCDataset`` (``*_split``, used as
    given); recurses into ``dataset`` (RepeatDataset and similar) and ``datasets``
    (ConcatDataset).
    """
    data_root = dataset_cfg.get('data_root') or ''
    if data_root:
        yield f'{where}.data_root', data_root
    for key, value in dataset_cfg.items():
        if key.endswith('ann_file') and isinstance(value, str) and value:
            yield f'{where}.{key}', _resolve(data_root, value)
        if key.endswith('_split') and isinstance(value, str) and value:
            yield f'{where}.{key}', value
    for key, value in (dataset_cfg.get('data_prefix') or {}).items():
        if isinstance(value, str) and value:
            yield f'{where}.data_prefix.{key}', _resolve(data_root, value)
    inner = dataset_cfg.get('dataset')
    if isinstance(inner, dict):
        yield from dataset_paths(inner, f'{where}.dataset')
    for index, inner in enumerate(dataset_cfg.get('datasets') or []):
        yield from dataset_paths(inner, f'{where}.datasets[{index}]')


def missing_local_paths(paths: Iterable[Tuple[str, str]]) -> List[str]:
    """'  key: path (resolved: ...)' for every (config key, path) that is local (no URL
    scheme) and does not exist."""
    return [f'  {key}: {path} (resolved: {osp.abspath(path)})' for key, path in paths
            if '://' not in path and not osp.exists(path)]


def check_data_paths(cfg: Config, dataloaders: Sequence[str]) -> None:
    """Raise naming every local data path of the given dataloaders that does not exist."""
    paths = []
    for loader in dataloaders:
        dataset_cfg = (cfg.get(loader) or {}).get('dataset')
        if dataset_cfg:
            paths.extend(dataset_paths(dataset_cfg, f'{loader}.dataset'))
    missing = missing_local_paths(paths)
    if missing:
        raise ConfigError(f'config {cfg.filename}: data not found\n' + '\n'.join(missing) +
                          '\nSet the data root in the config or with --cfg-options.')


def pretrained_init_cfgs(node, where: str) -> Iterator[Tuple[str, dict]]:
    """(config key, init_cfg) of every ``init_cfg`` of type 'Pretrained' below ``node``."""
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained' and isinstance(node.get('checkpoint'), str):
            yield where, node
        for key, value in node.items():
            yield from pretrained_init_cfgs(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from pretrained_init_cfgs(value, f'{where}[{index}]')


def pretrained_checkpoints(node, where: str) -> Iterator[Tuple[str, str]]:
    """(config key, path) of every ``init_cfg`` of type 'Pretrained' below ``node``."""
    for key, init_cfg in pretrained_init_cfgs(node, where):
        yield f'{key}.checkpoint', init_cfg['checkpoint']


def check_init_checkpoints(cfg: Config) -> None:
    """Raise naming every local 'Pretrained' checkpoint of the model that does not exist.

    Stage 2 of a two-stage recipe starts from a converted classifier; without it mmengine stops
    only after building the Runner, with a traceback."""
    missing = missing_local_paths(pretrained_checkpoints(cfg.get('model'), 'model'))
    if missing:
        raise ConfigError(
            f'config {cfg.filename}: checkpoint to start from not found\n' + '\n'.join(missing) +
            '\nTrain and convert the classifier first '
            '(tools/model_converters/convert_classifier.py; tools/run_synthetic_demo.sh runs '
            'both stages of the synthetic configs), or set '
            'the path with --cfg-options classifier=PATH (configs that name it once) or the '
            'keys above.')


def _keys_named(node, name: str, where: str) -> Iterator[str]:
    """Dotted config keys whose last part is ``name``."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{where}.{key}' if where else str(key)
            if key == name:
                yield path
            yield from _keys_named(value, name, path)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _keys_named(value, name, f'{where}[{index}]')


def check_model_options(cfg: Config) -> None:
    """Builds the model once before the Runner exists (and writes its work dir), so that an
    option no class takes stops the command naming the config key (:func:`options_named`)."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    with options_named(cfg):
        MODELS.build(cfg.model)


@contextlib.contextmanager
def options_named(cfg: Config):
    """Building from ``cfg``: an option no class takes (a typo such as ``cls_los=`` or
    ``score_normalisation=``) is one error naming the config key, not a 30-line traceback
    ending in "unexpected keyword argument"; any other error keeps its traceback."""
    try:
        yield
    except KeyError as error:
        match = re.search(r'(\S+) is not in the (\S+) registry', str(error))
        if not match:
            raise
        name, registry = match.groups()
        name = name.strip('`\'"')
        raise ConfigError(f'config {cfg.filename}: type {name!r} is not registered in '
                          f'{registry}{closest_registered(name)}') from error
    except TypeError as error:
        match = re.search(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'",
                          str(error))
        if not match:
            raise
        owner, option = match.groups()
        keys = list(_keys_named(cfg.to_dict(), option, '')) or [option]
        raise ConfigError(f'config {cfg.filename}: {" or ".join(keys)} is no option of '
                          f'{owner} (a typo?)') from error


def closest_registered(name: str) -> str:
    """'; did you mean ...?' with the registered type names closest to ``name`` in MMSeg's,
    mmpretrain's and mmengine's model registries, or ''."""
    import difflib

    from mmengine.registry import MODELS as ROOT_MODELS
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmseg.registry import MODELS as SEG_MODELS
    names = set()
    for registry in (SEG_MODELS, PRETRAIN_MODELS, ROOT_MODELS):
        names.update(registry.module_dict)
    close = difflib.get_close_matches(name.split('.')[-1], sorted(names), n=3, cutoff=0.6)
    return f'; did you mean {" or ".join(close)}?' if close else ''
