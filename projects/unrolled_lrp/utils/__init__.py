"""Support for the project's tools: loading mmengine checkpoints under torch>=2.6 (applied on
import), fail-fast config checks, CPU-distributed runs and resume with the original seed."""
from .checkpoint_safe_globals import allow_mmengine_checkpoint_globals
from .config_checks import (ConfigError, check_data_paths, check_init_checkpoints,
                            dataset_paths, load_config, require_sections)
from .cpu_distributed import prepare_cpu_distributed
from .resume_seed import use_seed_of_checkpoint

allow_mmengine_checkpoint_globals()

__all__ = [
    'ConfigError', 'allow_mmengine_checkpoint_globals', 'check_data_paths',
    'check_init_checkpoints', 'dataset_paths',
    'load_config', 'prepare_cpu_distributed', 'require_sections', 'use_seed_of_checkpoint'
]
