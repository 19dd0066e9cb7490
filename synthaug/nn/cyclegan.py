"""The CycleGAN-style recipe: unpaired translation of real images from class to class.

One generator and one discriminator for every pair of classes, both conditioned on
the *target* class (as StarGAN, Choi et al. 2018, extends CycleGAN, Zhu et al. 2017, to
many domains). Images made this way keep the variety of the real ones they come from
(pose, stroke, position), which a generator from noise must learn on its own.

- Generator: :class:`TranslationGenerator`, an encoder-residual-decoder network
  (CycleGAN's) over the image and label planes of the target class, with
  class-conditional instance norm.
- Discriminator: the SNGAN recipe's spectrally normalised projection discriminator
  (:class:`~synthaug.nn.sngan.ProjectionDiscriminator`), at half the width, which
  scores whether an image is a real one of the class it is paired with.
- Training (:class:`TranslationGAN`): per step, images of other classes than each
  target are drawn from the training images the model keeps, translated into the
  target class and scored by the discriminator (hinge loss, differentiable
  translation and cutout); translated back into their own class they must give the
  originals (cycle consistency, L1, weight :data:`CYCLE_WEIGHT`), and images already
  of the target class must come through unchanged (identity, weight
  :data:`IDENTITY_WEIGHT`). An exponential moving average of the generator translates.

Sampling translates randomly drawn training images of other classes than the one
asked for: the model keeps its training images (in float16, in the model file too).

Widths: ``conv_width / 2`` channels at the canvas resolution, doubled by each of up
to two stride-2 convolutions; the residual blocks work at the smallest resolution.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from synthaug._conditioning import Condition
from synthaug._recipes import Recipe
from synthaug.nn.image import (LABEL_PLANES, PAD_VALUE, ConditionalNorm, ImageGAN, ImageGANConfig,
                               with_label_planes)
from synthaug.nn.sngan import ProjectionDiscriminator

# Lighter than CycleGAN's 10 and 5, which keep a translation too close to its source
# when the classes differ in shape: on 8x8 digits of ten classes (50 each, 20 epochs,
# conv_width=16), 38% of sampled images were of the class asked for with 10 and 5,
# 99% with 2 and 0.5 (by a logistic regression of the real digits), equally varied.
CYCLE_WEIGHT, IDENTITY_WEIGHT = 5.0, 1.0
RESIDUAL_BLOCKS = 3
# The most stride-2 convolutions in the encoder (each halves the side, down to 4x4).
MAX_DOWNSAMPLING = 2


def conditional_instance_norm(channels: int, n_classes: int) -> ConditionalNorm:
    """Instance norm whose gain and bias are looked up per target class."""
    return ConditionalNorm(nn.InstanceNorm2d(channels, affine=False), channels, n_classes)


class ResidualBlock(nn.Module):
    """x + norm(conv(relu(norm(conv(x))))), both norms conditioned on the target class."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm1 = conditional_instance_norm(channels, n_classes)
        self.norm2 = conditional_instance_norm(channels, n_classes)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.norm1(self.conv1(x), labels))
        return x + self.norm2(self.conv2(h), labels)


class TranslationGenerator(nn.Module):
    """(B, channels, size, size) images in [-1, 1] + (B,) target labels -> images of the
    same shape, in [-1, 1], of the target classes."""

    def __init__(self, config: ImageGANConfig):
        super().__init__()
        n_classes, width = config.n_classes, max(4, config.base_width // 2)
        downs = min(MAX_DOWNSAMPLING, config.size.bit_length() - 3)  # 8 -> 1, 16+ -> 2
        channels = [width * 2**i for i in range(downs + 1)]
        self.embed = nn.Embedding(n_classes, LABEL_PLANES)
        self.stem = nn.Conv2d(config.channels + LABEL_PLANES, width, 3, padding=1)
        self.norms = nn.ModuleList([conditional_instance_norm(width, n_classes)])
        self.down = nn.ModuleList(nn.Conv2d(a, b, 4, stride=2, padding=1)
                                  for a, b in zip(channels, channels[1:]))
        self.norms.extend(conditional_instance_norm(c, n_classes) for c in channels[1:])
        self.blocks = nn.ModuleList(ResidualBlock(channels[-1], n_classes)
                                    for _ in range(RESIDUAL_BLOCKS))
        self.up = nn.ModuleList(nn.Conv2d(b, a, 3, padding=1)
                                for a, b in zip(channels[::-1][1:], channels[::-1]))
        self.up_norms = nn.ModuleList(conditional_instance_norm(c, n_classes)
                                      for c in channels[::-1][1:])
        self.to_image = nn.Conv2d(width, config.channels, 3, padding=1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = with_label_planes(images, self.embed(labels))
        x = F.relu(self.norms[0](self.stem(x), labels))
        for conv, norm in zip(self.down, self.norms[1:]):
            x = F.relu(norm(conv(x), labels))
        for block in self.blocks:
            x = block(x, labels)
        for conv, norm in zip(self.up, self.up_norms):
            x = F.relu(norm(conv(F.interpolate(x, scale_factor=2, mode="nearest")), labels))
        return torch.tanh(self.to_image(x))


def other_class_rows(labels: torch.Tensor, starts: torch.Tensor,
                     counts: torch.Tensor) -> torch.Tensor:
    """For each target class in ``labels``, the row of an image of another class, drawn
    uniformly from all of them, among images sorted by class (class ``k`` in rows
    ``starts[k]`` to ``starts[k] + counts[k]``). One draw per row, no rejection."""
    total = counts.sum()
    mine, first = counts[labels], starts[labels]
    others = total - mine
    # A position among the other classes' images, then skip the target's block.
    j = torch.minimum((torch.rand(len(labels), device=labels.device) * others).long(),
                      others - 1)
    return torch.where(j < first, j, j + mine)


def same_class_rows(labels: torch.Tensor, starts: torch.Tensor,
                    counts: torch.Tensor) -> torch.Tensor:
    """For each class in ``labels``, the row of an image of that class, uniformly."""
    mine = counts[labels]
    j = torch.minimum((torch.rand(len(labels), device=labels.device) * mine).long(), mine - 1)
    return starts[labels] + j


class TranslationGAN(ImageGAN):
    """An :class:`~synthaug.nn.image.ImageGAN` whose generator translates the training
    images it keeps (``config.donors`` of them) instead of decoding noise.

    The images are buffers (``donors`` in [-1, 1], float16; ``donor_labels``, sorted),
    so they travel with the weights into model files and checkpoints.
    """

    def __init__(self, config: ImageGANConfig, generator: nn.Module, discriminator: nn.Module):
        super().__init__(config, generator, discriminator)
        shape = (config.donors, config.channels, config.height, config.width)
        self.register_buffer("donors", torch.zeros(shape, dtype=torch.float16))
        self.register_buffer("donor_labels", torch.zeros(config.donors, dtype=torch.long))
        self.register_buffer("class_starts", torch.zeros(config.n_classes, dtype=torch.long))
        self.register_buffer("class_counts", torch.zeros(config.n_classes, dtype=torch.long))

    @torch.no_grad()
    def remember(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        """Keep ``(n, C, H, W)`` training images in [-1, 1] and their class indices."""
        order = torch.argsort(labels, stable=True)
        self.donors.copy_(images[order])
        self.donor_labels.copy_(labels[order])
        self.class_counts.copy_(torch.bincount(labels, minlength=self.config.n_classes))
        self.class_starts.copy_(torch.cumsum(self.class_counts, 0) - self.class_counts)

    def _other_class(self, labels: torch.Tensor) -> torch.Tensor:
        return other_class_rows(labels, self.class_starts, self.class_counts)

    def _same_class(self, labels: torch.Tensor) -> torch.Tensor:
        return same_class_rows(labels, self.class_starts, self.class_counts)

    def _kept(self, rows: torch.Tensor) -> torch.Tensor:
        """Kept images ``rows`` on the canvas, in the generator's dtype."""
        return self.pad(self.donors[rows].float())

    def _translated(self, generator: nn.Module, images: torch.Tensor,
                    labels: torch.Tensor) -> torch.Tensor:
        return torch.where(self.inside, generator(images, labels), PAD_VALUE)

    def generate(self, condition: Condition) -> tuple[torch.Tensor, torch.Tensor]:
        """Kept images of other classes translated into the condition's classes, and the
        cycle-consistency and identity losses."""
        target = self._labels(condition)
        rows = self._other_class(target)
        source, source_labels = self._kept(rows), self.donor_labels[rows]
        fake = self._translated(self.generator, source, target)
        back = self._translated(self.generator, fake, source_labels)
        same = self._kept(self._same_class(target))
        kept = self._translated(self.generator, same, target)
        aux = CYCLE_WEIGHT * F.l1_loss(back, source) + IDENTITY_WEIGHT * F.l1_loss(kept, same)
        return fake, aux.float()

    def calibrate(self, conditions: list[Condition]) -> None:
        """Nothing to do: instance norm keeps no running statistics."""

    def sample(self, condition: Condition) -> torch.Tensor:
        """Kept images of other classes translated into the condition's classes ``(B, C, H, W)``."""
        target = self._labels(condition)
        return self.translate(self._kept(self._other_class(target)), target)

    def translate(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` images in [-1, 1] (of the input's size, or on the canvas
        already) into classes ``labels``, at the input's size."""
        return self.crop(self.sampling_generator()(self.pad(images), labels))


def networks(config: ImageGANConfig) -> tuple[nn.Module, nn.Module]:
    half = dataclasses.replace(config, base_width=max(4, config.base_width // 2))
    return TranslationGenerator(config), ProjectionDiscriminator(half)


RECIPE = Recipe(name="cyclegan", batch_size=32, loss="hinge", fidelity=False,
                diff_augment="translation,cutout", ema_decay=0.999, mixed_precision=True,
                networks=networks, model=TranslationGAN, translates=True)
