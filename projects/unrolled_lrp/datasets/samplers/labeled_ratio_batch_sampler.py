"""Batches with a fixed share of pixel-labelled samples."""
import math
from itertools import islice
from typing import Iterator, List

import numpy as np
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


class PermutationCycle:
    """Endless stream of indices: a fresh permutation whenever the last one is used up.

    A take that runs across the end of a permutation moves the indices it already
    holds to the back of the next one, so one take (a step of all ranks) repeats
    no index unless it asks for more indices than there are.
    """

    def __init__(self, indices: np.ndarray, rng: np.random.Generator):
        self.indices = indices
        self.rng = rng
        self.pending = indices[:0]

    def take(self, count: int) -> np.ndarray:
        taken = self.indices[:0]
        while len(taken) < count:
            if not len(self.pending):
                fresh = self.rng.permutation(self.indices)
                held = np.isin(fresh, taken)
                self.pending = np.concatenate([fresh[~held], fresh[held]])
            part = self.pending[:count - len(taken)]
            self.pending = self.pending[len(part):]
            taken = np.concatenate([taken, part])
        return taken


@DATA_SAMPLERS.register_module()
class LabeledRatioBatchSampler(Sampler):
    """Each batch holds ``round(batch_size * labeled_ratio)`` pixel-labelled samples.

    With few masks among many image-level-only images, plain shuffling would
    leave most batches without pixel supervision; the paper fills about half of
    every batch with masked images instead. A sample counts as pixel-labelled
    where its data info has a ``seg_map_path`` (see ``SemiSupervisedVOCDataset``).
    Prior art: MMDetection's ``MultiSourceSampler``, with which its semi-supervised
    detectors mix the datasets of a ``ConcatDataset`` (labelled and unlabelled images) in
    every batch by ratio; this one splits one dataset by its masks instead.

    mmengine's Runner builds it from ``batch_sampler=dict(type=...)`` with the
    run's ``sampler`` and ``batch_size``. The sampler supplies the dataset, the
    seed and the rank layout; its own index order is not used. Each subset is
    consumed in random permutations, a new one when the last is used up, and
    every step the ranks take disjoint consecutive pieces: within one pass over
    a subset no sample is drawn twice, and no step gives one sample to two ranks
    (or twice to one batch) while the subset holds enough samples for the step.

    The batches are a function of the seed alone. mmengine resumes an
    ``IterBasedTrainLoop`` by drawing and discarding as many batches as were
    trained, so a resumed run continues the same stream when it runs with the
    same seed (``tools/train.py --resume`` takes it from the checkpoint; with
    mmengine's Runner alone fix ``randomness.seed``, because the dataloader is
    built before the checkpoint's seed is restored). With an ``InfiniteSampler``
    the batches never end; with a sampler that tracks epochs (``DefaultSampler``,
    whose ``set_epoch`` mmengine calls each epoch) an epoch is
    ``ceil(len(dataset) / (batch_size * world_size))`` batches and epoch ``e``
    continues the same stream at batch ``e * len(self)``.

    Args:
        sampler: the run's sampler (mmengine ``InfiniteSampler`` or ``DefaultSampler``).
        batch_size: samples per batch and rank.
        labeled_ratio: share of pixel-labelled samples in each batch.
    """

    def __init__(self, sampler: Sampler, batch_size: int, labeled_ratio: float = 0.5):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive integer, got {batch_size!r}')
        if not 0 <= labeled_ratio <= 1:
            raise ValueError(f'labeled_ratio must lie in [0, 1], got {labeled_ratio}')
        self.num_labeled = round(batch_size * labeled_ratio)
        if (labeled_ratio > 0 and self.num_labeled == 0) or (
                labeled_ratio < 1 and self.num_labeled == batch_size):
            raise ValueError(f'labeled_ratio={labeled_ratio} of batch_size={batch_size} rounds '
                             f'to {self.num_labeled} pixel-labelled samples per batch; choose '
                             'a ratio that the batch size can hold')
        self.sampler = sampler
        self.batch_size = batch_size
        self.seed = sampler.seed
        self.rank = sampler.rank
        self.world_size = sampler.world_size
        dataset = sampler.dataset
        has_mask = np.array([dataset.get_data_info(i).get('seg_map_path') is not None
                             for i in range(len(dataset))], bool)
        self.labeled_indices = np.flatnonzero(has_mask)
        self.image_level_indices = np.flatnonzero(~has_mask)
        for count, indices, kind in ((self.num_labeled, self.labeled_indices, 'pixel-labelled'),
                                     (batch_size - self.num_labeled, self.image_level_indices,
                                      'image-level-only')):
            if count and not len(indices):
                raise ValueError(f'labeled_ratio={labeled_ratio} asks for {count} {kind} '
                                 f'samples per batch, but {type(dataset).__name__} has none')

    def __len__(self) -> int:
        return math.ceil(len(self.sampler.dataset) / (self.batch_size * self.world_size))

    def __iter__(self) -> Iterator[List[int]]:
        epoch = getattr(self.sampler, 'epoch', None)
        if epoch is None:
            return self.batches()
        return islice(self.batches(), epoch * len(self), (epoch + 1) * len(self))

    def batches(self) -> Iterator[List[int]]:
        """The endless batch stream of this rank: pixel-labelled samples first."""
        labeled = PermutationCycle(self.labeled_indices, np.random.default_rng([self.seed, 0]))
        image_level = PermutationCycle(self.image_level_indices,
                                       np.random.default_rng([self.seed, 1]))
        per_rank = (self.num_labeled, self.batch_size - self.num_labeled)
        while True:
            batch = []
            for stream, count in zip((labeled, image_level), per_rank):
                step = stream.take(count * self.world_size)
                batch += step[self.rank * count:(self.rank + 1) * count].tolist()
            yield batch
