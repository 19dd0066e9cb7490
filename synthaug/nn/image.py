"""Conditional convolutional GANs for images: shapes in, shapes out.

Images are ``(B, C, H, W)`` floats in [-1, 1]. The networks work on a square
*canvas* of ``size`` pixels, the smallest power of two (8 to 128) that holds
``H x W``; :meth:`ImageGAN.pad` centres images on it and :meth:`ImageGAN.crop`
cuts them back out. The generator's pixels outside the image are overwritten with
the padding value before the discriminator sees them, so it spends no effort on them.

The generator body here is DCGAN's (Radford et al., 2016): transposed convolutions
with batch norm and ReLU; the label enters as a learned embedding concatenated to the
noise and, optionally, through class-conditional batch norm (Dumoulin et al.; Miyato &
Koyama, 2018). The discriminators and the recipes that pair them with it live in
their own modules (:mod:`synthaug.nn.dcgan`, :mod:`synthaug.nn.sngan`);
:class:`ImageGAN` wraps a recipe's generator and discriminator with what every image
recipe shares: the canvas, differentiable augmentation of every image the
discriminator sees (:mod:`synthaug.nn.augment`), an optional exponential moving
average of the generator's weights for sampling (Yazici et al., 2019) and batch-norm
calibration of the sampling generator.

Widths: the canvas-resolution layer has ``width`` channels and every halving of the
resolution doubles them, up to ``8 * width``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from synthaug._conditioning import Condition
from synthaug.nn.augment import augment
from synthaug.nn.average import AveragedGenerator

MIN_SIDE, MAX_SIDE = 8, 128
# The value the canvas is padded with (the darkest pixel), and the width of the label
# embeddings (the generator's, and the planes discriminators see beside the image).
PAD_VALUE = -1.0
LABEL_PLANES = 16


def canvas_size(height: int, width: int) -> int:
    """The smallest power of two, at least 8, that holds ``height`` and ``width``."""
    size = MIN_SIDE
    while size < max(height, width):
        size *= 2
    return size


@dataclass(frozen=True)
class ImageGANConfig:
    """Sizes of an image GAN. ``label_column`` is the condition column holding the class
    (``None``: a model fit without labels, whose every image is of class 0); ``donors``
    the training images a translation model keeps (0 for the others)."""

    height: int
    width: int
    channels: int
    n_classes: int
    label_column: int | None = 0
    noise_dim: int = 128
    base_width: int = 64
    augment: tuple = ()
    ema_decay: float | None = None
    donors: int = 0

    @property
    def size(self) -> int:
        return canvas_size(self.height, self.width)

    def levels(self) -> list[tuple[int, int]]:
        """(resolution, channels) from 4x4 up to the canvas: each doubles the side."""
        resolutions = [4]
        while resolutions[-1] < self.size:
            resolutions.append(resolutions[-1] * 2)
        return [(r, self.base_width * min(8, self.size // r)) for r in resolutions]


# ---------------------------------------------------------------- generator


class ConditionalNorm(nn.Module):
    """A normalisation without its own affine parameters (``norm``) followed by a gain and
    bias looked up per class."""

    def __init__(self, norm: nn.Module, channels: int, n_classes: int):
        super().__init__()
        self.norm = norm
        self.gain = nn.Embedding(n_classes, channels)
        self.bias = nn.Embedding(n_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain = self.gain(labels)[:, :, None, None]
        bias = self.bias(labels)[:, :, None, None]
        return self.norm(x) * gain + bias


def conditional_batch_norm(channels: int, n_classes: int) -> ConditionalNorm:
    """Batch norm whose gain and bias are looked up per class (one class: plain batch norm)."""
    return ConditionalNorm(nn.BatchNorm2d(channels, affine=False), channels, n_classes)


class Generator(nn.Module):
    """(B, noise_dim) noise + (B,) labels -> (B, channels, size, size) in [-1, 1].

    DCGAN's body: a 4x4 transposed convolution from the input vector, then stride-2
    transposed convolutions that double the side, each followed by batch norm and
    ReLU, and a tanh image. The label joins the noise as a learned embedding and,
    with ``conditional_norm=True``, also sets every batch norm's gain and bias
    (class-conditional batch norm).
    """

    def __init__(self, config: ImageGANConfig, conditional_norm: bool):
        super().__init__()
        levels = config.levels()
        self.conditional_norm = conditional_norm
        self.embed = nn.Embedding(config.n_classes, LABEL_PLANES)
        in_dim = config.noise_dim + LABEL_PLANES
        channels = [c for _, c in levels[:-1]]
        self.convs = nn.ModuleList(
            [nn.ConvTranspose2d(in_dim, channels[0], 4, bias=False)]
            + [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False)
               for c_in, c_out in zip(channels, channels[1:])])
        norm_classes = config.n_classes if conditional_norm else 1
        self.norms = nn.ModuleList(conditional_batch_norm(c, norm_classes) for c in channels)
        self.to_image = nn.ConvTranspose2d(channels[-1], config.channels, 4, stride=2, padding=1)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([noise, self.embed(labels)], dim=1)[:, :, None, None]
        norm_labels = labels if self.conditional_norm else torch.zeros_like(labels)
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x), norm_labels))
        return torch.tanh(self.to_image(x))


# ---------------------------------------------------------------- discriminators


def with_label_planes(images: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
    """Concatenate a (B, k) label embedding to (B, C, H, W) images as k constant planes."""
    planes = embedding[:, :, None, None].expand(-1, -1, *images.shape[2:])
    return torch.cat([images, planes.to(images.dtype)], dim=1)


# ---------------------------------------------------------------- the model


class ImageGAN(AveragedGenerator, nn.Module):
    """A recipe's generator and discriminator, and (optionally) the generator's moving average.

    Meets the training loop's :class:`~synthaug._training.GANModel` on canvas-sized
    images; :meth:`sample` makes images of the input's size for the sampling path.
    ``generator(noise, labels)`` maps ``(B, noise_dim)`` noise and ``(B,)`` class
    indices to ``(B, C, size, size)`` images in [-1, 1]; ``discriminator(images,
    labels)`` gives ``(B,)`` scores.
    """

    # Images generated per forward pass when sampling.
    sample_batch = 256

    def __init__(self, config: ImageGANConfig, generator: nn.Module, discriminator: nn.Module):
        super().__init__()
        self.config = config
        self.generator = generator
        self.discriminator = discriminator
        self.keep_average(config.ema_decay)
        size = config.size
        self.top, self.left = (size - config.height) // 2, (size - config.width) // 2
        inside = torch.zeros(1, 1, size, size, dtype=torch.bool)
        inside[..., self.top : self.top + config.height, self.left : self.left + config.width] = True
        self.register_buffer("inside", inside, persistent=False)

    def _labels(self, condition: Condition) -> torch.Tensor:
        """Class index per image (class 0 for a model fit without labels)."""
        if self.config.label_column is None:
            return torch.zeros(len(condition), dtype=torch.long, device=condition.codes.device)
        return condition.codes[:, self.config.label_column]

    def _noise(self, n: int, device: torch.device) -> torch.Tensor:
        return torch.randn(n, self.config.noise_dim, device=device)

    def pad(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, C, size, size), centred, padded with the darkest value."""
        size, (height, width) = self.config.size, images.shape[2:]
        if (height, width) != (size, size):
            images = F.pad(images, (self.left, size - width - self.left,
                                    self.top, size - height - self.top), value=PAD_VALUE)
        return images.contiguous(memory_format=self.memory_format)

    def crop(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, size, size) -> (B, C, H, W)."""
        return images[..., self.top : self.top + self.config.height,
                      self.left : self.left + self.config.width]

    @property
    def memory_format(self) -> torch.memory_format:
        """Channels-last on CUDA (faster convolutions), the default layout elsewhere."""
        cuda = self.inside.device.type == "cuda"
        return torch.channels_last if cuda else torch.contiguous_format

    def generate(self, condition: Condition) -> tuple[torch.Tensor, torch.Tensor]:
        """Fake canvas-sized images for a batch of conditions (no auxiliary loss)."""
        labels = self._labels(condition)
        fake = self.generator(self._noise(len(labels), labels.device), labels)
        fake = torch.where(self.inside, fake, PAD_VALUE)
        return fake, fake.new_zeros((), dtype=torch.float32)

    def discriminate(self, images: torch.Tensor, condition: Condition) -> torch.Tensor:
        """Scores (float32) of canvas-sized images; augmented while training."""
        if self.training and self.config.augment:
            images = augment(images, self.config.augment)
        return self.discriminator(images, self._labels(condition)).float()

    def run_generator(self, generator: nn.Module, condition: Condition) -> torch.Tensor:
        labels = self._labels(condition)
        return generator(self._noise(len(labels), labels.device), labels)

    def sample(self, condition: Condition) -> torch.Tensor:
        """Images of the input's size ``(B, C, H, W)`` from the sampling generator."""
        return self.crop(self.run_generator(self.sampling_generator(), condition))
