"""Keep freed CPU memory in the process for reuse (glibc malloc settings).

On a CPU the decoder's tensors are large (batch x classes x channels x pixels: 88 MB at
ResNet50's first stage for 4 images x 21 classes at 128 px). glibc gives every block over
32 MB back to the kernel when it is freed (mmap/munmap), so each new tensor of that size
is paid for again in page faults: the decoder's transposed convolutions then run at about
half speed (tools/benchmarks/speed_benchmark.py --no-keep-freed-memory shows it). Turning off
mmap for large blocks and trimming keeps freed memory for the next tensor, as PyTorch's caching
allocator does on a GPU; the cost is that the process holds its peak memory until it exits.
"""
import ctypes

from mmengine.config import Config
from mmengine.logging import print_log

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
NEVER_TRIM = -1  # mallopt(3): -1 turns trimming off


def keep_freed_cpu_memory():
    """Applies the settings; True where the C library is glibc, False where it is not."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, NEVER_TRIM) == 1


def prepare_cpu_memory(cfg: Config) -> None:
    """Applies :func:`keep_freed_cpu_memory` unless the config sets
    ``env_cfg.keep_freed_cpu_memory=False``."""
    if not cfg.get('env_cfg', {}).get('keep_freed_cpu_memory', True):
        return
    if not keep_freed_cpu_memory():
        print_log('keep_freed_cpu_memory: not a glibc C library, the setting is skipped',
                  logger='current')
