"""One training run per work dir at a time.

Two runs in one folder interleave their checkpoints, configs and logs (each one's
``max_keep_ckpts`` deletes the other's files, ``last_checkpoint`` names whichever wrote last),
and both report metrics of models no longer on disk. ``tools/train.py`` takes a lock file in
the work dir before it looks at it; a second run is refused, naming the holder. A lock left by
a run that died (kill -9, a power cut) is taken over with a note.
"""
import atexit
import json
import logging
import os
import os.path as osp
import socket
import time

from mmengine.logging import print_log

from .config_checks import ConfigError

LOCK_FILE = '.train.lock'


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _holder(path):
    """The lock's holder as a dict (pid, host, started), or None for an unreadable lock."""
    try:
        with open(path) as file:
            holder = json.load(file)
        return holder if isinstance(holder, dict) and isinstance(holder.get('pid'), int) else None
    except (OSError, ValueError):
        return None


def unlock_work_dir(work_dir):
    """Removes the work dir's lock if this process holds it (at the end of training; at exit
    for a run that stopped early)."""
    path = osp.join(work_dir, LOCK_FILE)
    holder = _holder(path)
    if holder and holder['pid'] == os.getpid():
        os.remove(path)


def _in_use(work_dir, path, holder):
    return ConfigError(
        f'work dir {work_dir} is in use by another training run (PID {holder["pid"]} on '
        f'{holder.get("host")}, started {holder.get("started")}); wait for it to finish or '
        f'use another --work-dir (if that run is gone, delete {path})')


def _held_by_another(holder):
    return holder is not None and holder['pid'] != os.getpid() and (
        holder.get('host') != socket.gethostname() or _running(holder['pid']))


def _first_rank():
    """Whether this is the first process of a distributed run (or the only process): the
    one that checks and holds the lock; the other ranks share its work dir."""
    return int(os.environ.get('RANK', os.environ.get('SLURM_PROCID', 0))) == 0


def check_work_dir_free(work_dir):
    """Raises if a running process holds the work dir's lock; changes nothing (so that a run
    refused for another reason leaves no folder behind). The other ranks of a distributed
    run skip it: the lock they would see is their own run's, held by rank 0."""
    if not str(work_dir).strip():
        raise ConfigError('--work-dir is empty: name the folder for checkpoints and logs')
    if not _first_rank():
        return
    path = osp.join(work_dir, LOCK_FILE)
    holder = _holder(path)
    if _held_by_another(holder):
        raise _in_use(work_dir, path, holder)


def lock_work_dir(work_dir):
    """Creates ``work_dir`` and takes its lock for this process until it exits; refuses a
    work dir whose lock a running process holds. Only the first process of a distributed run
    (rank 0) takes it. Returns the lock's path, or None on other ranks."""
    check_work_dir_free(work_dir)
    if not _first_rank():
        return None
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    me = dict(pid=os.getpid(), host=socket.gethostname(),
              started=time.strftime('%Y-%m-%d %H:%M:%S'))
    for _ in range(3):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _holder(path)
            if holder is None and time.time() - osp.getmtime(path) < 5:
                time.sleep(0.5)  # a lock being written right now
                continue
            if _held_by_another(holder):
                raise _in_use(work_dir, path, holder)
            if holder is None or holder['pid'] != me['pid']:
                print_log(f'work dir {work_dir}: taking over the lock of a training run that '
                          f'is no longer running ({holder or "unreadable lock"})',
                          logger='current', level=logging.WARNING)
            os.remove(path)
            continue
        with os.fdopen(descriptor, 'w') as file:
            json.dump(me, file)
        atexit.register(unlock_work_dir, work_dir)
        return path
    raise ConfigError(f'work dir {work_dir}: could not take its lock {path}')
