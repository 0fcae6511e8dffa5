"""The few-label benchmark (unrolled_lrp.benchmarks): configs of runs, tables, a two-iteration
grid end to end with its image-label curve, its resume and its refusals."""
import json

import pytest

from unrolled_lrp.benchmarks.few_label import FewLabelBenchmark
from unrolled_lrp.benchmarks.result_tables import markdown_tables, summarise
from unrolled_lrp.utils.config_variables import retarget


def test_retarget_re_roots_paths_and_nothing_else():
    replacements = {'data/few_label_voc': '/w/data'}
    cfg = dict(a='data/few_label_voc/splits/6/labeled.txt', b=['data/few_label_voc'],
               c='data/few_label_voc_other', d=3)
    assert retarget(cfg, replacements) == dict(
        a='/w/data/splits/6/labeled.txt', b=['/w/data'], c='data/few_label_voc_other', d=3)


def result(method, masks, seed, present, f1=None, unseen=None):
    return dict(row=method, method=method, masks=masks, image_labels='all', seed=seed,
                mIoU_present=present, mIoU=10.0, mIoU_unseen_looks=unseen, f1=f1)


def test_the_tables_give_mean_and_std_over_seeds():
    results = [result('unrolled_lrp', 6, 0, 40.0, f1=80.0, unseen=10.0),
               result('unrolled_lrp', 6, 1, 50.0, f1=90.0, unseen=20.0),
               result('unet', 6, 0, 20.0), result('unet', 192, 0, 90.0)]
    table = summarise(results, ['unrolled_lrp', 'unet'], [6, 192], 'masks')
    assert table['unrolled_lrp', 6]['mIoU_present'] == (45.0, pytest.approx(7.0711, 1e-4), 2)
    assert 'f1' not in table['unet', 6]  # a model without class logits has no F1 cell
    text = '\n'.join(markdown_tables(table, ['unrolled_lrp', 'unet'], [6, 192],
                                     ['1 per class (6 masks)', 'all 192 masks'],
                                     extra={'f1': ('stage 1', {'unrolled_lrp': '98.0'})}))
    assert '| method | 1 per class (6 masks) | all 192 masks |' in text
    assert '| unrolled_lrp | 45.0 ± 7.1 (2) |  |' in text
    assert '| unet | 20.0 (1) | 90.0 (1) |' in text
    f1_table = text.split('multi-label F1')[1]
    assert 'unet' not in f1_table and '| unrolled_lrp | 98.0 | 85.0 ± 7.1 (2) |  |' in f1_table
    assert '15.0 ± 7.1 (2)' in text.split('looks no mask')[1]


def grid(work_dir, max_iters=2, **options):
    return FewLabelBenchmark(
        work_dir, num_images=60, methods=('unet', ), labels_per_class=(1, ),
        seeds=(0, ), max_iters=max_iters, all_masks_iters=3, classifier_iters=2,
        image_labels=(5, ), curve_methods=('unrolled_lrp', ), progress_every=0,
        log=lambda line: None, **options)


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    """One two-iteration grid, run to its end: its work dir and its results.json."""
    work_dir = tmp_path_factory.mktemp('few_label')
    grid(work_dir)()
    return work_dir, json.loads((work_dir / 'results.json').read_text())


@pytest.mark.slow
def test_a_two_iteration_grid_writes_its_tables(finished):
    tmp_path, first = finished
    runs = {(r['row'], r['masks'], r['image_labels']): r for r in first['runs']}
    num_train = len((tmp_path / 'data/ImageSets/Segmentation/train.txt').read_text().split())
    # every method on the 1-per-class split and on every mask, and the image-label curve
    assert set(runs) == {('unet', 6, 'all'), ('unet', num_train, 'all'), ('unrolled_lrp', 6, 5)}
    assert runs['unet', num_train, 'all']['iters'] == 3 and runs['unet', 6, 'all']['iters'] == 2
    assert all(0 <= r['mIoU_present'] <= 100 for r in runs.values())
    assert runs['unrolled_lrp', 6, 5]['f1'] is not None and runs['unet', 6, 'all']['f1'] is None
    # the test splits IoU into the looks the split's masks show and those they do not
    assert runs['unet', 6, 'all']['mIoU_unseen_looks'] is not None
    assert runs['unet', 6, 'all']['mIoU_seen_looks'] is not None
    assert set(first['classifiers']) == {'all', '5'} and first['settings']['scenes'] == 'looks'
    for name in ('results.csv', 'results.md', 'label_efficiency.png', 'image_label_curve.png',
                 'split_6_masks.png'):
        assert (tmp_path / name).stat().st_size > 0
    assert '| unet | 1 per class' not in (tmp_path / 'results.md').read_text()
    # each run trained on its own split, from its classifier, and is tested once
    config = (tmp_path / 'runs/unet/6_masks/seed_0/config.py').read_text()
    assert str(tmp_path / 'data/splits/6/labeled.txt') in config
    assert 'image_level_split=None' in config and 'LookSplitIoUMetric' in config
    curve = (tmp_path / 'runs/unrolled_lrp/6_masks_5_image_labels/seed_0/config.py').read_text()
    assert str(tmp_path / 'classifier_5_image_labels/classifier.pth') in curve
    assert len((tmp_path / 'data/splits/6_masks_5_image_labels/image_level.txt')
               .read_text().split()) == 5
    assert 'val_cfg = None' in curve


@pytest.mark.slow
def test_a_second_call_reuses_every_run_and_other_settings_are_refused(finished):
    tmp_path, first = finished
    grid(tmp_path)()  # finds every run done and writes the same numbers
    assert json.loads((tmp_path / 'results.json').read_text()) == first
    with pytest.raises(ValueError, match=r'runs/unet/6_masks/seed_0 holds a run made '
                       'with another config'):
        grid(tmp_path, max_iters=4)()
    with pytest.raises(ValueError, match='holds scenes made otherwise'):
        grid(tmp_path, looks_per_class=2)()


def test_out_of_range_settings_are_refused_before_any_data_is_written(tmp_path):
    with pytest.raises(ValueError, match='--labels-per-class 500: the scenes have 480'):
        FewLabelBenchmark(tmp_path / 'w', labels_per_class=(1, 500))
    with pytest.raises(ValueError, match='must be positive'):
        FewLabelBenchmark(tmp_path / 'w', max_iters=0)
    assert not (tmp_path / 'w').exists()


def test_a_variant_row_gets_its_own_line_in_the_plots(tmp_path):
    from unrolled_lrp.visualization.benchmark_plots import legend_labels, plot_label_efficiency
    results = [result('unet', 6, 0, 20.0), result('unrolled_lrp_a2b1_zbox', 6, 0, 30.0),
               result('unrolled_lrp_a2b1_zbox', 192, 0, 50.0)]
    labels = legend_labels(results)
    assert list(labels)[-1] == 'unrolled_lrp_a2b1_zbox' and labels['unet'] == 'UNet'
    plot_label_efficiency(results, tmp_path / 'plot.png', 192, 6)
    assert (tmp_path / 'plot.png').stat().st_size > 0


def test_no_run_on_every_image_label_draws_no_label_efficiency_plot(tmp_path):
    """The grid without methods, only the image-label curve: results.json and the curve, and
    no empty label-efficiency figure (matplotlib refused a figure of 0 panels)."""
    from unrolled_lrp.visualization.benchmark_plots import plot_label_efficiency
    curve_only = [dict(result('unrolled_lrp', 6, 0, 30.0), image_labels=300)]
    plot_label_efficiency(curve_only, tmp_path / 'plot.png', 192, 6)
    assert not (tmp_path / 'plot.png').exists()
