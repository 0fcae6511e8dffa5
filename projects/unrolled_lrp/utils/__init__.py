"""Support for the project's tools: loading mmengine checkpoints under torch>=2.6 (applied
when ``unrolled_lrp`` is imported), fail-fast config checks, CPU-distributed runs, CPU memory
reuse, and the work dir and schedule checks of training (``train_setup``)."""
from .checkpoint_fit import (CheckpointMismatch, check_checkpoint_fits, check_start_checkpoints,
                             load_checkpoint_file, read_state_dict)
from .checkpoint_safe_globals import allow_mmengine_checkpoint_globals
from .clear_errors import run_main
from .config_checks import (ConfigError, check_data_paths, check_init_checkpoints,
                            dataset_paths, load_config, require_sections)
from .cpu_distributed import prepare_cpu_distributed
from .cpu_memory import keep_freed_cpu_memory, prepare_cpu_memory

__all__ = [
    'CheckpointMismatch', 'ConfigError', 'allow_mmengine_checkpoint_globals',
    'check_checkpoint_fits', 'check_data_paths', 'check_start_checkpoints', 'read_state_dict',
    'check_init_checkpoints', 'dataset_paths', 'load_checkpoint_file',
    'keep_freed_cpu_memory', 'load_config', 'prepare_cpu_distributed', 'prepare_cpu_memory',
    'require_sections', 'run_main'
]
