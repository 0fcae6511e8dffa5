"""Distributed runs on machines without CUDA (gloo), which mmengine 0.10.7 cannot start.

For the ``pytorch`` launcher mmengine calls ``torch.cuda.set_device(LOCAL_RANK)`` (fails
without a driver), then ``init_process_group`` with the config's backend (MMSeg's runtime
says ``nccl``); its DDP wrapper passes ``device_ids=[LOCAL_RANK]``, which DDP rejects for a
CPU module. Here the process group is started with gloo before the Runner is built (the
Runner then skips its own ``init_dist``) and DDP gets ``device_ids=None``. SyncBN only runs
on CUDA tensors, so the model's ``SyncBN`` norms become per-process ``BN``, in the config:
the Runner builds and wraps the model in one step, so ``mmengine.model.revert_sync_batchnorm``
(which converts built modules) would come after DDP.
"""
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def _sync_bn_to_bn(node):
    """Replaces ``type='SyncBN'`` by ``'BN'`` in a (nested) config; returns how many."""
    count = 0
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            count += 1
        for value in node.values():
            count += _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        count += sum(_sync_bn_to_bn(value) for value in node)
    return count


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make a config with ``launcher='pytorch'`` run on CPU processes; no-op with CUDA."""
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise ValueError(f'launcher {cfg.launcher!r} needs CUDA; without it use the pytorch '
                           'launcher (tools/dist_train.sh, tools/dist_test.sh run torchrun)')
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if _sync_bn_to_bn(cfg.model):
        print_log('no CUDA: SyncBN runs as per-process BN', logger='current')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
        print_log(f'no CUDA: distributed run on CPU with gloo, rank {torch_dist.get_rank()} '
                  f'of {torch_dist.get_world_size()}', logger='current')
