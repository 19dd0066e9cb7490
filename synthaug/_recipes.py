"""Recipes: what each backbone's ``"auto"`` parameters become, in one place per backbone.

A recipe names the settings a backbone is known to train well with: the batch size,
the adversarial objective, whether a fidelity report is attached after ``fit`` and,
for images, the differentiable augmentations, the moving average of the generator's
weights and the networks themselves. Each backbone module defines its recipe next to
its networks (``synthaug.nn.tabular.RECIPE``, ``synthaug.nn.sngan.RECIPE``, ...), and
:mod:`synthaug.nn` lists them; a new image recipe is one module plus one entry there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

# Epochs of a fit at ``epochs="auto"`` (at least; see Recipe.min_steps).
EPOCHS = 300
# ``batch_size="auto"`` on small data (see Recipe.min_batch_size): an epoch of at least
# this many steps.
SMALL_DATA_STEPS = 4


@dataclass(frozen=True)
class Recipe:
    """The ``"auto"`` choices of one backbone.

    ``networks``, for image recipes, builds ``(generator, discriminator)`` from an
    :class:`~synthaug.nn.image.ImageGANConfig`; ``model`` wraps them as the training
    loop's model (``None``: :class:`~synthaug.nn.image.ImageGAN`). ``translates``
    declares a translation model: its generator maps real images into a class
    (``GANAugmenter.translate``), and the model keeps its training images to sample by
    translating them.
    """

    name: str
    batch_size: int
    loss: str
    fidelity: bool
    # ``epochs="auto"``: EPOCHS, or more for small data, so that a fit takes at least
    # this many steps.
    min_steps: int = 0
    # ``batch_size="auto"`` on fewer than SMALL_DATA_STEPS * batch_size samples: a
    # SMALL_DATA_STEPS-th of them a step, but not fewer than this (0: always batch_size).
    min_batch_size: int = 0
    diff_augment: str | None = None
    ema_decay: float | None = None
    # bf16 autocast for the forward passes on CUDA (convolutions gain; small MLPs do not).
    mixed_precision: bool = False
    networks: Callable[[Any], tuple] | None = None
    model: Callable | None = None
    translates: bool = False

    def epochs(self, epochs: int | str, steps_per_epoch: int) -> int:
        """The estimator's ``epochs``, ``"auto"`` replaced by this recipe's choice for
        ``steps_per_epoch``."""
        if epochs != "auto":
            return epochs
        return max(EPOCHS, -(-self.min_steps // steps_per_epoch))

    def choose(self, params: dict, samples: int | None = None) -> dict:
        """The estimator's ``batch_size``, ``loss``, ``diff_augment``, ``ema_decay`` and
        ``fidelity``, with ``"auto"`` replaced by this recipe's choice for ``samples``
        training samples (``None``: as many as make no difference, for the choices
        other than ``batch_size``)."""
        batch_size = self.batch_size
        if self.min_batch_size and samples is not None:
            batch_size = min(batch_size, max(self.min_batch_size, -(-samples // SMALL_DATA_STEPS)))
        own = {"batch_size": batch_size, "loss": self.loss,
               "diff_augment": self.diff_augment, "ema_decay": self.ema_decay,
               "fidelity": self.fidelity}
        return {name: own[name] if params[name] == "auto" else params[name] for name in own}
