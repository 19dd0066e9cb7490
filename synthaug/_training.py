"""The one training loop, for any backbone and any objective.

It needs only a model that meets :class:`GANModel` and a ``draw(batch_size) -> (real,
condition)`` function whose conditions have ``twice()`` (the batch repeated, to score
real and fake rows in one critic pass). Per step: discriminator step(s), then a
generator step on the last critic step's fakes. Losses are summed on the device and read back once per epoch, which is also
when divergence is checked. With ``plan.mixed_precision`` (used on CUDA) the forward
passes run under bf16 autocast; weights, gradients and optimiser state stay float32.
A :class:`~synthaug._resumable.TrainingState` passed in makes the loop continue an
earlier fit exactly (optimisers, random stream, epoch numbers) and is kept up to date
after every good epoch: it is what divergence and Ctrl-C roll back to. A
:class:`~synthaug._distributed.Group` of several processes makes it data parallel (see
:mod:`synthaug._distributed`): each draws ``batch_size // world_size`` samples per step,
and the gradients, the epoch's losses and the buffers are shared at the points marked
``group.``; alone, those calls do nothing.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from synthaug._conditioning import Condition, ConditionSpace, TrainingSampler
from synthaug._distributed import SINGLE, Group
from synthaug._resumable import TrainingState
from synthaug._runtime import seeded
from synthaug.losses import Objective


class TrainingDivergedError(RuntimeError):
    """Raised when the first epoch already produces a non-finite loss."""


class GANModel(Protocol):
    """What the training loop and the sampling path need from a model (an ``nn.Module``).

    Shapes are the backbone's own: encoded rows ``(B, width)`` for tables, canvas-sized
    images ``(B, C, S, S)`` for images.
    """

    generator: nn.Module
    discriminator: nn.Module
    # Samples made per forward pass on the sampling path.
    sample_batch: int

    def generate(self, condition: Condition) -> tuple[torch.Tensor, torch.Tensor]:
        """Fake samples for a batch of conditions, and an auxiliary generator loss (a
        scalar; zero if the model has none)."""

    def discriminate(self, samples: torch.Tensor, condition: Condition) -> torch.Tensor:
        """Raw scores of samples under their conditions (one per sample or per pack)."""

    def update_average(self) -> None:
        """Called after every generator step (a moving average of the generator's
        weights, for models that sample from one; a no-op for the others)."""

    def sample(self, condition: Condition) -> torch.Tensor:
        """Samples for the sampling path, in the caller's size (run in eval mode,
        without autograd)."""


@dataclass(frozen=True)
class TrainingPlan:
    """How a model is trained: the resolved settings of one fit."""

    loss: str
    epochs: int
    steps_per_epoch: int
    batch_size: int
    generator_lr: float
    discriminator_lr: float
    discriminator_steps: int
    mixed_precision: bool = False
    # Epochs the model had trained before this fit (a warm start's), counted on from.
    start_epoch: int = 0
    # Processes training data parallel; each draws batch_size // world_size per step.
    world_size: int = 1


def _optimizer(parameters, objective: Objective, lr: float) -> torch.optim.Optimizer:
    if objective.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr)
    parameters = list(parameters)
    settings = dict(lr=lr, betas=objective.betas, weight_decay=1e-6)
    try:
        return torch.optim.Adam(parameters, fused=True, **settings)
    except RuntimeError:  # fused Adam runs on the CPU from torch 2.4 on
        return torch.optim.Adam(parameters, **settings)


def fit_model(build: Callable[[torch.device], GANModel], data: np.ndarray, codes: np.ndarray,
              space: ConditionSpace, objective: Objective, plan: TrainingPlan,
              device: torch.device, seed: int, prepare: Callable | None = None,
              progress: bool = False, state: TrainingState | None = None,
              on_epoch: Callable[[GANModel, TrainingState], None] | None = None,
              group: Group = SINGLE) -> tuple[GANModel, list[dict]]:
    """Build a model on ``device`` and train it on ``data`` with the one training loop.

    ``codes`` holds each sample's category codes (the condition columns); batches and
    conditions are drawn on the device by training-by-sampling. ``prepare(model,
    batch)``, when given, turns each drawn batch into the model's input (e.g. uint8
    pixels into padded floats). ``progress`` shows a progress bar with the losses.
    ``state``, ``on_epoch`` and ``group`` are :func:`train`'s. Ctrl-C (a ``KeyboardInterrupt``)
    rolls the model back to the end of the last complete epoch and warns; before
    one, it is raised. Returns the trained model (in eval mode) and its history.
    """
    state = TrainingState() if state is None else state
    with seeded(seed, device):
        model = build(device)
        sampler = TrainingSampler(
            torch.as_tensor(data, device=device),
            torch.as_tensor(codes, dtype=torch.long, device=device),
            space, None if prepare is None else (lambda batch: prepare(model, batch)),
        )
        try:
            history = train(model, sampler.draw, objective, plan, progress, state, on_epoch,
                            group)
        except KeyboardInterrupt:
            if not state.can_roll_back:
                raise
            state.roll_back(model)
            state.interrupted = True
            # The interrupt may have come in a generator step, which freezes the critic.
            model.discriminator.requires_grad_(True)
            model.eval()
            warnings.warn(
                f"Training was interrupted; the model was rolled back to epoch {state.epoch}, "
                "the last complete one. resume(X, y) continues the fit.", RuntimeWarning,
                stacklevel=4)
            history = state.history
    return model, history


def train(model: GANModel, draw: Callable, objective: Objective, plan: TrainingPlan,
          progress: bool = False, state: TrainingState | None = None,
          on_epoch: Callable[[GANModel, TrainingState], None] | None = None,
          group: Group = SINGLE) -> list[dict]:
    """Train ``model`` in place for ``plan.epochs`` epochs and return the history: one
    dict of mean losses per epoch, after those of ``state``.

    ``state``, when given, is continued (its optimiser states, random stream and epoch
    count) and kept up to date: after every good epoch it holds the model's state, and
    ``on_epoch(model, state)`` is called. A non-finite loss rolls the model back to the
    end of the last good epoch, stops training and warns; in the first epoch of a
    model it raises :class:`TrainingDivergedError`. With a ``group`` of several
    processes (``plan.world_size`` of them), every one of them calls ``train`` and they
    train data parallel.
    """
    g_opt = _optimizer(model.generator.parameters(), objective, plan.generator_lr)
    d_opt = _optimizer(model.discriminator.parameters(), objective, plan.discriminator_lr)
    optimizers = {"generator": g_opt, "discriminator": d_opt}
    device = next(model.parameters()).device

    def forward_precision():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=plan.mixed_precision)

    state = TrainingState() if state is None else state
    state.start(model, optimizers)
    group.start(model)
    history = state.history
    batch_size = plan.batch_size // plan.world_size
    model.train()
    bar = tqdm(range(state.epoch, state.epoch + plan.epochs), desc="synthaug", unit="epoch",
               disable=not progress or not group.writes_files)
    for epoch in bar:
        started = time.perf_counter()
        sums = torch.zeros(3, device=device)
        for _ in range(plan.steps_per_epoch):
            for critic_step in range(plan.discriminator_steps):
                real, condition = draw(batch_size)
                # The last critic step's fakes also feed the generator step, so they keep
                # their graph (one generator forward per step, as in the DCGAN recipe).
                with torch.set_grad_enabled(critic_step == plan.discriminator_steps - 1), \
                        forward_precision():
                    fake, aux_loss = model.generate(condition)
                with forward_precision():
                    # One critic pass over real and fake together (the critic has no batch norm).
                    scores = model.discriminate(torch.cat([real, fake.detach()]), condition.twice())
                    d_loss = objective.discriminator_loss(*scores.chunk(2))
                    if objective.gradient_penalty:
                        d_loss = d_loss + objective.gradient_penalty * objective.penalty(
                            model.discriminate, real, fake.detach(), condition)
                d_opt.zero_grad(set_to_none=True)
                d_loss.backward()
                group.average_gradients(model.discriminator)
                d_opt.step()
                if objective.weight_clip is not None:
                    with torch.no_grad():
                        for p in model.discriminator.parameters():
                            p.clamp_(-objective.weight_clip, objective.weight_clip)

            model.discriminator.requires_grad_(False)  # the G step needs no critic weight grads
            with forward_precision():
                g_loss = objective.generator_loss(model.discriminate(fake, condition)) + aux_loss
            model.discriminator.requires_grad_(True)
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            group.average_gradients(model.generator)
            g_opt.step()
            model.update_average()
            sums += torch.stack([d_loss.detach(), g_loss.detach(), aux_loss.detach()])

        d_mean, g_mean, aux_mean = (group.average(sums) / plan.steps_per_epoch).tolist()
        if not all(map(math.isfinite, (d_mean, g_mean, aux_mean))):
            if not state.can_roll_back:
                raise TrainingDivergedError(
                    f"Training diverged in the first epoch (losses D={d_mean}, G={g_mean}). "
                    "Lower the learning rates or use loss='wgan-gp'."
                )
            state.roll_back(model)
            warnings.warn(
                f"Training diverged at epoch {epoch + 1} (non-finite loss); the model was "
                f"rolled back to epoch {epoch} and training stopped. Lower the learning rates "
                "or use loss='wgan-gp'.",
                RuntimeWarning,
                stacklevel=3,
            )
            break
        history.append({
            "epoch": epoch + 1, "discriminator_loss": d_mean, "generator_loss": g_mean,
            "condition_loss": aux_mean, "seconds": time.perf_counter() - started,
        })
        group.broadcast_buffers(model)
        state.record(model, optimizers, epoch + 1)
        if on_epoch is not None:
            on_epoch(model, state)
        bar.set_postfix(D=f"{d_mean:.3f}", G=f"{g_mean:.3f}")
    model.eval()
    return history
