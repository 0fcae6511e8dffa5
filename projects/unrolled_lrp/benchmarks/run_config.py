"""The config of one benchmark run: a repository config pointed at the benchmark's own data,
split, classifier, seed and schedule, and the check that a finished run was made by it."""
import hashlib
from pathlib import Path

from mmengine import Config

from ..utils.config_variables import retarget


def set_schedule(cfg, max_iters):
    """``max_iters`` iterations: the schedulers' end, validation and checkpoint at the end."""
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    for scheduler in cfg.param_scheduler:
        scheduler['end'] = max_iters
    cfg.default_hooks.checkpoint.interval = max_iters


def run_config(source, replacements, seed, max_iters=None, split_dir=None, validate=True,
               look_split=False):
    """``source`` retargeted, with its seed and schedule; ``split_dir`` sets the training
    split (``labeled.txt``, ``image_level.txt``); ``validate=False`` drops the validation
    loop (the numbers come from ``tools/test.py`` on the same images); ``look_split`` scores
    the test with ``LookSplitIoUMetric`` (IoU on looks the split's masks show and on looks
    they never show) in place of ``PresentClassIoUMetric``."""
    cfg = Config(retarget(Config.fromfile(str(source)).to_dict(), replacements))
    cfg.randomness = dict(seed=seed)
    if max_iters:
        set_schedule(cfg, max_iters)
    if not validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if split_dir is not None:
        dataset = cfg.train_dataloader.dataset
        dataset.labeled_split = f'{split_dir}/labeled.txt'
        if dataset.get('image_level_split') is not None:
            dataset.image_level_split = f'{split_dir}/image_level.txt'
        if look_split:
            cfg.test_evaluator = [
                dict(metric, type='LookSplitIoUMetric',
                     data_root=cfg.test_dataloader.dataset.data_root,
                     labeled_split=dataset.labeled_split)
                if metric['type'] == 'PresentClassIoUMetric' else metric
                for metric in cfg.test_evaluator]
    return cfg


def claim_work_dir(work_dir, cfg, marker):
    """Writes ``cfg`` as ``work_dir/config.py`` and its hash as ``work_dir/config.sha256``,
    unless the folder holds another run: one made with another config (another schedule,
    split, data, classifier or seed), or one without a hash (made otherwise), is refused,
    naming the folder, so that no result is reported under a config it was not made with.
    (``tools/train.py`` replaces ``config.py`` by the config as it ran; the hash is of the
    config asked for.) Returns the config's path."""
    work_dir = Path(work_dir)
    text = cfg.dump()
    digest = hashlib.sha256(text.encode()).hexdigest()
    hash_file = work_dir / 'config.sha256'
    if work_dir.is_dir() and any(work_dir.iterdir()):
        if not hash_file.is_file():
            raise ValueError(f'{work_dir} holds files but no config.sha256: not a {marker} of '
                             'this benchmark; use another --work-dir or delete that folder')
        if hash_file.read_text().strip() != digest:
            raise ValueError(
                f'{work_dir} holds a {marker} made with another config than this benchmark '
                'would write now (another schedule, split, data, classifier or seed); use '
                'another --work-dir or delete that folder')
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / 'config.py').write_text(text)
    hash_file.write_text(digest + '\n')
    return work_dir / 'config.py'
