"""Adversarial objectives: each is a pair of loss functions plus how to optimise it.

- ``"bce"``: the original minimax GAN in its non-saturating form (Goodfellow et al.).
- ``"wgan"``: Wasserstein GAN with weight clipping and RMSProp (Arjovsky et al.).
- ``"wgan-gp"``: Wasserstein GAN with a gradient penalty and Adam (Gulrajani et al.).
- ``"hinge"``: hinge loss (Lim & Ye; Miyato et al.).
- ``"r1"``: the non-saturating loss with an R1 penalty on real images (Mescheder et
  al., 2018), StyleGAN2's objective, with its Adam settings (Karras et al., 2020).

A penalty is a function ``penalty(discriminate, real, fake, condition)`` the training
loop adds, times ``Objective.gradient_penalty``, to the discriminator's loss.

The discriminator returns raw scores (logits for ``"bce"``, critic values otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


def bce_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def bce_generator(fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake).mean()


def wasserstein_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return fake.mean() - real.mean()


def wasserstein_generator(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def hinge_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def gradient_penalty(discriminate: Callable, real: torch.Tensor, fake: torch.Tensor,
                     condition) -> torch.Tensor:
    """WGAN-GP penalty: (||grad D(x_hat)|| - 1)^2 on random real/fake interpolates.

    The norm is taken over everything one score depends on (a pack of rows when the
    discriminator packs several samples into one decision).
    """
    shape = (len(real),) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = discriminate(mixed, condition)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grads.reshape(len(scores), -1).norm(dim=1)
    return ((norms - 1.0) ** 2).mean()


def r1_penalty(discriminate: Callable, real: torch.Tensor, fake: torch.Tensor,
               condition) -> torch.Tensor:
    """R1: the squared norm of the gradient of the scores of real images, halved.

    It pulls the discriminator's gradient to zero on the data, which keeps the
    non-saturating game from oscillating (Mescheder et al., 2018); the halving makes
    ``gradient_penalty`` StyleGAN2's gamma. Real images only: ``fake`` is unused.
    """
    real = real.detach().requires_grad_(True)
    scores = discriminate(real, condition)
    (grads,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return 0.5 * grads.float().pow(2).reshape(len(real), -1).sum(dim=1).mean()


@dataclass(frozen=True)
class Objective:
    """An adversarial loss and the optimiser settings it is known to train with."""

    name: str
    discriminator_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator_loss: Callable[[torch.Tensor], torch.Tensor]
    optimizer: str  # "adam" or "rmsprop"
    learning_rate: float
    discriminator_steps: int = 1
    # The weight of ``penalty`` in the discriminator's loss (0: no penalty).
    gradient_penalty: float = 0.0
    weight_clip: float | None = None
    penalty: Callable | None = None
    # Adam's betas.
    betas: tuple = (0.5, 0.9)


OBJECTIVES = {
    "bce": Objective("bce", bce_discriminator, bce_generator, "adam", 2e-4),
    "wgan": Objective("wgan", wasserstein_discriminator, wasserstein_generator, "rmsprop", 5e-5,
                      discriminator_steps=5, weight_clip=0.01),
    "wgan-gp": Objective("wgan-gp", wasserstein_discriminator, wasserstein_generator, "adam", 2e-4,
                         gradient_penalty=10.0, penalty=gradient_penalty),
    "hinge": Objective("hinge", hinge_discriminator, wasserstein_generator, "adam", 2e-4),
    # StyleGAN2's learning rate and betas; a gamma of 1 suits small images (StyleGAN2-ADA
    # used 0.01 to 1 at 32x32, up to 10 at 1024x1024).
    "r1": Objective("r1", bce_discriminator, bce_generator, "adam", 2e-3, gradient_penalty=1.0,
                    penalty=r1_penalty, betas=(0.0, 0.99)),
}
