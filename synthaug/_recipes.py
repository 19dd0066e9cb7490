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

    def choose(self, params: dict) -> dict:
        """The estimator's ``batch_size``, ``loss``, ``diff_augment``, ``ema_decay`` and
        ``fidelity``, with ``"auto"`` replaced by this recipe's choice."""
        own = {"batch_size": self.batch_size, "loss": self.loss,
               "diff_augment": self.diff_augment, "ema_decay": self.ema_decay,
               "fidelity": self.fidelity}
        return {name: own[name] if params[name] == "auto" else params[name] for name in own}
