"""An exponential moving average of a generator's weights, sampled from instead of the
trained weights (Yazici et al., 2019): it smooths out the last steps' oscillations.

Shared by every backbone that keeps one. The averaged copy follows the trained
generator after each generator step, with a decay that ramps up over the first steps
so that the random initial weights do not linger; once training ends, its batch-norm
statistics are recomputed from its own outputs (the running statistics tracked while
training describe the trained weights, a few batches back, not the averaged ones).
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def averaged_copy(generator: nn.Module) -> nn.Module:
    """A frozen copy of ``generator`` to hold the average."""
    return copy.deepcopy(generator).requires_grad_(False)


@torch.no_grad()
def update_average(average: nn.Module, generator: nn.Module, step: int, decay: float) -> None:
    """Move ``average`` towards ``generator`` after generator step ``step`` (from 1)."""
    decay = min(decay, (1 + step) / (10 + step))
    torch._foreach_lerp_(list(average.parameters()), list(generator.parameters()), 1.0 - decay)
    for mine, theirs in zip(average.buffers(), generator.buffers()):
        mine.copy_(theirs)


@torch.no_grad()
def settle_norms(generator: nn.Module, run: Callable[[nn.Module], None]) -> None:
    """Recompute ``generator``'s batch-norm statistics as the exact average over the
    forward passes ``run(generator)`` makes (momentum ``None``), then leave it in eval mode."""
    norms = [m for m in generator.modules() if isinstance(m, _BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
    generator.train()
    run(generator)
    generator.eval()
    for norm in norms:
        norm.momentum = 0.1


class AveragedGenerator:
    """What a network with a moving average of its ``generator`` does (mixed into the
    tabular and image networks): keep the average, update it, sample from it and settle
    its batch-norm statistics. The network says how its generator makes a batch for a
    condition (:meth:`run_generator`)."""

    generator: nn.Module

    def keep_average(self, decay: float | None) -> None:
        """Start the average of ``generator`` (``None``: sample with the trained weights)."""
        self.ema_decay = decay
        self.average = None if decay is None else averaged_copy(self.generator)
        self.average_steps = 0

    def update_average(self) -> None:
        """Move the averaged generator towards the trained one (after each G step)."""
        if self.average is not None:
            self.average_steps += 1
            update_average(self.average, self.generator, self.average_steps, self.ema_decay)

    def sampling_generator(self) -> nn.Module:
        return self.average if self.average is not None else self.generator

    def run_generator(self, generator: nn.Module, condition) -> torch.Tensor:
        """``generator``'s raw output for a batch of conditions (fresh noise)."""
        raise NotImplementedError

    def calibrate(self, conditions: list) -> None:
        """Recompute the sampling generator's batch-norm statistics from its own outputs
        for the given batches of conditions."""
        def run(generator: nn.Module) -> None:
            for condition in conditions:
                self.run_generator(generator, condition)

        settle_norms(self.sampling_generator(), run)
