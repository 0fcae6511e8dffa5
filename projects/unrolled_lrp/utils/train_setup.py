"""What ``tools/train.py`` settles before it builds anything: the work dir (resume, or refuse to
replace the checkpoints of an earlier run), the schedule (one that trains nothing is an error),
the stop at a non-finite loss and ``--amp`` (a GPU feature)."""
import logging
import os.path as osp
from glob import glob

import torch
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from .checkpoint_fit import load_checkpoint_file
from .config_checks import ConfigError


def own_latest_checkpoint(work_dir):
    """The checkpoint ``last_checkpoint`` names, taken from ``work_dir`` itself.

    mmengine writes its absolute path, so a copied work dir would resume from the source
    directory's checkpoint and a moved one would name a path that no longer exists; a file of
    that name in ``work_dir`` is the one meant, and without one nothing is resumed silently.
    """
    named = find_latest_checkpoint(work_dir)
    if named is None:
        return None
    own = osp.join(work_dir, osp.basename(named))
    if osp.isfile(own):
        if not (osp.isfile(named) and osp.samefile(own, named)):
            print_log(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {named}, '
                      f'outside this work dir; resuming from {own}', logger='current',
                      level=logging.WARNING)
        return own
    if osp.isfile(named):
        raise ConfigError(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {named}, '
                          f'outside this work dir, which has no {osp.basename(named)} of its '
                          f'own (a copied work dir?); to continue that run, pass --resume '
                          f'{named}')
    raise ConfigError(f'--resume: {osp.join(work_dir, "last_checkpoint")} names {named}, '
                      f'which does not exist, and {own} does not either')


def checkpoints_in(work_dir):
    return sorted(glob(osp.join(work_dir, '*.pth'))) + (
        [osp.join(work_dir, 'last_checkpoint')]
        if osp.isfile(osp.join(work_dir, 'last_checkpoint')) else [])


def max_iterations(cfg):
    """(option, value) of the schedule's length: iterations or epochs."""
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_iters' in train_cfg:
        return 'train_cfg.max_iters', train_cfg['max_iters']
    return 'train_cfg.max_epochs', train_cfg.get('max_epochs')


MAX_LEARNING_RATE = 1e6  # above it, no optimizer of this project trains (and torch overflows)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_schedule(cfg):
    """A schedule of no (or negative) length trains nothing and exited 0 without a word; one
    that is no whole number (``max_iters=four``, ``2.5``) and a learning rate that is no
    positive number (``lr=1e-3x``, ``1e38``) stopped with a traceback after the datasets were
    built."""
    option, value = max_iterations(cfg)
    if value is not None and not (isinstance(value, int) and not isinstance(value, bool)):
        raise ConfigError(f'config {cfg.filename}: {option}={value!r} is not a whole number')
    if value is not None and value <= 0:
        raise ConfigError(f'config {cfg.filename}: {option}={value} trains nothing')
    lr = ((cfg.get('optim_wrapper') or {}).get('optimizer') or {}).get('lr')
    if lr is not None and not (is_number(lr) and 0 < lr <= MAX_LEARNING_RATE):
        raise ConfigError(f'config {cfg.filename}: optim_wrapper.optimizer.lr={lr!r} is not a '
                          f'learning rate (a number above 0, at most {MAX_LEARNING_RATE:g})')


def set_resume(cfg, resume, overwrite=False):
    """Resolve ``--resume [CHECKPOINT]`` to one checkpoint and continue with its seed; without
    ``--resume`` a work dir that holds checkpoints is refused unless ``overwrite`` (they would
    be replaced); a checkpoint at or past the schedule's end is refused (nothing to train).

    As in MMSegmentation, the command line decides: without ``--resume`` nothing resumes.
    """
    cfg.resume = False
    if resume is None:
        found = checkpoints_in(cfg.work_dir)
        if found and not overwrite:
            raise ConfigError(
                f'work dir {cfg.work_dir} holds checkpoints of an earlier run '
                f'({", ".join(osp.basename(path) for path in found[:3])}); --resume continues '
                'it, --overwrite starts over and replaces them, or use another --work-dir')
        return
    checkpoint = own_latest_checkpoint(cfg.work_dir) if resume == 'auto' else resume
    if checkpoint is None:
        print_log(f'--resume: no checkpoint in {cfg.work_dir}; training starts from scratch',
                  logger='current', level=logging.WARNING)
        return
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise ConfigError(f'--resume: checkpoint not found: {checkpoint}')
    loaded = load_checkpoint_file(checkpoint)  # a truncated file: named
    meta = loaded.get('meta', {}) if isinstance(loaded, dict) else {}
    option, value = max_iterations(cfg)
    done = meta.get('iter' if option.endswith('iters') else 'epoch')
    if done is not None and value is not None and done >= value:
        raise ConfigError(f'--resume: {checkpoint} is at {option.split("_")[-1]} {done}, the '
                          f'schedule ends at {value} ({option}); nothing is left to train '
                          f'(raise {option} to train longer)')
    cfg.resume, cfg.load_from = True, checkpoint
    use_seed_of_checkpoint(cfg, meta.get('seed'), checkpoint)


def use_seed_of_checkpoint(cfg, seed, checkpoint):
    """Resume with the random seed of the run being resumed, so the data order continues.

    mmengine 0.10.7 builds the train dataloader -- seeding its sampler with the Runner's seed
    -- before it loads the checkpoint, and restores the checkpoint's seed only afterwards.
    Without a fixed ``randomness.seed`` in the config the resumed run would draw a fresh seed,
    and its sampler (fast-forwarded by the resumed iteration count) would replay a different
    data order. Putting the checkpoint's seed into the config before the Runner exists fixes
    that."""
    if seed is None:
        return
    randomness = dict(cfg.get('randomness') or {})
    if randomness.get('seed') != seed:
        print_log(f'resuming with the seed of {checkpoint}: {seed}', logger='current')
        cfg.randomness = dict(randomness, seed=seed)


def enable_amp(cfg):
    """``--amp``: mmengine's AmpOptimWrapper, which needs CUDA (on a CPU it asserts)."""
    if not torch.cuda.is_available():
        raise ConfigError('--amp (automatic mixed precision) needs a CUDA GPU; on a CPU, the '
                          "decoder's bfloat16 mode is model.decode_head.decoder_dtype="
                          "'bfloat16'")
    optim_wrapper = cfg.optim_wrapper.type
    if optim_wrapper == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in the config.', logger='current',
                  level=logging.WARNING)
        return
    if optim_wrapper != 'OptimWrapper':
        raise ConfigError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def stop_at_non_finite_loss(cfg):
    """Every run stops at its first NaN or infinite loss (:class:`NonFiniteLossHook`), unless
    the config has the hook already (with its own settings)."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(hook.get('type') == 'NonFiniteLossHook' for hook in hooks):
        cfg.custom_hooks = hooks + [dict(type='NonFiniteLossHook')]


def hold_out_val_list(cfg):
    """The train set refuses ids of the val list the config validates on (it checks the tree's
    ``ImageSets/Segmentation/val.txt`` by itself; the config's list may be another)."""
    train = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    val = (cfg.get('val_dataloader') or {}).get('dataset') or {}
    if (train.get('type') == 'SemiSupervisedVOCDataset' and 'held_out_split' not in train
            and val.get('type') == 'SemiSupervisedVOCDataset' and val.get('labeled_split')):
        train['held_out_split'] = osp.abspath(val['labeled_split'])


def build_runner(cfg):
    """The config's mmengine runner (MMSeg's way: ``runner_type`` or ``Runner.from_cfg``),
    built after the CPU process group and the allocator setting are in place."""
    from mmengine.runner import Runner
    from mmseg.registry import RUNNERS

    from .cpu_distributed import prepare_cpu_distributed
    from .cpu_memory import prepare_cpu_memory
    prepare_cpu_distributed(cfg)
    prepare_cpu_memory(cfg)
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
