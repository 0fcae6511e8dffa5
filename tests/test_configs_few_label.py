"""The few-label benchmark's configs: every stage-2 config of configs/few_label is a row of the
benchmark, and the input-rule lever's bounds are those of the input convention."""
from mmengine.config import Config

from helpers import load_tool
from unrolled_lrp.benchmarks.few_label import CONFIG_DIR, METHODS, available_methods
from unrolled_lrp.models.rules import LRP_COMPOSITES
from unrolled_lrp.models.rules.layer_map_composite import Site

parse_args = load_tool('tools/benchmarks/few_label_benchmark.py').parse_args


def test_every_stage_2_config_is_a_method_of_the_benchmark():
    configs = {p.name for p in CONFIG_DIR.glob('*_r18_few_label.py')}
    assert set(available_methods()) == {name[:-len('_r18_few_label.py')]
                                        for name in configs} - {'classifier'}
    assert set(METHODS) < set(available_methods())
    assert parse_args(['--methods', 'unrolled_lrp_a2b1_zbox']).methods == [
        'unrolled_lrp_a2b1_zbox']


def site(first):
    return Site(kind='conv', stage=0 if first else 2, first=first, in_branch=not first,
                name='conv')


def test_the_zbox_lever_bounds_the_first_layer_by_the_preprocessed_pixel_range():
    cfg = Config.fromfile(CONFIG_DIR / 'unrolled_lrp_a2b1_zbox_r18_few_label.py')
    composite = LRP_COMPOSITES.build(cfg.model.decode_head.composite)
    first, inner = composite.rule_for(site(True)), composite.rule_for(site(False))
    mean, std = cfg.model.data_preprocessor['mean'][0], cfg.model.data_preprocessor['std'][0]
    assert type(first).__name__ == 'ZBox' and type(inner).__name__ == 'AlphaBeta'
    assert (first.low, first.high) == ((0 - mean) / std, (255 - mean) / std)
    # the composite it varies keeps flat there
    base = Config.fromfile(CONFIG_DIR / 'unrolled_lrp_a2b1_r18_few_label.py')
    assert type(LRP_COMPOSITES.build(base.model.decode_head.composite).rule_for(
        site(True))).__name__ == 'Flat'
