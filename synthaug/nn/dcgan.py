"""The classic conditional DCGAN recipe (Radford et al., 2016), a baseline.

- Generator: :class:`~synthaug.nn.image.Generator` (transposed convolutions, batch norm,
  ReLU; the label as a learned embedding concatenated to the noise).
- Discriminator: strided convolutions with LeakyReLU over the image and label planes.
- Training: the non-saturating minimax loss; no augmentation, no moving average.
"""

from __future__ import annotations

import torch
from torch import nn

from synthaug._recipes import Recipe
from synthaug.nn.image import LABEL_PLANES, Generator, ImageGANConfig, with_label_planes


class DCGANDiscriminator(nn.Module):
    """[image, label planes] -> strided convs with LeakyReLU -> (B,) logits."""

    def __init__(self, config: ImageGANConfig):
        super().__init__()
        levels = config.levels()[::-1]
        self.embed = nn.Embedding(config.n_classes, LABEL_PLANES)
        layers, in_channels = [], config.channels + LABEL_PLANES
        for (_, c_in), (_, c_out) in zip(levels, levels[1:]):
            layers += [nn.Conv2d(in_channels, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            in_channels = c_out
        layers.append(nn.Conv2d(in_channels, 1, 4))
        self.body = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.body(with_label_planes(images, self.embed(labels))).flatten()


def networks(config: ImageGANConfig) -> tuple[nn.Module, nn.Module]:
    return Generator(config, conditional_norm=False), DCGANDiscriminator(config)


RECIPE = Recipe(name="dcgan", batch_size=64, loss="bce", fidelity=False, mixed_precision=True,
                networks=networks)
