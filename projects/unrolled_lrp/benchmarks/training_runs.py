"""Training and testing benchmark runs as child processes, a few at a time, with progress."""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .run_config import claim_work_dir

REPO = Path(__file__).resolve().parents[3]
PROGRESS = re.compile(r'Iter\(train\) \[\s*(\d+)/(\d+)\].*?eta: (\S+)')


def child_env():
    """One thread per run (as fast for these small models, and parallel runs share the
    cores); warnings stay in the logs' own lines."""
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
                PYTHONWARNINGS='ignore')


def run_tool(args, log_path):
    """Runs a tool of the repository to completion, its output in ``log_path``; fails
    naming the log."""
    with open(log_path, 'w') as log:
        code = subprocess.call([sys.executable, *map(str, args)], stdout=log,
                               stderr=subprocess.STDOUT, cwd=REPO, env=child_env())
    if code:
        raise ChildProcessError(f'{" ".join(map(str, args[:2]))} failed (exit {code}); '
                           f'see {log_path}')


class TrainingRun:
    """One config trained by ``tools/train.py`` and tested by ``tools/test.py`` in
    ``work_dir``; ``info`` (row, method, masks, seed, ...) goes into its result.

    A finished run (its ``test/test_results.json``) is reused only when its ``config.py`` is
    the config asked for; an interrupted one resumes from its last checkpoint."""

    def __init__(self, name, work_dir, cfg, **info):
        self.name, self.dir, self.cfg, self.info = name, Path(work_dir), cfg, info
        self.result_path = self.dir / 'test' / 'test_results.json'
        self.process = self.log = self.started = None
        self.train_seconds = None

    def claim(self):
        """Writes the config, or refuses a folder that holds another run's."""
        self.config_path = claim_work_dir(self.dir, self.cfg, 'run')

    @property
    def done(self):
        return self.result_path.is_file()

    def start(self):
        resume = ['--resume'] if (self.dir / 'last_checkpoint').is_file() else []
        self.log = open(self.dir / 'train.log', 'a')
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, 'tools/train.py', self.config_path, '--work-dir', self.dir,
             *resume], stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO, env=child_env())

    def progress(self):
        """(iteration, max iterations, eta) of the latest training log line, if any."""
        matches = PROGRESS.findall((self.dir / 'train.log').read_text(errors='replace'))
        return matches[-1] if matches else None

    def finish(self):
        """After training: the test on the val images; the result dict."""
        self.log.close()
        if self.process.returncode:
            raise ChildProcessError(f'training {self.name} failed (exit {self.process.returncode});'
                               f' see {self.dir / "train.log"}')
        self.train_seconds = time.perf_counter() - self.started
        checkpoint = (self.dir / 'last_checkpoint').read_text().strip()
        (self.dir / 'test').mkdir(exist_ok=True)
        run_tool(['tools/test.py', self.config_path, checkpoint, '--work-dir',
                  self.dir / 'test'], self.dir / 'test.log')
        return self.result()

    def result(self):
        metrics = json.loads(self.result_path.read_text())['metrics']
        return dict(self.info, metrics=metrics, work_dir=str(self.dir))


def run_all(runs, jobs, progress_every, log=print):
    """Trains and tests the runs not done yet, ``jobs`` at a time, with a progress line every
    ``progress_every`` seconds; returns every run's result."""
    for run in runs:
        run.claim()
    todo = [run for run in runs if not run.done]
    log(f'[benchmark] {len(runs) - len(todo)} of {len(runs)} runs already done; '
        f'{len(todo)} to go, {jobs} at a time')
    active, finished, started_at, last_print = [], 0, time.perf_counter(), 0.0
    while todo or active:
        while todo and len(active) < jobs:
            run = todo.pop(0)
            run.start()
            active.append(run)
            log(f'[benchmark] started {run.name} ({run.dir})')
        time.sleep(1)
        for run in [r for r in active if r.process.poll() is not None]:
            active.remove(run)
            metrics = run.finish()['metrics']
            finished += 1
            log(f'[benchmark] finished {run.name}: present-class mIoU '
                f'{metrics.get("mIoU_present"):.1f} in {run.train_seconds / 60:.1f} min')
        now = time.perf_counter()
        if active and now - last_print >= progress_every:
            last_print = now
            parts = []
            for run in active:
                step = run.progress()
                parts.append(f'{run.name}: ' + (f'{step[0]}/{step[1]} (eta {step[2]})' if step
                                                else 'starting'))
            remaining = ''
            if finished:
                per_run = (now - started_at) / finished
                remaining = (f'; all done in about '
                             f'{per_run * (len(todo) + len(active)) / 60:.0f} min')
            log(f'[benchmark] {finished}/{finished + len(todo) + len(active)} done; '
                + ' | '.join(parts) + remaining)
    return [run.result() for run in runs]
