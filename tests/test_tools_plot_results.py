"""tools/analysis_tools/plot_results.py: reads test_results.json files, parses config names, draws."""
import json

import cv2
import pytest

from helpers import load_tool

plot_results = load_tool('tools/analysis_tools/plot_results.py')


def write_result(folder, config_name, miou, metrics=None):
    folder.mkdir(parents=True)
    (folder / 'test_results.json').write_text(json.dumps(dict(
        config=f'configs/{config_name}', checkpoint=str(folder / 'iter_80000.pth'),
        metrics=metrics if metrics is not None else dict(mIoU=miou, aAcc=90.0))))
    return str(folder)


@pytest.mark.parametrize('name, expected', [
    ('unrolled_lrp_r50_voc_20.py', ('unrolled_lrp', 'r50', 20)),
    ('mt_unet_r50_voc_1464.py', ('mt_unet', 'r50', 1464)),
    ('lrp_eps_vgg16bn_voc_100.py', ('lrp_eps', 'vgg16bn', 100)),
    ('ws_ae_r50_voc_500.py', ('ws_ae', 'r50', 500)),
])
def test_config_names_give_method_backbone_and_labels(name, expected):
    assert plot_results.parse_config_name(f'some/dir/{name}') == expected


@pytest.mark.parametrize('name', ['deeplab_r50_voc_20.py', 'unet_r101_voc_20.py',
                                  'unet_r50_coco_20.py', 'unet_r50_voc_all.py',
                                  'unet_r50_voc_20.yaml'])
def test_other_config_names_are_refused_by_name(name):
    with pytest.raises(ValueError, match=name.replace('.', r'\.')):
        plot_results.parse_config_name(name)


def test_runs_of_one_setting_are_grouped(tmp_path):
    dirs = [write_result(tmp_path / f'seed{i}', 'unet_r50_voc_20.py', 20.0 + i)
            for i in range(3)]
    dirs.append(write_result(tmp_path / 'lrp', 'unrolled_lrp_r50_voc_100.py', 50.0))
    runs = plot_results.collect(dirs, 'mIoU')
    assert runs['unet', 'r50'] == {20: [20.0, 21.0, 22.0]}
    assert runs['unrolled_lrp', 'r50'] == {100: [50.0]}
    # a folder and its JSON are one run (they were counted twice)
    runs = plot_results.collect([dirs[3], f'{dirs[3]}/test_results.json'], 'mIoU')
    assert runs['unrolled_lrp', 'r50'] == {100: [50.0]}


def test_figure_is_a_png_with_one_panel_per_backbone(tmp_path):
    dirs = [write_result(tmp_path / 'a', 'unrolled_lrp_r50_voc_20.py', 40.0),
            write_result(tmp_path / 'b', 'unrolled_lrp_r50_voc_1464.py', 61.0)]
    one = tmp_path / 'one.png'
    plot_results.main(dirs + ['--out', str(one)])
    dirs.append(write_result(tmp_path / 'c', 'unet_vgg16bn_voc_20.py', 20.0))
    two = tmp_path / 'two.png'
    plot_results.main([*dirs[:2], str(tmp_path / 'c' / 'test_results.json'), '--out', str(two)])
    height_one, width_one = cv2.imread(str(one)).shape[:2]
    height_two, width_two = cv2.imread(str(two)).shape[:2]
    assert height_one == height_two and width_two == pytest.approx(2 * width_one, abs=2)


def test_missing_results_and_metrics_are_reported_by_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='test_results.json'):
        plot_results.collect([str(tmp_path)], 'mIoU')
    folder = write_result(tmp_path / 'x', 'fcn_r50_voc_20.py', None, metrics=dict(aAcc=1.0))
    with pytest.raises(KeyError, match='no metric'):
        plot_results.collect([folder], 'mIoU')
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / 'test_results.json').write_text('{"metrics": {}}')
    with pytest.raises(ValueError, match='broken'):
        plot_results.collect([str(broken)], 'mIoU')


def dashed_lines(axis):
    return {line.get_label(): tuple(line.get_ydata()) for line in axis.get_lines()
            if line.get_linestyle() == '--'}


def test_paper_numbers_are_dashed_reference_lines(tmp_path):
    """Table 1 of the paper (ResNet50 rows), read off the drawn figure."""
    runs = plot_results.collect(
        [write_result(tmp_path / 'a', 'unrolled_lrp_r50_voc_20.py', 41.0)], 'mIoU')
    figure = plot_results.draw(runs, 'mIoU')
    (axis, ) = figure.axes
    lines = dashed_lines(axis)
    assert lines['unrolled LRP-0 (paper)'] == (39.80, 50.29, 58.30, 61.50)
    assert lines['UNet (paper)'] == (25.89, 43.40, 55.10, 60.07)
    assert lines['multi-task UNet (paper)'] == (25.06, 39.77, 55.13, 60.37)
    assert tuple(axis.get_lines()[0].get_xdata()) == (20, 100, 500, 1464)
    ours = [line for line in axis.get_lines() if line.get_label() == 'unrolled LRP-0 (ours)']
    assert tuple(ours[0].get_ydata()) == (41.0, )
    # Other metrics have no paper reference.
    runs = plot_results.collect([str(tmp_path / 'a')], 'aAcc')
    assert dashed_lines(plot_results.draw(runs, 'aAcc').axes[0]) == {}
