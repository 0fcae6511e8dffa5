"""Refuse a checkpoint that does not fit the model it is to become, or holds NaN weights.

mmengine loads checkpoints non-strictly: a file of another architecture (no key matches), a
classifier of another size or a model with another depth only log "do not match exactly" and
the run goes on with random weights, reporting metrics as if nothing happened. The tools
check first and stop with one line that names the file and the keys; ``--allow-partial-
checkpoint`` keeps mmengine's partial load for who wants it.
"""
import os.path as osp
import pickle
import zipfile

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader

from .config_checks import pretrained_init_cfgs

SHOWN_KEYS = 3


class CheckpointMismatch(ValueError):
    """A checkpoint that cannot be read, or whose parameters do not fit the model."""


# what torch.save writes: a zip archive, or a pickle (protocol 2 and later) in older files
CHECKPOINT_STARTS = (b'PK\x03\x04', b'\x80')


def load_checkpoint_file(path: str):
    """The whole checkpoint object of ``path``, or an error that names the file: a missing
    file, one that is no checkpoint at all (a web page or a Git LFS pointer saved as .pth,
    which torch reports as "pop from empty list"), one cut short or corrupted."""
    path = str(path)
    if '://' not in path:
        if not osp.isfile(path):
            raise CheckpointMismatch(f'checkpoint not found: {path}')
        with open(path, 'rb') as file:
            head = file.read(48)
        if not head.startswith(CHECKPOINT_STARTS):
            raise CheckpointMismatch(
                f'{path}: not a PyTorch checkpoint (it starts with {head[:32]!r}; a web page, '
                'a Git LFS pointer or a failed download saved under this name?)')
    try:
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu', logger='silent')
    except (RuntimeError, EOFError, OSError, IndexError, pickle.UnpicklingError,
            zipfile.BadZipFile, ValueError) as error:
        raise CheckpointMismatch(f'{path}: not a readable checkpoint, the file may be '
                                 f'truncated or corrupted ({type(error).__name__}: '
                                 f'{str(error).splitlines()[0] if str(error) else ""})') from error
    check_finite(checkpoint, path)
    return checkpoint


def check_finite(checkpoint, path):
    """A checkpoint whose weights hold NaN or infinite values (a diverged run's) gives no
    result worth a number: refused, naming the first tensors."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    tensors = {key: value for key, value in state.items()
               if torch.is_tensor(value) and value.is_floating_point()}
    bad = [key for key, value in tensors.items() if not torch.isfinite(value).all()]
    if bad:
        shown = ', '.join(bad[:SHOWN_KEYS]) + (', ...' if len(bad) > SHOWN_KEYS else '')
        raise CheckpointMismatch(
            f'{path}: {len(bad)} of {len(tensors)} weight tensors hold NaN or infinite values '
            f'({shown}): the run that saved it diverged; its results would be meaningless')


def read_state_dict(path: str) -> dict:
    """The state dict of a checkpoint file (``state_dict`` entry or the file itself, with
    DistributedDataParallel's ``module.`` prefix removed), or an error that names the file."""
    return state_dict_of(load_checkpoint_file(path), path)


def state_dict_of(checkpoint, path) -> dict:
    """The state dict of a loaded checkpoint (see :func:`read_state_dict`)."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointMismatch(f'{path}: holds no state dict of tensors')
    return {key[len('module.'):] if key.startswith('module.') else key: value
            for key, value in state.items()}


def _listed(keys):
    keys = sorted(keys)
    shown = ', '.join(keys[:SHOWN_KEYS])
    return f'{len(keys)} ({shown}{", ..." if len(keys) > SHOWN_KEYS else ""})'


def mismatch_report(expected: dict, state: dict) -> str:
    """'' if ``state`` fits ``expected`` (name -> tensor) exactly, else what does not."""
    missing = set(expected) - set(state)
    unexpected = set(state) - set(expected)
    shapes = [f'{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}'
              for key in sorted(set(state) & set(expected))
              if state[key].shape != expected[key].shape]
    parts = []
    if missing:
        parts.append(f'missing keys {_listed(missing)}')
    if unexpected:
        parts.append(f'unexpected keys {_listed(unexpected)}')
    if shapes:
        parts.append(f'{len(shapes)} shape mismatches (checkpoint vs model: '
                     f'{"; ".join(shapes[:SHOWN_KEYS])}{"; ..." if len(shapes) > SHOWN_KEYS else ""})')
    return ', '.join(parts)


def check_checkpoint_fits(module: torch.nn.Module, path: str, prefix: str = '',
                          what: str = 'the model') -> None:
    """Raise :class:`CheckpointMismatch` unless the checkpoint's parameters (those under
    ``prefix``, with it removed, when given) are exactly ``module``'s."""
    state = read_state_dict(path)
    if prefix:
        state = {key[len(prefix):]: value for key, value in state.items()
                 if key.startswith(prefix)}
    report = mismatch_report(module.state_dict(), state)
    if report:
        under = f' (keys under {prefix!r})' if prefix else ''
        raise CheckpointMismatch(f'{path}{under} does not fit {what}: {report}. Pass '
                                 '--allow-partial-checkpoint to load only what fits')


def check_start_checkpoints(model: torch.nn.Module, cfg) -> None:
    """What a run starts from must fit: the ``load_from`` (or resumed) checkpoint the whole
    model, else every local 'Pretrained' ``init_cfg`` checkpoint its module (after its
    ``prefix``). URLs (ImageNet weights of the classifier configs) are left to mmengine."""
    model = model.module if is_model_wrapper(model) else model
    if cfg.get('load_from'):
        check_checkpoint_fits(model, cfg.load_from, what=f'the model of {cfg.filename}')
        return
    for where, init_cfg in pretrained_init_cfgs(cfg.get('model'), 'model'):
        path = init_cfg['checkpoint']
        if '://' in path or not where.endswith('.init_cfg'):
            continue
        module = model
        for name in where.split('.')[1:-1]:
            module = getattr(module, name, None)
        if isinstance(module, torch.nn.Module):
            check_checkpoint_fits(module, path, init_cfg.get('prefix') or '',
                                  what=f'{where[:-len(".init_cfg")]} of {cfg.filename}')
