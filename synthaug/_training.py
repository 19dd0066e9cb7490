"""The one training loop, for any backbone and any objective.

It needs only a model with ``generate(condition) -> (fake, auxiliary_loss)``,
``discriminate(rows, condition) -> scores`` and ``generator``/``discriminator``
submodules, and a ``draw(batch_size) -> (real, condition)`` function whose
conditions have ``twice()`` (the batch repeated, to score real and fake rows in one
critic pass). A model may also have ``update_average()``, called after every
generator step (a moving average of the generator's weights, used for sampling).
Per step: discriminator step(s), then a generator step on the last critic step's
fakes. Losses are summed on the device and read back once per epoch, which is also
when divergence is checked. With ``plan.mixed_precision`` (used on CUDA) the forward
passes run under bf16 autocast; weights, gradients and optimiser state stay float32.
"""

from __future__ import annotations

import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import torch
from tqdm.auto import tqdm

from synthaug.losses import Objective, gradient_penalty


class TrainingDivergedError(RuntimeError):
    """Raised when the first epoch already produces a non-finite loss."""


@dataclass(frozen=True)
class TrainingPlan:
    epochs: int
    steps_per_epoch: int
    batch_size: int
    generator_lr: float
    discriminator_lr: float
    discriminator_steps: int
    verbose: bool = False
    mixed_precision: bool = False


def _optimizer(parameters, objective: Objective, lr: float) -> torch.optim.Optimizer:
    if objective.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr)
    parameters = list(parameters)
    settings = dict(lr=lr, betas=(0.5, 0.9), weight_decay=1e-6)
    try:
        return torch.optim.Adam(parameters, fused=True, **settings)
    except RuntimeError:  # fused Adam runs on the CPU from torch 2.4 on
        return torch.optim.Adam(parameters, **settings)


def train(model: torch.nn.Module, draw: Callable, objective: Objective,
          plan: TrainingPlan) -> list[dict]:
    """Train ``model`` in place and return one dict of mean losses per epoch.

    A non-finite loss rolls the model back to the end of the last good epoch, stops
    training and warns; in the first epoch it raises :class:`TrainingDivergedError`.
    """
    g_opt = _optimizer(model.generator.parameters(), objective, plan.generator_lr)
    d_opt = _optimizer(model.discriminator.parameters(), objective, plan.discriminator_lr)
    device = next(model.parameters()).device
    update_average = getattr(model, "update_average", None)

    def forward_precision():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=plan.mixed_precision)

    history, last_good = [], None
    model.train()
    bar = tqdm(range(plan.epochs), desc="synthaug", unit="epoch", disable=not plan.verbose)
    for epoch in bar:
        started = time.perf_counter()
        sums = torch.zeros(3, device=device)
        for _ in range(plan.steps_per_epoch):
            for critic_step in range(plan.discriminator_steps):
                real, condition = draw(plan.batch_size)
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
                        d_loss = d_loss + objective.gradient_penalty * gradient_penalty(
                            model.discriminate, real, fake.detach(), condition)
                d_opt.zero_grad(set_to_none=True)
                d_loss.backward()
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
            g_opt.step()
            if update_average is not None:
                update_average()
            sums += torch.stack([d_loss.detach(), g_loss.detach(), aux_loss.detach()])

        d_mean, g_mean, aux_mean = (sums / plan.steps_per_epoch).tolist()
        if not all(map(math.isfinite, (d_mean, g_mean, aux_mean))):
            if last_good is None:
                raise TrainingDivergedError(
                    f"Training diverged in the first epoch (losses D={d_mean}, G={g_mean}). "
                    "Lower the learning rates or use loss='wgan-gp'."
                )
            model.load_state_dict(last_good)
            warnings.warn(
                f"Training diverged at epoch {epoch + 1} (non-finite loss); the model was "
                f"rolled back to epoch {epoch} and training stopped. Lower the learning rates "
                "or use loss='wgan-gp'.",
                RuntimeWarning,
                stacklevel=3,
            )
            break
        last_good = {k: v.detach().clone() for k, v in model.state_dict().items()}
        history.append({
            "epoch": epoch + 1, "discriminator_loss": d_mean, "generator_loss": g_mean,
            "condition_loss": aux_mean, "seconds": time.perf_counter() - started,
        })
        bar.set_postfix(D=f"{d_mean:.3f}", G=f"{g_mean:.3f}")
    model.eval()
    return history


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"``: CUDA when available, else the CPU; other values are checked."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a device; use 'auto', 'cpu' or 'cuda'.") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available here; use 'auto' or 'cpu'.")
    return resolved


@contextmanager
def seeded(seed: int, device: torch.device):
    """Seed torch for the block without touching the caller's global RNG state."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
