"""The few-label benchmark: the paper's Tables 1-3 at CPU scale, on scenes made for it.

Steps, each reused when its output exists and was made by the same settings (anything made
otherwise is refused, naming it):

1. data: scenes in the VOC layout (``unrolled_lrp.datasets.synthetic``; 'looks' by default:
   classes with several looks each) and the splits with k pixel-labelled images per class,
   plus every mask (the ceilings) and, for the image-label curve, the 1-per-class split with
   only N image-labelled scenes;
2. stage 1: the classifier (``configs/few_label/classifier_r18_few_label.py``) on the
   image-level labels of the training images, converted for stage 2; one more classifier per
   image-label count of the curve, trained on those images alone. Every method starts from it;
3. stage 2: each method x split x seed (``configs/few_label/{method}_r18_few_label.py``),
   trained with ``tools/train.py`` and tested with ``tools/test.py``, ``jobs`` at a time;
4. ``results.json`` (the benchmark's settings, the classifiers' F1, one entry per run),
   ``results.csv``, ``results.md`` (mean ± std over seeds) and the plots.
"""
import csv
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..datasets.synthetic import MARKER_FILE, STYLES_WITH_LOOKS, generate, marker_line
from ..datasets.voc_splits import image_level_subset, make_splits
from ..utils.classifier_conversion import convert_file
from .result_tables import markdown_tables, summarise
from .run_config import claim_work_dir, run_config
from .training_runs import REPO, TrainingRun, run_all, run_tool

# the default grid, the README's: the paper's rows but LRP-epsilon, and a rule composite, at 1
# and 5 masks per class and all (54 runs, about 100 minutes on two cores); the paper's full
# table adds lrp_eps and 2 per class (about 2 hours)
METHODS = ('unrolled_lrp', 'unrolled_lrp_a2b1', 'ws_ae', 'mt_unet', 'unet', 'fcn')
LABELS_PER_CLASS = (1, 5)
# the methods that use image labels, and the UNet they are compared with
CURVE_METHODS = ('unrolled_lrp', 'unrolled_lrp_a2b1', 'mt_unet', 'unet')
NUM_CLASSES = 6  # object classes of the benchmark's scenes
CONFIG_DIR = REPO / 'configs' / 'few_label'
CONFIG_SUFFIX = '_r18_few_label.py'
STAGE_1 = 'classifier'


def available_methods():
    """Every stage-2 config of ``configs/few_label`` (``<method>_r18_few_label.py``): a new
    variant becomes a row of the benchmark by adding its config there."""
    names = (path.name[:-len(CONFIG_SUFFIX)] for path in CONFIG_DIR.glob('*' + CONFIG_SUFFIX))
    return tuple(sorted(name for name in names if name != STAGE_1))

# the paths the configs name, re-rooted into each benchmark's work dir
CONFIG_DATA_ROOT = 'data/few_label_voc'
CONFIG_CLASSIFIER = 'work_dirs/few_label_benchmark/classifier/classifier.pth'
# scene style -> (make_synthetic_voc.py settings, what they are)
SCENES = {
    'looks': (dict(style='looks', num_images=4000, val_fraction=0.12,
                   image_level_fraction=0.76),
              '6 classes with several looks each: 480 val, 480 pixel-labelled train and '
              '3,040 image-level-only scenes'),
    'shapes': (dict(style='shapes', num_images=4000, val_fraction=0.12,
                    image_level_fraction=0.76),
               '6 classes with several looks each, a look a silhouette of its own, colours and '
               'surfaces random: 480 val, 480 pixel-labelled train and 3,040 image-level-only '
               'scenes'),
    'textures': (dict(style='textures', num_images=480, val_fraction=0.2,
                      image_level_fraction=0.4),
                 '6 classes told apart by shape and a high-contrast texture: 96 val, 192 '
                 'pixel-labelled train and 192 image-level-only scenes'),
}
RESULT_KEYS = ('mIoU_present', 'mIoU', 'mIoU_seen_looks', 'mIoU_unseen_looks', 'aAcc')


@dataclass
class FewLabelBenchmark:
    """A grid of methods x pixel-labelled images (x image-labelled images) x seeds."""
    work_dir: Path
    scenes: str = 'looks'
    looks_per_class: int = 3
    num_images: Optional[int] = None  # the scene's default
    methods: Sequence[str] = METHODS
    labels_per_class: Sequence[int] = LABELS_PER_CLASS
    all_masks: bool = True  # every method also on every mask: its ceiling
    seeds: Sequence[int] = (0, 1, 2)
    max_iters: int = 1000
    all_masks_iters: int = 3000
    image_labels: Sequence[int] = ()  # the image-label curve at 1 mask per class
    curve_methods: Sequence[str] = CURVE_METHODS
    classifier_iters: Optional[int] = None  # the classifier config's
    pretrained: Optional[str] = None  # backbone checkpoint stage 1 starts from (None: random)
    jobs: int = 2
    data_seed: int = 0
    progress_every: float = 30
    log: Callable = field(default=print, repr=False)

    def __post_init__(self):
        self.work_dir = Path(self.work_dir).resolve()
        self.data_root = self.work_dir / 'data'
        unknown = set(self.methods) | set(self.curve_methods)
        unknown -= set(available_methods())
        if self.scenes not in SCENES or unknown:
            raise ValueError(f'unknown scenes {self.scenes!r} or methods {sorted(unknown)}')
        if self.pretrained and not Path(self.pretrained).is_file():
            raise ValueError(f'--pretrained {self.pretrained}: no such checkpoint')
        if min(self.labels_per_class, default=1) < 1 or min(
                self.max_iters, self.all_masks_iters, self.jobs) < 1 or min(
                    self.image_labels, default=1) < 1:
            raise ValueError('labels per class, image labels, iterations and jobs must be '
                             'positive')
        settings = self.scene_settings()  # checked before any data is written
        num_images = settings['num_images']
        num_train = num_images - round(num_images * settings['val_fraction']) - round(
            num_images * settings['image_level_fraction'])
        for option in ('methods', 'labels_per_class', 'seeds', 'image_labels', 'curve_methods'):
            values = list(getattr(self, option))
            repeated = sorted({value for value in values if values.count(value) > 1}, key=str)
            if repeated:  # the same run twice in one folder, reported as two
                raise ValueError(f'--{option.replace("_", "-")} repeats {repeated}: each run '
                                 'is trained once')
        if not (self.labels_per_class or self.all_masks):
            raise ValueError('nothing to run: no --labels-per-class and --no-all-masks')
        if self.image_labels and not self.labels_per_class:
            raise ValueError('the image-label curve (--image-labels) runs at the smallest '
                             '--labels-per-class: give one')
        if max(self.labels_per_class, default=0) * NUM_CLASSES > num_train:
            raise ValueError(f'--labels-per-class {max(self.labels_per_class)}: the scenes '
                             f'have {num_train} pixel-labelled train images')

    # --- data -------------------------------------------------------------------------
    def scene_settings(self):
        settings, _ = SCENES[self.scenes]
        settings = dict(settings)
        if self.num_images:
            settings['num_images'] = self.num_images
        if settings['style'] in STYLES_WITH_LOOKS:
            settings['looks_per_class'] = self.looks_per_class
        return dict(settings, seed=self.data_seed)

    def prepare_data(self):
        """The scenes (made once, refused if made otherwise) and the splits; returns the
        number of pixel-labelled train images."""
        settings = self.scene_settings()
        marker = self.data_root / MARKER_FILE
        expected = marker_line(**settings)
        if not marker.is_file():
            self.log(f'[benchmark] writing the scenes to {self.data_root}')
            generate(self.data_root, **settings,
                     progress=lambda line: self.log(f'[benchmark] scenes: {line}'))
        elif marker.read_text().splitlines()[0] != expected:
            raise ValueError(f'{self.data_root} holds scenes made otherwise ("'
                             f'{marker.read_text().splitlines()[0]}"; this benchmark asks for '
                             f'"{expected}"); use another --work-dir')
        train_list = self.data_root / 'ImageSets/Segmentation/train.txt'
        num_train = len(train_list.read_text().split())
        sizes = sorted({k * NUM_CLASSES for k in self.labels_per_class} | {num_train})
        # in this process (what tools/dataset_converters/make_voc_splits.py runs): splits
        # already there are checked against the draw, not trusted
        make_splits(self.data_root, sizes, self.data_seed, self.data_root / 'splits')
        return num_train

    def curve_split(self, count):
        """The 1-per-class split with ``count`` image-labelled scenes; writes it and the
        classifier's training list, returns the split folder."""
        folder = self.data_root / 'splits' / f'{self.curve_masks}_masks_{count}_image_labels'
        ids = image_level_subset(self.data_root / 'splits' / str(self.curve_masks), count,
                                 self.data_seed, folder)
        (folder / 'classifier_train.txt').write_text(''.join(f'{i}\n' for i in ids))
        return folder

    @property
    def curve_masks(self):
        """The masks of the smallest split (the image-label curve's), None without splits
        (a benchmark of the ceilings alone)."""
        return min(self.labels_per_class) * NUM_CLASSES if self.labels_per_class else None

    # --- stage 1 ----------------------------------------------------------------------
    def replacements(self, classifier='all'):
        return {CONFIG_DATA_ROOT: str(self.data_root),
                CONFIG_CLASSIFIER: str(self.classifier_dir(classifier) / 'classifier.pth')}

    def classifier_dir(self, image_labels):
        return self.work_dir / ('classifier' if image_labels == 'all'
                                else f'classifier_{image_labels}_image_labels')

    def train_classifier(self, image_labels='all', train_list=None):
        """Stage 1 on every training image's labels, or on the list ``train_list``; returns
        its val metrics."""
        out = self.classifier_dir(image_labels)
        cfg = run_config(CONFIG_DIR / (STAGE_1 + CONFIG_SUFFIX),
                         self.replacements(image_labels), self.data_seed,
                         self.classifier_iters)
        if train_list is not None:
            cfg.train_dataloader.dataset.image_set_path = str(
                Path(train_list).relative_to(self.data_root))
        if self.pretrained:
            cfg.model.backbone.init_cfg = dict(type='Pretrained', prefix='backbone.',
                                               checkpoint=str(Path(self.pretrained).resolve()))
        config = claim_work_dir(out, cfg, 'classifier')
        checkpoint = out / 'classifier.pth'
        if not checkpoint.is_file():
            self.log(f'[benchmark] stage 1: the classifier on {image_labels} image labels')
            run_tool(['tools/train.py', config, '--work-dir', out], out / 'train.log')
            last = (out / 'last_checkpoint').read_text().strip()
            (out / 'convert.log').write_text(convert_file(last, checkpoint) + '\n')
        metrics = last_metrics(out)
        return dict(f1=metrics.get('multi-label/f1-score_micro'),
                    precision=metrics.get('multi-label/precision_micro'),
                    recall=metrics.get('multi-label/recall_micro'),
                    iters=cfg.train_cfg.max_iters)

    # --- stage 2 ----------------------------------------------------------------------
    def run(self, method, masks, seed, num_train, image_labels='all', split_dir=None):
        iters = self.all_masks_iters if masks == num_train else self.max_iters
        split_dir = split_dir or self.data_root / 'splits' / str(masks)
        cfg = run_config(CONFIG_DIR / (method + CONFIG_SUFFIX),
                         self.replacements(image_labels), seed, iters, str(split_dir),
                         validate=False, look_split=True)
        folder = f'{masks}_masks' + ('' if image_labels == 'all' else
                                     f'_{image_labels}_image_labels')
        name = f'{method} {folder.replace("_", " ")} seed {seed}'
        return TrainingRun(name, self.work_dir / 'runs' / method / folder / f'seed_{seed}', cfg,
                           row=method, method=method, masks=masks, image_labels=image_labels,
                           seed=seed, iters=iters)

    def grid(self, num_train, curve_splits):
        masks = [k * NUM_CLASSES for k in self.labels_per_class]
        if self.all_masks:
            masks.append(num_train)
        runs = [self.run(method, m, seed, num_train)
                for m in masks for seed in self.seeds for method in self.methods]
        runs += [self.run(method, self.curve_masks, seed, num_train, count, split_dir)
                 for count, split_dir in curve_splits.items() for seed in self.seeds
                 for method in self.curve_methods]
        return runs

    def __call__(self):
        start = time.perf_counter()
        num_train = self.prepare_data()
        classifiers = {'all': self.train_classifier()}
        curve_splits = {count: self.curve_split(count) for count in self.image_labels}
        for count, folder in curve_splits.items():
            classifiers[count] = self.train_classifier(count, folder / 'classifier_train.txt')
        for name, metrics in classifiers.items():
            self.log(f'[benchmark] stage-1 classifier ({name} image labels): F1 {metrics["f1"]}')
        runs = self.grid(num_train, curve_splits)
        results = [flatten(result) for result in run_all(runs, self.jobs, self.progress_every,
                                                         self.log)]
        image_level_all = len((self.data_root / 'splits' / str(self.curve_masks or num_train)
                               / 'image_level.txt').read_text().split())
        self.write_outputs(results, classifiers, num_train, image_level_all)
        self.log(f'[benchmark] {len(runs)} runs, {(time.perf_counter() - start) / 60:.1f} min')
        return results

    # --- outputs ----------------------------------------------------------------------
    def settings(self):
        settings = {k: v for k, v in asdict(self).items() if k not in ('log', 'work_dir')}
        return dict(settings, scenes_made_with=self.scene_settings())

    def write_outputs(self, results, classifiers, num_train, image_level_all):
        (self.work_dir / 'results.json').write_text(json.dumps(dict(
            settings=self.settings(), classifiers={str(k): v for k, v in classifiers.items()},
            runs=results), indent=1) + '\n')
        with open(self.work_dir / 'results.csv', 'w', newline='') as file:
            writer = csv.DictWriter(file, fieldnames=list(results[0]))
            writer.writeheader()
            writer.writerows(results)
        text = '\n'.join(self.markdown(results, classifiers, num_train, image_level_all))
        (self.work_dir / 'results.md').write_text(text)
        from ..visualization.benchmark_plots import (plot_image_label_curve,
                                                     plot_label_efficiency, plot_split)
        plot_label_efficiency(results, self.work_dir / 'label_efficiency.png', num_train,
                              NUM_CLASSES)
        if self.curve_masks:
            plot_split(self.data_root, self.data_root / 'splits' / str(self.curve_masks),
                       self.work_dir / f'split_{self.curve_masks}_masks.png')
        if self.image_labels:
            plot_image_label_curve(results, self.work_dir / 'image_label_curve.png',
                                   self.curve_masks, image_level_all)
        self.log(text)
        self.log(f'[benchmark] wrote {self.work_dir}/results.json, results.csv, results.md '
                 'and the plots' + (f' and split_{self.curve_masks}_masks.png'
                                    if self.curve_masks else ''))

    def markdown(self, results, classifiers, num_train, image_level_all):
        _, description = SCENES[self.scenes]
        f1 = classifiers['all']['f1']
        lines = [f'# Few-label benchmark: {self.scenes} scenes ({description})', '',
                 f'Stage-1 classifier: multi-label F1 {f1:.1f} on val (micro average).'
                 if f1 is not None else 'Stage-1 classifier: F1 not found in its log.', '',
                 'Cells: mean ± std over seeds (number of seeds). Iterations: '
                 f'{self.max_iters} with 1-5 masks per class, {self.all_masks_iters} with every '
                 'mask.', '']
        full = [r for r in results if r['image_labels'] == 'all']
        columns = sorted({r['masks'] for r in full})
        headers = [f'all {m} masks' if m == num_train else
                   f'{m // NUM_CLASSES} per class ({m} masks)' for m in columns]
        extra = {'f1': ('stage 1', {m: f'{f1:.1f}' for m in self.methods})} if f1 else None
        lines += ['## Label efficiency', '']
        lines += markdown_tables(summarise(full, self.methods, columns, 'masks'), self.methods,
                                 columns, headers, extra=extra)
        curve = [r for r in results if r['masks'] == self.curve_masks]
        if self.image_labels:
            counts = sorted(self.image_labels) + ['all']
            headers = [f'{c} image labels' if c != 'all' else f'all {image_level_all}'
                       for c in counts]
            lines += [f'## Image-label curve at {self.curve_masks} masks', '',
                      'Stage-1 F1 of the classifier on each number of image labels: ' + ', '.join(
                          f'{k}: {v["f1"]:.1f}' for k, v in classifiers.items()
                          if v['f1'] is not None), '']
            lines += markdown_tables(summarise(curve, self.curve_methods, counts,
                                               'image_labels'),
                                     self.curve_methods, counts, headers)
        return lines


def last_metrics(work_dir):
    """The last validation metrics an mmengine run logged (``vis_data/scalars.json``)."""
    metrics = {}
    for path in sorted(Path(work_dir).glob('*/vis_data/scalars.json')):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if any('/' in key for key in entry):
                metrics = entry
    return metrics


def flatten(result):
    """A run's result as one flat row: its settings, the metrics of the tables, its folder."""
    metrics = result.pop('metrics')
    row = {k: v for k, v in result.items() if k != 'work_dir'}
    row.update({key: metrics.get(key) for key in RESULT_KEYS})
    row['f1'] = metrics.get('multi-label/f1-score')
    row['work_dir'] = result['work_dir']
    return row
