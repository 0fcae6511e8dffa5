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
