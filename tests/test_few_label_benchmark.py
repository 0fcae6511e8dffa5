"""tools/few_label_benchmark.py: a two-iteration grid end to end, its resume and its tables."""
import json
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOL = runpy.run_path(str(REPO / 'tools' / 'few_label_benchmark.py'))


def test_retarget_re_roots_paths_and_nothing_else():
    replacements = {'data/few_label_voc': '/w/data'}
    cfg = dict(a='data/few_label_voc/splits/6/labeled.txt', b=['data/few_label_voc'],
               c='data/few_label_voc_other', d=3)
    assert TOOL['retarget'](cfg, replacements) == dict(
        a='/w/data/splits/6/labeled.txt', b=['/w/data'], c='data/few_label_voc_other', d=3)


def result(method, masks, seed, present, miou=10.0, f1=None):
    return dict(row=method, method=method, iters=1000, masks=masks, seed=seed,
                mIoU_present=present, mIoU=miou, aAcc=90.0, f1=f1, work_dir='x')


def test_the_table_gives_mean_and_std_over_seeds():
    results = [result('unrolled_lrp', 6, 0, 40.0, f1=80.0),
               result('unrolled_lrp', 6, 1, 50.0, f1=90.0),
               result('unet', 6, 0, 20.0), result('unet', 192, 0, 90.0)]
    table = TOOL['summarise'](results, ['unrolled_lrp', 'unet'], [6, 192])
    assert table['unrolled_lrp', 6]['mIoU_present'] == (45.0, pytest.approx(7.0711, 1e-4), 2)
    assert 'f1' not in table['unet', 6]  # a model without class logits has no F1 cell
    text = TOOL['markdown'](table, ['unrolled_lrp', 'unet'], [6, 192], 192, dict(f1=98.0))
    assert 'F1 98.0' in text
    assert '| method | 1 per class (6 masks) | all 192 masks |' in text
    assert '| unrolled_lrp | 45.0 ± 7.1 (2) |  |' in text
    assert '| unet | 20.0 (1) | 90.0 (1) |' in text
    f1_table = text.split('## multi-label F1')[1]
    assert 'unet' not in f1_table and '85.0 ± 7.1 (2)' in f1_table


def test_a_two_iteration_grid_writes_its_tables_and_resumes(tmp_path, capsys):
    args = ['--work-dir', str(tmp_path), '--methods', 'unrolled_lrp', 'unet',
            '--labels-per-class', '1', '--seeds', '0', '--max-iters', '2',
            '--classifier-iters', '2', '--reference-iters', '3', '--progress-every', '0']
    TOOL['main'](args)
    first = json.loads((tmp_path / 'results.json').read_text())
    runs = {(r['row'], r['masks']): r for r in first['runs']}
    num_train = len((tmp_path / 'data/ImageSets/Segmentation/train.txt').read_text().split())
    # the grid, the UNet on every mask at the grid's schedule, and the reference schedule
    assert set(runs) == {('unrolled_lrp', 6), ('unet', 6), ('unet', num_train),
                         ('unet (3 it)', 6), ('unet (3 it)', num_train)}
    assert runs['unet (3 it)', 6]['iters'] == 3
    assert '| unet (3 it) |' in (tmp_path / 'results.md').read_text()
    assert all(0 <= r['mIoU_present'] <= 100 for r in runs.values())
    assert runs['unrolled_lrp', 6]['f1'] is not None and runs['unet', 6]['f1'] is None
    assert first['classifier']['f1'] is not None
    for name in ('results.csv', 'results.md', 'label_efficiency.png'):
        assert (tmp_path / name).stat().st_size > 0
    # each run trained on its own split, from the benchmark's classifier
    config = (tmp_path / 'runs/unet/6_masks/seed_0/config.py').read_text()
    assert str(tmp_path / 'data/splits/6/labeled.txt') in config
    assert 'image_level_split=None' in config
    config = (tmp_path / 'runs/unrolled_lrp/6_masks/seed_0/config.py').read_text()
    assert str(tmp_path / 'classifier/classifier.pth') in config
    assert str(tmp_path / 'data/splits/6/image_level.txt') in config
    # the val images are evaluated once, by tools/test.py, not also at the end of training
    assert 'val_cfg = None' in config
    assert 'Iter(val)' not in (tmp_path / 'runs/unrolled_lrp/6_masks/seed_0/train.log').read_text()
    capsys.readouterr()

    # a second call finds every run done, trains nothing and writes the same numbers
    TOOL['main'](args)
    assert '5 of 5 runs already done; 0 to go' in capsys.readouterr().out
    assert json.loads((tmp_path / 'results.json').read_text()) == first
