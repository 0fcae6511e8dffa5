"""Stop training at the first non-finite loss, before anything is saved after it."""
import logging
import math
import statistics

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS


class NonFiniteLossError(ValueError):
    """A loss term became NaN or infinite: the model has diverged."""


def _value(value):
    if torch.is_tensor(value):
        return float(value.detach().float().mean()) if value.numel() else 0.0
    return float(value)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raises :class:`NonFiniteLossError` naming the iteration and the loss term at the first
    NaN or infinite loss, or the first weights (or BatchNorm statistics) an update made
    non-finite; it runs before
    the checkpoint hook and validation, so nothing is saved or scored from that iteration on
    (the checkpoints before it stay). A loss ``growth`` times the median of
    the first ``reference_iters`` iterations' is warned about once: the learning rate is
    likely too high, though the numbers are still finite.

    ``tools/train.py`` adds it to every run (registered in mmengine's root registry, so that
    both MMSeg and mmpretrain configs find it).
    """

    priority = 'VERY_HIGH'

    def __init__(self, growth=1e3, reference_iters=10):
        if not growth > 1 or reference_iters < 1:
            raise ValueError(f'NonFiniteLossHook: growth must be > 1 and reference_iters >= 1, '
                             f'got {growth}, {reference_iters}')
        self.growth, self.reference_iters = growth, reference_iters
        self.first_losses, self.warned = [], False

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not outputs:
            return
        iteration = runner.iter + 1
        losses = {key: _value(value) for key, value in outputs.items() if 'loss' in key}
        bad = [f'{key} = {value}' for key, value in losses.items() if not math.isfinite(value)]
        terms = [entry for entry in bad if not entry.startswith('loss = ')]
        bad = terms or bad  # the terms that went first, rather than their sum
        if not bad:  # a finite loss whose update made the weights NaN (a huge step)
            model = getattr(runner.model, 'module', runner.model)
            state = model.state_dict(keep_vars=True)  # weights and BN statistics
            bad = [f'{name} (after the update)' for name, tensor in state.items()
                   if tensor.is_floating_point() and not torch.isfinite(tensor).all()][:3]
        if bad:
            raise NonFiniteLossError(
                f'training stopped at iteration {iteration}: {", ".join(bad)} is not finite '
                '(the model has diverged; lower the learning rate, optim_wrapper.optimizer.lr); '
                f'no checkpoint was saved from iteration {iteration} on')
        total = losses.get('loss', sum(losses.values()))
        if len(self.first_losses) < self.reference_iters:
            self.first_losses.append(abs(total))
            return
        reference = statistics.median(self.first_losses)
        if not self.warned and reference > 0 and abs(total) > self.growth * reference:
            self.warned = True
            print_log(f'iteration {iteration}: the loss {total:.3g} is '
                      f'{abs(total) / reference:.0f}x the first iterations\' ({reference:.3g}); '
                      'the learning rate (optim_wrapper.optimizer.lr) may be too high',
                      logger='current', level=logging.WARNING)
