"""Under SyncBatchNorm the decoder uses the mean and variance of the global batch."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from unrolled_lrp.models.unroll.trace_builder import batch_moments


def _per_rank_moments(rank, world_size, port, batches, results):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        results[rank] = batch_moments(batches[rank], synced=True)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_synced_moments_are_those_of_all_ranks_batches():
    batches = [torch.randn(2, 3, 5, 4, dtype=torch.float64) * (rank + 1) + rank
               for rank in range(2)]
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(_per_rank_moments, args=(2, free_port(), batches, results), nprocs=2)
        per_rank = [results[rank] for rank in range(2)]
    expected_mean = torch.cat(batches).mean(dim=(0, 2, 3))
    expected_var = torch.cat(batches).var(dim=(0, 2, 3), unbiased=False)
    for mean, variance in per_rank:
        torch.testing.assert_close(mean, expected_mean)
        torch.testing.assert_close(variance, expected_var)
    # without synchronisation each rank would use its own, different statistics
    mean, variance = batch_moments(batches[0])
    assert not torch.allclose(mean, expected_mean)
    assert not torch.allclose(variance, expected_var)
