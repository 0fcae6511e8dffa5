"""The ratio batch sampler: batch composition, determinism, reshuffling, ranks, resume."""
from itertools import islice

import numpy as np
import pytest
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.runner import Runner
from mmseg.registry import DATA_SAMPLERS

import unrolled_lrp  # noqa: F401


class MixedDataset:
    """Index i has a mask iff i is in ``masked``; items are their own index."""

    def __init__(self, size=30, masked=range(0, 30, 5)):
        self.size, self.masked = size, set(masked)

    def __len__(self):
        return self.size

    def get_data_info(self, index):
        return dict(seg_map_path=f'{index}.png' if index in self.masked else None)

    def __getitem__(self, index):
        return index


def batch_sampler(dataset=None, batch_size=4, labeled_ratio=0.5, seed=0, rank=0,
                  world_size=1, sampler_type=InfiniteSampler):
    sampler = sampler_type(dataset or MixedDataset(), seed=seed)
    sampler.rank, sampler.world_size = rank, world_size
    return DATA_SAMPLERS.build(dict(type='LabeledRatioBatchSampler', labeled_ratio=labeled_ratio),
                               default_args=dict(sampler=sampler, batch_size=batch_size))


@pytest.mark.parametrize('batch_size,ratio,expected', [(4, 0.5, 2), (10, 0.5, 5), (5, 0.2, 1),
                                                       (3, 1.0, 3), (3, 0.0, 0)])
def test_every_batch_has_the_configured_share_of_masks(batch_size, ratio, expected):
    dataset = MixedDataset()
    for batch in islice(batch_sampler(dataset, batch_size, ratio), 50):
        assert len(batch) == batch_size
        assert sum(i in dataset.masked for i in batch) == expected


def test_same_seed_same_batches_other_seed_other_batches():
    first = list(islice(batch_sampler(seed=3), 20))
    assert first == list(islice(batch_sampler(seed=3), 20))
    assert first != list(islice(batch_sampler(seed=4), 20))


def test_each_subset_is_reshuffled_when_used_up():
    dataset = MixedDataset()
    labeled = [i for batch in islice(batch_sampler(dataset), 12) for i in batch[:2]]
    passes = [labeled[k:k + 6] for k in range(0, 24, 6)]  # 6 masked samples per pass
    assert all(sorted(p) == sorted(dataset.masked) for p in passes)
    assert len({tuple(p) for p in passes}) > 1


def test_ranks_get_disjoint_samples_within_a_pass():
    dataset = MixedDataset(size=40, masked=range(0, 40, 4))  # 10 masked, 30 image-level
    per_rank = [list(islice(batch_sampler(dataset, rank=r, world_size=2), 15)) for r in (0, 1)]
    for part, subset in ((slice(0, 2), sorted(dataset.masked)),
                         (slice(2, 4), sorted(set(range(40)) - dataset.masked))):
        # the global order of a step: rank 0's share, then rank 1's
        stream = [i for step in zip(*per_rank) for batch in step for i in batch[part]]
        passes = [stream[k:k + len(subset)] for k in range(0, 60 - len(subset) + 1, len(subset))]
        assert len(passes) >= 2 and all(sorted(p) == subset for p in passes)
    assert per_rank[0] != per_rank[1]


def test_epochs_of_a_default_sampler_continue_one_stream():
    dataset = MixedDataset()
    finite = batch_sampler(dataset, sampler_type=DefaultSampler)
    assert len(finite) == 8  # ceil(30 / 4)
    epochs = []
    for epoch in range(3):
        finite.sampler.set_epoch(epoch)
        epochs += list(finite)
    assert epochs == list(islice(batch_sampler(dataset), 24))


def test_resumed_dataloader_replays_the_batches():
    """mmengine resumes by skipping as many batches as were trained."""

    def loader():
        return Runner.build_dataloader(
            dict(dataset=MixedDataset(), batch_size=4, num_workers=0,
                 sampler=dict(type='InfiniteSampler', shuffle=True),
                 batch_sampler=dict(type='LabeledRatioBatchSampler', labeled_ratio=0.5)),
            seed=11)

    uninterrupted = list(islice(iter(loader()), 10))
    resumed = iter(loader())
    for _ in range(6):
        next(resumed)
    assert list(islice(resumed, 4)) == uninterrupted[6:]
    assert np.unique(np.concatenate(uninterrupted)).size > 4


@pytest.mark.parametrize('kwargs,message', [
    (dict(labeled_ratio=1.5), 'labeled_ratio must lie in'),
    (dict(batch_size=1, labeled_ratio=0.5), 'rounds to 0'),
    (dict(batch_size=4, labeled_ratio=0.9), 'rounds to 4'),
    (dict(dataset=MixedDataset(masked=[])), 'pixel-labelled samples per batch, but'),
    (dict(dataset=MixedDataset(masked=range(30))), 'image-level-only samples per batch'),
])
def test_impossible_settings_are_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        batch_sampler(**kwargs)
