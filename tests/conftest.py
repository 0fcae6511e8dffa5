"""Test session setup (threads, registries, the image-check cache) and the model fixture;
the builders themselves are in helpers.py."""
import os

import pytest
import torch

if os.environ.get('PYTEST_XDIST_WORKER'):
    # parallel workers share the cores: one thread each, in this process and in the tools it
    # starts (a process with two threads on a busy two-core machine ran up to 100x slower)
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)

import unrolled_lrp  # noqa: F401  (registers the project's modules)
from helpers import model_config, randomize_batch_norm
from mmseg.utils import register_all_modules

register_all_modules(init_default_scope=True)

# The files that run longest, longest first (measured on two cores: each trains or runs tools
# for minutes). pytest-xdist's --dist loadfile hands files to the workers in collection order,
# so a long file collected last runs alone while the other worker idles; collected first, the
# short files fill in around it.
LONGEST_FIRST = ('test_tools_workflow.py', 'test_benchmarks_few_label.py',
                 'test_benchmarks_speed.py', 'test_bad_inputs.py', 'test_tools_tea.py')


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # stable: a file's tests keep their order


@pytest.fixture(scope='session', autouse=True)
def image_check_cache(tmp_path_factory):
    """The images that decoded cleanly are remembered in a folder of the test session, not in
    the user's ~/.cache (child processes inherit the variable)."""
    from unrolled_lrp.datasets.image_files import CACHE_ENV
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp('cache'))


@pytest.fixture
def build_model():
    from mmseg.registry import MODELS

    def build(backbone='resnet18', seed=0, **kwargs):
        torch.manual_seed(seed)
        model = MODELS.build(model_config(backbone, **kwargs))
        model.init_weights()
        randomize_batch_norm(model, seed)
        # a visible classifier: the default init (std 0.01) makes every heatmap tiny
        torch.nn.init.normal_(model.decode_head.conv_seg.weight, std=0.5)
        torch.nn.init.normal_(model.decode_head.conv_seg.bias, std=0.1)
        return model

    return build
