"""Resume with the random seed of the run being resumed, so the data order continues.

mmengine 0.10.7 builds the train dataloader -- seeding its sampler with the Runner's seed --
before it loads the checkpoint, and restores the checkpoint's seed only afterwards. Without a
fixed ``randomness.seed`` in the config the resumed run would draw a fresh seed, and its
sampler (which mmengine fast-forwards by the resumed iteration count) would replay a different
data order. Putting the checkpoint's seed into the config before the Runner exists fixes that.
"""
from mmengine.config import Config
from mmengine.logging import print_log

from .checkpoint_fit import load_checkpoint_file


def use_seed_of_checkpoint(cfg: Config, checkpoint: str) -> None:
    """Set ``cfg.randomness.seed`` to the seed stored in ``checkpoint`` (if it has one)."""
    checkpoint_dict = load_checkpoint_file(checkpoint)  # a truncated file: named
    seed = checkpoint_dict.get('meta', {}).get('seed')
    if seed is None:
        return
    randomness = dict(cfg.get('randomness') or {})
    if randomness.get('seed') != seed:
        print_log(f'resuming with the seed of {checkpoint}: {seed}', logger='current')
        cfg.randomness = dict(randomness, seed=seed)
