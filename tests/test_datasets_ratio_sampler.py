"""The ratio batch sampler: batch composition, determinism, reshuffling, ranks, resume."""
from itertools import islice

import pytest
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmseg.registry import DATA_SAMPLERS

import unrolled_lrp  # noqa: F401
import unrolled_lrp.utils  # noqa: F401  (lets torch load the Runner's checkpoints)


class MixedDataset:
    """Index i has a mask iff i is in ``masked``; item i holds its index as input."""

    def __init__(self, size=30, masked=range(0, 30, 5)):
        self.size, self.masked = size, set(masked)

    def __len__(self):
        return self.size

    def get_data_info(self, index):
        return dict(seg_map_path=f'{index}.png' if index in self.masked else None)

    def __getitem__(self, index):
        return dict(inputs=index)


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


def test_no_step_gives_a_sample_to_two_ranks():
    """7 masked samples, 4 per step: every second step runs across the end of a pass."""
    dataset = MixedDataset(size=40, masked=range(0, 35, 5))
    per_rank = [list(islice(batch_sampler(dataset, rank=r, world_size=2), 14)) for r in (0, 1)]
    stream = []
    for first, second in zip(*per_rank):
        step = first[:2] + second[:2]
        assert len(set(step)) == 4 and set(step) <= dataset.masked
        assert not set(first) & set(second)
        stream += step
    passes = [stream[k:k + 7] for k in range(0, 56, 7)]
    assert all(sorted(p) == sorted(dataset.masked) for p in passes)


class BatchRecorder(BaseModel):
    """A model that remembers the sample indices of every training batch."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.batches = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.batches.append([int(i) for i in inputs])
        return dict(loss=self.weight.sum() * len(inputs))


def train(work_dir, by_epoch, resume_from=None):
    """Batches seen by a Runner run of 6 iterations or 2 epochs (8 iterations each)."""
    loop = (dict(by_epoch=True, max_epochs=2) if by_epoch else dict(by_epoch=False, max_iters=6))
    sampler = 'DefaultSampler' if by_epoch else 'InfiniteSampler'
    model = BatchRecorder()
    runner = Runner(
        model=model, work_dir=str(work_dir), experiment_name=work_dir.name,
        default_scope='mmseg', randomness=dict(seed=11),
        train_dataloader=dict(
            dataset=MixedDataset(), batch_size=4, num_workers=0,
            sampler=dict(type=sampler, shuffle=True),
            batch_sampler=dict(type='LabeledRatioBatchSampler', labeled_ratio=0.5)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=loop,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=by_epoch,
                                           interval=1 if by_epoch else 3)),
        resume=resume_from is not None, load_from=resume_from)
    runner.train()
    return model.batches


@pytest.mark.parametrize('by_epoch', [False, True])
def test_resumed_runner_continues_the_batch_stream(tmp_path, by_epoch):
    """mmengine skips the trained batches of an iteration loop and calls set_epoch per epoch."""
    uninterrupted = train(tmp_path / 'full', by_epoch)
    checkpoint = 'epoch_1.pth' if by_epoch else 'iter_3.pth'
    resumed = train(tmp_path / 'resumed', by_epoch, str(tmp_path / 'full' / checkpoint))
    done = 8 if by_epoch else 3
    assert len(uninterrupted) == done + len(resumed)
    assert resumed == uninterrupted[done:]
    assert uninterrupted == [b for b in islice(batch_sampler(seed=11), len(uninterrupted))]


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
