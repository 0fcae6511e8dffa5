"""keep_freed_cpu_memory: freed large blocks stay in the process (for reuse) instead of
going back to the system; the config can turn it off."""
import subprocess
import sys

import pytest
from mmengine.config import Config

# RSS (MiB) after a 256 MiB tensor is written and freed, in a fresh process
PROBE = '''
import sys, torch
from unrolled_lrp.utils import keep_freed_cpu_memory
if sys.argv[1] == "keep":
    assert keep_freed_cpu_memory()
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
before = rss()
block = torch.ones(64, 2**20)
del block
print(rss() - before)
'''


def retained_mib(mode):
    out = subprocess.run([sys.executable, '-c', PROBE, mode], capture_output=True, text=True,
                         check=True).stdout
    return float(out.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc malloc settings')
@pytest.mark.slow
def test_freed_block_stays_in_the_process_only_with_the_setting():
    assert retained_mib('default') < 32
    assert retained_mib('keep') > 200


def test_config_can_turn_it_off(monkeypatch):
    from unrolled_lrp.utils import cpu_memory
    calls = []
    monkeypatch.setattr(cpu_memory, 'keep_freed_cpu_memory', lambda: calls.append(1) or True)
    cpu_memory.prepare_cpu_memory(Config(dict(env_cfg=dict(keep_freed_cpu_memory=False))))
    assert calls == []
    cpu_memory.prepare_cpu_memory(Config(dict(env_cfg=dict(cudnn_benchmark=False))))
    assert calls == [1]
