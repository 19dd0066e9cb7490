"""The SNGAN-style recipe (the default for scarce data): the DCGAN generator with
class-conditional batch norm, and a spectrally normalised projection discriminator.

- Generator: :class:`~synthaug.nn.image.Generator` with class-conditional batch norm
  as well as the label input (Dumoulin et al.; Miyato & Koyama, 2018).
- Discriminator: spectrally normalised convolutions (Miyato et al., 2018) over the
  image and label planes, a minibatch standard deviation channel (Karras et al., 2018)
  and a projection head for the label (Miyato & Koyama, 2018).
- Training: hinge loss, an exponential moving average of the generator's weights for
  sampling, differentiable augmentation (colour, translation, cutout) of every image
  the discriminator sees.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from synthaug._recipes import Recipe
from synthaug.nn.augment import POLICIES
from synthaug.nn.image import LABEL_PLANES, Generator, ImageGANConfig, with_label_planes

# Images per group of the discriminator's minibatch standard deviation.
STDDEV_GROUP = 4


def minibatch_stddev(h: torch.Tensor, group: int = STDDEV_GROUP) -> torch.Tensor:
    """Append one channel: the features' standard deviation across groups of images.

    Consecutive images form a group (Karras et al., 2018), so real and fake images
    scored in one pass, one batch after the other, do not share groups. A group of
    identical images scores 0 there, so the discriminator can see a generator that
    ignores its noise. ``group`` shrinks to a divisor of the batch size.
    """
    while len(h) % group:
        group -= 1
    grouped = h.reshape(-1, group, *h.shape[1:]).float()
    spread = grouped.var(dim=1, unbiased=False).add(1e-8).sqrt().mean(dim=(1, 2, 3))
    spread = spread.repeat_interleave(group).to(h.dtype)
    return torch.cat([h, spread[:, None, None, None].expand(-1, 1, *h.shape[2:])], dim=1)


class ProjectionDiscriminator(nn.Module):
    """(B, channels, size, size) images + (B,) labels -> (B,) scores.

    Spectrally normalised convolutions from the image and label planes down to 4x4, a
    minibatch standard deviation channel and one more convolution there, global sum
    pooling, and a score ``linear(h) + <embed(label), h>`` (the projection head).

    The label planes are not part of the published projection discriminator: with the
    projection head alone, a few hundred training steps on 50 digits per class gave
    one image per class (the generator ignored its noise); with the planes as well the
    samples varied again, and agreed with their labels as often.
    """

    def __init__(self, config: ImageGANConfig):
        super().__init__()
        levels = config.levels()[::-1]  # canvas resolution first
        self.planes = nn.Embedding(config.n_classes, LABEL_PLANES)
        layers = [spectral_norm(nn.Conv2d(config.channels + LABEL_PLANES, levels[0][1], 3,
                                          padding=1)),
                  nn.LeakyReLU(0.1)]
        for (_, c_in), (_, c_out) in zip(levels, levels[1:]):
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1)),
                       nn.LeakyReLU(0.1)]
        self.body = nn.Sequential(*layers)
        features = levels[-1][1]
        self.last = spectral_norm(nn.Conv2d(features + 1, features, 3, padding=1))
        self.score = spectral_norm(nn.Linear(features, 1))
        self.embed = spectral_norm(nn.Embedding(config.n_classes, features))

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = minibatch_stddev(self.body(with_label_planes(images, self.planes(labels))))
        h = F.leaky_relu(self.last(h), 0.1).sum(dim=(2, 3))
        return self.score(h).squeeze(1) + (self.embed(labels) * h).sum(dim=1)


def networks(config: ImageGANConfig) -> tuple[nn.Module, nn.Module]:
    return Generator(config, conditional_norm=True), ProjectionDiscriminator(config)


RECIPE = Recipe(name="sngan", batch_size=64, loss="hinge", fidelity=False,
                diff_augment=",".join(POLICIES), ema_decay=0.999, mixed_precision=True,
                networks=networks)
