"""The few-label benchmark: the paper's Tables 1 and 3 at CPU scale, on scenes made for it.

    python tools/few_label_benchmark.py            # the full grid, about an hour on 2 cores
    python tools/few_label_benchmark.py --quick    # one split, one seed, short runs

Steps, each skipped when its output exists (an interrupted benchmark resumes where it stopped):

1. data: ``tools/make_synthetic_voc.py --style few-label`` (classes told apart by shape and
   texture, random colours, cluttered backgrounds) and ``tools/make_voc_splits.py`` with k
   pixel-labelled images per class for each ``--labels-per-class`` k, plus the whole train list
   (the all-masks UNet reference);
2. stage 1: the classifier ``configs/few_label/classifier_r18_few_label.py`` on the image-level
   labels of every train image, converted by ``tools/convert_classifier.py``; every method
   starts from it (paper, Sec. 3);
3. stage 2: each method x split x seed (``configs/few_label/{method}_r18_few_label.py``),
   trained with ``tools/train.py`` and tested with ``tools/test.py``, ``--jobs`` at a time;
4. ``results.json``, ``results.csv``, ``results.md`` (mean ± std over seeds: mIoU over the
   classes present in the val ground truth, MMSeg's 21-class mIoU, multi-label F1) and
   ``label_efficiency.png``.

Each run's config (the method's config pointed at this benchmark's data, split, classifier,
seed and schedule) is written to its work dir, so that any run can be repeated by hand with
``tools/train.py <run>/config.py``.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
METHODS = ('unrolled_lrp', 'unrolled_lrp_a2b1', 'lrp_eps', 'ws_ae', 'mt_unet', 'unet', 'fcn')
REFERENCE_METHOD = 'unet'  # also trained on every mask: the ceiling the splits are compared to
NUM_CLASSES = 6  # object classes of the few-label scenes
DEFAULT_DATA_ROOT = 'data/few_label_voc'  # the configs' data and classifier, retargeted per run
DEFAULT_CLASSIFIER = 'work_dirs/few_label_benchmark/classifier/classifier.pth'
DATA_ARGS = ['--style', 'few-label', '--num-images', '480', '--val-fraction', '0.2',
             '--image-level-fraction', '0.4']
PROGRESS = re.compile(r'Iter\(train\) \[\s*(\d+)/(\d+)\].*?eta: (\S+)')
METRICS = (('mIoU_present', 'present-class mIoU'), ('mIoU', 'mIoU (21 classes)'),
           ('f1', 'multi-label F1'))


def run_tool(args, log_path):
    """Runs a tool to completion with its output in ``log_path``; fails naming the log."""
    with open(log_path, 'w') as log:
        code = subprocess.call([PYTHON, *map(str, args)], stdout=log, stderr=subprocess.STDOUT,
                               cwd=REPO, env=child_env())
    if code:
        raise SystemExit(f'error: {" ".join(map(str, args[:2]))} failed (exit {code}); '
                         f'see {log_path}')


def child_env():
    # one thread per run: as fast for these small models, and --jobs runs share the cores
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
                PYTHONWARNINGS='ignore')


def make_data(data_root, labels_per_class, seed, log_dir):
    """The scenes and their splits; returns the number of pixel-labelled train images."""
    if not (data_root / 'SYNTHETIC_VOC.txt').is_file():
        print(f'[benchmark] writing the few-label scenes to {data_root}', flush=True)
        run_tool(['tools/make_synthetic_voc.py', data_root, *DATA_ARGS, '--seed', seed],
                 log_dir / 'make_synthetic_voc.log')
    num_train = len((data_root / 'ImageSets/Segmentation/train.txt').read_text().split())
    sizes = sorted({k * NUM_CLASSES for k in labels_per_class} | {num_train})
    if not all((data_root / 'splits' / str(n) / 'labeled.txt').is_file() for n in sizes):
        run_tool(['tools/make_voc_splits.py', data_root, '--num-labeled', *sizes, '--seed', seed,
                  '--out-dir', data_root / 'splits'], log_dir / 'make_voc_splits.log')
    return num_train


def retarget(value, replacements):
    """``value`` with every string that starts with a key of ``replacements`` re-rooted."""
    if isinstance(value, dict):
        return type(value)({k: retarget(v, replacements) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(retarget(v, replacements) for v in value)
    if isinstance(value, str):
        for old, new in replacements.items():
            if value == old or value.startswith(old + '/'):
                return new + value[len(old):]
    return value


def set_schedule(cfg, max_iters):
    """``max_iters`` iterations: the schedulers' end, validation and checkpoint at the end."""
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    for scheduler in cfg.param_scheduler:
        scheduler['end'] = max_iters
    cfg.default_hooks.checkpoint.interval = max_iters


def write_config(source, out_path, replacements, seed, max_iters=None, split_dir=None,
                 validate=True):
    """The config of one run: ``source`` retargeted, with its seed, schedule and split;
    ``validate=False`` drops the validation loop (a run's numbers come from ``tools/test.py``
    on the same val images, which the training would otherwise compute twice)."""
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')  # mmengine's
    from mmengine import Config
    cfg = Config.fromfile(str(REPO / source))
    cfg = Config(retarget(cfg.to_dict(), replacements))
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
    out_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.dump(str(out_path))
    return out_path


def last_metrics(vis_dir):
    """The last validation metrics an mmengine run logged (``vis_data/scalars.json``)."""
    metrics = {}
    for path in sorted(vis_dir.glob('*/vis_data/scalars.json')):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if any('/' in key for key in entry):
                metrics = entry
    return metrics


def train_classifier(work_dir, replacements, seed, max_iters):
    """Stage 1, once for all runs: returns its val metrics."""
    out = work_dir / 'classifier'
    checkpoint = out / 'classifier.pth'
    if not checkpoint.is_file():
        print('[benchmark] stage 1: the classifier on the image-level labels', flush=True)
        config = write_config('configs/few_label/classifier_r18_few_label.py',
                              out / 'config.py', replacements, seed, max_iters)
        run_tool(['tools/train.py', config, '--work-dir', out], out / 'train.log')
        last = (out / 'last_checkpoint').read_text().strip()
        run_tool(['tools/convert_classifier.py', last, checkpoint], out / 'convert.log')
    metrics = last_metrics(out)
    f1 = metrics.get('multi-label/f1-score_micro', metrics.get('multi-label/f1-score'))
    return dict(f1=f1, precision=metrics.get('multi-label/precision_micro'),
                recall=metrics.get('multi-label/recall_micro'))


class Run:
    """One method x split x seed x schedule: its work dir, config, child process, result.

    Runs at the grid's ``--max-iters`` form the rows named by their method; the reference
    runs at ``--reference-iters`` the rows '<method> (<iters> it)', in their own work dirs."""

    def __init__(self, work_dir, method, masks, seed, max_iters, grid_iters):
        self.method, self.masks, self.seed, self.max_iters = method, masks, seed, max_iters
        self.row = method if max_iters == grid_iters else f'{method} ({max_iters} it)'
        self.name = f'{self.row} {masks} masks seed {seed}'
        folder = method if max_iters == grid_iters else f'{method}_{max_iters}it'
        self.dir = work_dir / 'runs' / folder / f'{masks}_masks' / f'seed_{seed}'
        self.result_path = self.dir / 'test' / 'test_results.json'
        self.process = self.log = None
        self.started = self.train_seconds = None

    @property
    def done(self):
        return self.result_path.is_file()

    def start(self, replacements, data_root):
        config = write_config(f'configs/few_label/{self.method}_r18_few_label.py',
                              self.dir / 'config.py', replacements, self.seed, self.max_iters,
                              str(data_root / 'splits' / str(self.masks)), validate=False)
        resume = ['--resume'] if (self.dir / 'last_checkpoint').is_file() else []
        self.log = open(self.dir / 'train.log', 'a')
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [PYTHON, 'tools/train.py', config, '--work-dir', self.dir, *resume],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO, env=child_env())

    def progress(self):
        """(iteration, max iterations, eta) of the latest training log line, if any."""
        matches = PROGRESS.findall((self.dir / 'train.log').read_text(errors='replace'))
        return matches[-1] if matches else None

    def finish(self):
        """After training: the test on the val images; the result dict."""
        self.log.close()
        if self.process.returncode:
            raise SystemExit(f'error: training {self.name} failed (exit '
                             f'{self.process.returncode}); see {self.dir / "train.log"}')
        self.train_seconds = time.perf_counter() - self.started
        checkpoint = (self.dir / 'last_checkpoint').read_text().strip()
        (self.dir / 'test').mkdir(exist_ok=True)
        run_tool(['tools/test.py', self.dir / 'config.py', checkpoint, '--work-dir',
                  self.dir / 'test'], self.dir / 'test.log')
        return self.result()

    def result(self):
        metrics = json.loads(self.result_path.read_text())['metrics']
        return dict(row=self.row, method=self.method, iters=self.max_iters, masks=self.masks,
                    seed=self.seed,
                    mIoU_present=metrics.get('mIoU_present'), mIoU=metrics.get('mIoU'),
                    aAcc=metrics.get('aAcc'), f1=metrics.get('multi-label/f1-score'),
                    work_dir=str(self.dir))


def run_grid(runs, replacements, data_root, jobs, progress_every):
    """Trains and tests the runs not done yet, ``jobs`` at a time, printing progress."""
    todo = [run for run in runs if not run.done]
    print(f'[benchmark] {len(runs) - len(todo)} of {len(runs)} runs already done; '
          f'{len(todo)} to go, {jobs} at a time', flush=True)
    active, finished, started_at, last_print = [], 0, time.perf_counter(), 0.0
    while todo or active:
        while todo and len(active) < jobs:
            run = todo.pop(0)
            run.start(replacements, data_root)
            active.append(run)
            print(f'[benchmark] started {run.name} ({run.dir})', flush=True)
        time.sleep(1)
        for run in [r for r in active if r.process.poll() is not None]:
            active.remove(run)
            result = run.finish()
            finished += 1
            print(f'[benchmark] finished {run.name}: present-class mIoU '
                  f'{result["mIoU_present"]:.1f}, mIoU {result["mIoU"]:.1f} in '
                  f'{run.train_seconds / 60:.1f} min', flush=True)
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
                remaining = (f'; grid eta about '
                             f'{per_run * (len(todo) + len(active)) / 60:.0f} min')
            print(f'[benchmark] {finished}/{finished + len(todo) + len(active)} done; '
                  + ' | '.join(parts) + remaining, flush=True)


def summarise(results, methods, masks_order):
    """{(row, masks): {metric: (mean, std, n)}} over seeds; ``methods`` are the rows."""
    table = {}
    for method in methods:
        for masks in masks_order:
            rows = [r for r in results if r['row'] == method and r['masks'] == masks]
            if not rows:
                continue
            cells = {}
            for key, _ in METRICS:
                values = [r[key] for r in rows if r[key] is not None]
                if values:
                    std = statistics.stdev(values) if len(values) > 1 else 0.0
                    cells[key] = (statistics.mean(values), std, len(values))
            table[method, masks] = cells
    return table


def markdown(table, methods, masks_order, num_train, classifier):
    """The tables of results.md: one per metric, methods as rows, splits as columns."""
    columns = [m for m in masks_order if any((method, m) in table for method in methods)]
    header = [f'{m // NUM_CLASSES} per class ({m} masks)' if m != num_train
              else f'all {m} masks' for m in columns]
    f1 = classifier.get('f1')
    lines = ['# Few-label benchmark (synthetic shape-and-texture scenes, val: 96 images)', '',
             f'Stage-1 classifier: multi-label F1 {f1:.1f} (micro) on val.' if f1 is not None
             else 'Stage-1 classifier: F1 not found in its log.', '',
             'Cells: mean ± std over seeds (number of seeds). Present-class mIoU averages '
             "MMSeg's per-class IoU over the classes present in the val ground truth "
             '(background and the six objects); MMSeg\'s mIoU averages over every class '
             'present or predicted, of 21.', '']
    for key, title in METRICS:
        rows = [method for method in methods
                if any(key in table.get((method, m), {}) for m in columns)]
        if not rows:
            continue
        lines += [f'## {title}', '', '| method | ' + ' | '.join(header) + ' |',
                  '|---|' + '---|' * len(columns)]
        for method in rows:
            cells = []
            for m in columns:
                cell = table.get((method, m), {}).get(key)
                if cell is None:
                    cells.append('')
                else:  # one seed has no spread to show
                    mean, std, count = cell
                    cells.append(f'{mean:.1f} ± {std:.1f} ({count})' if count > 1
                                 else f'{mean:.1f} (1)')
            lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
        lines.append('')
    return '\n'.join(lines)


def write_outputs(work_dir, results, methods, masks_order, num_train, classifier):
    (work_dir / 'results.json').write_text(json.dumps(
        dict(classifier=classifier, runs=results), indent=2) + '\n')
    with open(work_dir / 'results.csv', 'w', newline='') as file:
        writer = csv.DictWriter(file, fieldnames=list(results[0]))
        writer.writeheader()
        writer.writerows(results)
    table = summarise(results, methods, masks_order)
    (work_dir / 'results.md').write_text(
        markdown(table, methods, masks_order, num_train, classifier))
    plot(work_dir / 'label_efficiency.png', results, masks_order)
    print((work_dir / 'results.md').read_text())
    print(f'[benchmark] wrote {work_dir}/results.json, results.csv, results.md, '
          'label_efficiency.png')


def plot(path, results, masks_order):
    """The label-efficiency figure, drawn by tools/plot_results.py; the reference rows (other
    schedules) as grey dashed lines."""
    import runpy
    plot_results = runpy.run_path(str(REPO / 'tools' / 'plot_results.py'))
    runs = {}
    for r in results:
        if r['mIoU_present'] is not None:
            runs.setdefault((r['row'], 'r18'), {}).setdefault(r['masks'], []).append(
                r['mIoU_present'])
    figure = plot_results['draw'](runs, 'present-class mIoU', ticks=masks_order,
                                  title='few-label synthetic val', paper=False)
    axis = figure.axes[0]
    references = {row: points for (row, _), points in runs.items() if row not in METHODS}
    for row, points in references.items():
        counts = sorted(points)
        axis.plot(counts, [statistics.mean(points[c]) for c in counts], 's--', color='grey',
                  label=row)
    if references:
        axis.legend(fontsize=7, loc='best')
    figure.savefig(path, dpi=150)
    plot_results['plt'].close(figure)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/few_label_benchmark',
                        help='data, classifier, runs and tables go here')
    parser.add_argument('--quick', action='store_true',
                        help='1 labelled image per class, seed 0, 300 iterations, stage 1 '
                        '1000 iterations: about 10 minutes')
    parser.add_argument('--methods', nargs='+', choices=METHODS, default=list(METHODS))
    parser.add_argument('--labels-per-class', type=int, nargs='+', default=[1, 2, 5],
                        help='pixel-labelled images per class of the splits')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--max-iters', type=int, default=1000,
                        help='stage-2 iterations of every run')
    parser.add_argument('--classifier-iters', type=int, default=None,
                        help="stage-1 iterations (default: the classifier config's)")
    parser.add_argument('--reference-iters', type=int, default=3000,
                        help=f'iterations of the {REFERENCE_METHOD} reference runs (1 mask per '
                        'class and every mask): the ceiling needs more than a few-mask run')
    parser.add_argument('--no-reference', action='store_true',
                        help=f'skip the {REFERENCE_METHOD} reference runs')
    parser.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1),
                        help='runs trained side by side (one thread each)')
    parser.add_argument('--data-seed', type=int, default=0)
    parser.add_argument('--progress-every', type=float, default=30,
                        help='seconds between progress lines')
    args = parser.parse_args(argv)
    if args.quick:
        args.labels_per_class, args.seeds, args.max_iters = [1], [0], 300
        args.reference_iters = 300
        args.classifier_iters = args.classifier_iters or 1000
    if min(args.labels_per_class) < 1 or min(args.max_iters, args.reference_iters,
                                                 args.jobs) < 1:
        parser.error('--labels-per-class, --max-iters, --reference-iters and --jobs must be '
                     'positive')
    return args


def main(argv=None):
    args = parse_args(argv)
    work_dir = Path(args.work_dir).resolve()
    data_root = work_dir / 'data'
    (work_dir / 'logs').mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    num_train = make_data(data_root, args.labels_per_class, args.data_seed,
                                 work_dir / 'logs')
    replacements = {DEFAULT_DATA_ROOT: str(data_root),
                    DEFAULT_CLASSIFIER: str(work_dir / 'classifier' / 'classifier.pth')}
    classifier = train_classifier(work_dir, replacements, args.data_seed, args.classifier_iters)
    print(f'[benchmark] stage-1 classifier: F1 {classifier["f1"]}', flush=True)
    split_sizes = [k * NUM_CLASSES for k in args.labels_per_class]
    runs = [Run(work_dir, method, masks, seed, args.max_iters, args.max_iters)
            for masks in split_sizes for seed in args.seeds for method in args.methods]
    if not args.no_reference:
        # the reference UNet on every mask, at the grid's schedule and at its own (with its
        # 1-mask-per-class point), so that the gap the scenes leave is measured at convergence
        runs += [Run(work_dir, REFERENCE_METHOD, num_train, seed, args.max_iters, args.max_iters)
                 for seed in args.seeds]
        if args.reference_iters != args.max_iters:
            runs += [Run(work_dir, REFERENCE_METHOD, masks, seed, args.reference_iters,
                         args.max_iters)
                     for masks in (min(split_sizes), num_train) for seed in args.seeds]
    run_grid(runs, replacements, data_root, args.jobs, args.progress_every)
    results = [run.result() for run in runs]
    masks_order = sorted({run.masks for run in runs})
    methods = [m for m in METHODS if m in args.methods or m == REFERENCE_METHOD]
    methods += sorted({run.row for run in runs} - set(methods))
    write_outputs(work_dir, results, methods, masks_order, num_train, classifier)
    print(f'[benchmark] {len(runs)} runs, {(time.perf_counter() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
