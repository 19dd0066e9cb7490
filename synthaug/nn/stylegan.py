"""The StyleGAN2-style recipe (Karras et al., 2019 and 2020), small enough for a CPU.

- Generator: a mapping network turns the noise and the class (a learned embedding,
  both normalised, as in StyleGAN2-ADA's conditional model) into a style vector ``w``;
  the synthesis network starts from a learned constant 4x4 input and, per resolution,
  upsamples and applies two modulated and demodulated 3x3 convolutions, each followed
  by per-pixel noise (scaled by a learned strength per layer), a bias and a leaky ReLU;
  every resolution adds its 1x1 "toRGB" output to the upsampled image so far (the skip
  architecture). Weights use the equalised learning rate, the mapping network a
  hundredth of it.
- Style mixing: while training, 90% of the images take the styles of a second noise
  vector (of the same class) from a random layer on, so that layers do not rely on
  their neighbours' styles.
- Discriminator: residual blocks of two 3x3 convolutions (the second one after 2x2
  average pooling) with a pooled 1x1 skip, a minibatch standard deviation channel at
  4x4, and a projection head for the class (as the other recipes' discriminators, it
  also sees the class as label planes beside the image).
- Training: the non-saturating loss with an R1 penalty (``loss="r1"``, gamma 1, on
  every step: StyleGAN2's lazy penalty, every 16th step, would need a step counter in
  the loss), StyleGAN2's Adam settings, an exponential moving average of the
  generator for sampling, and differentiable augmentation (translation and cutout)
  of every image the discriminator sees. DiffAugment, not ADA: its fixed
  augmentations need no feedback loop, and they are what the other recipes use.

Widths: ``conv_width / 2`` channels at the canvas resolution, doubling at every
halving up to ``2 * conv_width`` (see :func:`widths`). At ``conv_width=64`` (the
estimator's default) a 28x28 model has 0.8 M generator and 0.9 M discriminator
weights; on a GPU, ``conv_width=128`` or more.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from synthaug._recipes import Recipe
from synthaug.nn.image import LABEL_PLANES, ImageGANConfig, with_label_planes
from synthaug.nn.sngan import minibatch_stddev

# Layers of the mapping network, and the share of training images whose styles mix.
MAPPING_LAYERS = 2
MIXING_PROBABILITY = 0.9
# The mapping network learns at this fraction of the learning rate (StyleGAN's 0.01).
MAPPING_LR = 0.01
# Leaky ReLU slope, and the gain that keeps activations' variance after it.
SLOPE, GAIN = 0.2, math.sqrt(2)


def widths(config: ImageGANConfig) -> list[tuple[int, int]]:
    """(resolution, channels) from 4x4 to the canvas: half of ``base_width`` at the
    canvas, doubling at every halving, at most twice ``base_width``. Half the other
    recipes' widths: two convolutions per resolution, and the R1 penalty's second
    derivatives, cost more per channel."""
    half = max(4, config.base_width // 2)
    return [(r, half * min(4, config.size // r)) for r, _ in config.levels()]


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Scale each row to unit mean square (StyleGAN's normalisation of its inputs)."""
    return x * x.square().mean(dim=1, keepdim=True).add(1e-8).rsqrt()


class EqualLinear(nn.Module):
    """A linear layer with the equalised learning rate: weights drawn from N(0, 1/lr_mul)
    and scaled at run time, so that Adam's steps are alike for every layer."""

    def __init__(self, d_in: int, d_out: int, bias_init: float = 0.0, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(d_out, d_in) / lr_mul)
        self.bias = nn.Parameter(torch.full((d_out,), bias_init / lr_mul))
        self.weight_gain, self.lr_mul = lr_mul / math.sqrt(d_in), lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_mul)


class EqualConv(nn.Module):
    """A convolution with the equalised learning rate (see :class:`EqualLinear`)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(c_out)) if bias else None
        self.weight_gain = 1 / math.sqrt(c_in * kernel * kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.weight_gain, self.bias,
                        padding=self.weight.shape[-1] // 2)


class MappingNetwork(nn.Module):
    """(B, noise_dim) noise + (B,) labels -> (B, style_dim) styles ``w``."""

    def __init__(self, noise_dim: int, n_classes: int, style_dim: int):
        super().__init__()
        self.embed = nn.Embedding(n_classes, style_dim)
        dims = [noise_dim + style_dim] + [style_dim] * MAPPING_LAYERS
        self.layers = nn.ModuleList(EqualLinear(a, b, lr_mul=MAPPING_LR)
                                    for a, b in zip(dims, dims[1:]))

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([normalize(noise), normalize(self.embed(labels))], dim=1)
        for layer in self.layers:
            x = F.leaky_relu(layer(x), SLOPE) * GAIN
        return x


class ModulatedConv(nn.Module):
    """A convolution whose input channels are scaled per image by an affine map of the
    style (modulation) and whose output channels are rescaled to unit expected variance
    (demodulation), StyleGAN2's replacement for AdaIN.

    Computed as scale -> shared convolution -> rescale, which equals convolving each
    image with its own modulated weights and needs no grouped convolution.
    """

    def __init__(self, c_in: int, c_out: int, style_dim: int, kernel: int, demodulate: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel))
        self.affine = EqualLinear(style_dim, c_in, bias_init=1.0)
        self.weight_gain = 1 / math.sqrt(c_in * kernel * kernel)
        self.demodulate = demodulate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # (B, c_in)
        weight = self.weight * self.weight_gain
        x = F.conv2d(x * styles[:, :, None, None], weight, padding=weight.shape[-1] // 2)
        if self.demodulate:
            # The norm of each image's modulated weights per output channel:
            # sum over c_in and the kernel of (weight * style)^2.
            energy = styles.square() @ weight.square().sum(dim=(2, 3)).t()  # (B, c_out)
            x = x * energy.add(1e-8).rsqrt()[:, :, None, None]
        return x


class SynthesisLayer(nn.Module):
    """Modulated 3x3 convolution, per-pixel noise, bias, leaky ReLU."""

    def __init__(self, c_in: int, c_out: int, style_dim: int):
        super().__init__()
        self.conv = ModulatedConv(c_in, c_out, style_dim, 3, demodulate=True)
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        x = self.conv(x, w)
        noise = torch.randn(len(x), 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        x = x + noise * self.noise_strength + self.bias[:, None, None]
        return F.leaky_relu(x, SLOPE) * GAIN


class StyleGenerator(nn.Module):
    """(B, noise_dim) noise + (B,) labels -> (B, channels, size, size) images.

    Styles: one ``w`` per synthesis layer and toRGB output (the same ``w`` for all,
    except where style mixing swaps in a second one from a random layer on, in
    training only).
    """

    def __init__(self, config: ImageGANConfig):
        super().__init__()
        levels = widths(config)
        style_dim = levels[0][1]
        self.mapping = MappingNetwork(config.noise_dim, config.n_classes, style_dim)
        self.constant = nn.Parameter(torch.randn(1, levels[0][1], 4, 4))
        self.layers = nn.ModuleList([SynthesisLayer(levels[0][1], levels[0][1], style_dim)])
        self.to_image = nn.ModuleList([ModulatedConv(levels[0][1], config.channels, style_dim, 1,
                                                     demodulate=False)])
        for (_, c_in), (_, c_out) in zip(levels, levels[1:]):
            self.layers.extend([SynthesisLayer(c_in, c_out, style_dim),
                                SynthesisLayer(c_out, c_out, style_dim)])
            self.to_image.append(ModulatedConv(c_out, config.channels, style_dim, 1,
                                               demodulate=False))
        self.image_bias = nn.Parameter(torch.zeros(len(self.to_image), config.channels))

    @property
    def n_styles(self) -> int:
        return len(self.layers) + 1  # a style per layer, and one for the last toRGB

    def styles(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(B, n_styles, style_dim): the styles of every layer, mixed in training."""
        w = self.mapping(noise, labels)[:, None].expand(-1, self.n_styles, -1)
        if not self.training:
            return w
        other = self.mapping(torch.randn_like(noise), labels)[:, None]
        # Per image, the first layer that takes the second style (n_styles: none does).
        cutoff = torch.randint(1, self.n_styles, (len(noise), 1), device=noise.device)
        mixed = torch.rand(len(noise), 1, device=noise.device) < MIXING_PROBABILITY
        cutoff = torch.where(mixed, cutoff, self.n_styles)
        layer = torch.arange(self.n_styles, device=noise.device)[None]
        return torch.where((layer >= cutoff)[:, :, None], other, w)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        ws = self.styles(noise, labels)
        x = self.layers[0](self.constant.expand(len(noise), -1, -1, -1), ws[:, 0])
        image = self.to_image[0](x, ws[:, 1]) + self.image_bias[0][:, None, None]
        for level, to_image in enumerate(self.to_image[1:], start=1):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.layers[2 * level - 1](x, ws[:, 2 * level - 1])
            x = self.layers[2 * level](x, ws[:, 2 * level])
            image = F.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False)
            image = image + to_image(x, ws[:, 2 * level + 1]) \
                + self.image_bias[level][:, None, None]
        return image


class ResidualBlock(nn.Module):
    """3x3 conv, leaky ReLU, 2x2 average pool, 3x3 conv, leaky ReLU; plus a pooled 1x1 skip."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv1, self.conv2 = EqualConv(c_in, c_in, 3), EqualConv(c_in, c_out, 3)
        self.skip = EqualConv(c_in, c_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.conv1(x), SLOPE) * GAIN
        h = F.leaky_relu(self.conv2(F.avg_pool2d(h, 2)), SLOPE) * GAIN
        return (h + self.skip(F.avg_pool2d(x, 2))) / math.sqrt(2)


class StyleDiscriminator(nn.Module):
    """(B, channels, size, size) images + (B,) labels -> (B,) logits."""

    def __init__(self, config: ImageGANConfig):
        super().__init__()
        levels = widths(config)[::-1]  # canvas resolution first
        self.planes = nn.Embedding(config.n_classes, LABEL_PLANES)
        self.from_image = EqualConv(config.channels + LABEL_PLANES, levels[0][1], 1)
        self.blocks = nn.Sequential(*(ResidualBlock(c_in, c_out)
                                      for (_, c_in), (_, c_out) in zip(levels, levels[1:])))
        features = levels[-1][1]
        self.last = EqualConv(features + 1, features, 3)
        self.dense = EqualLinear(features * 16, features)
        self.score = EqualLinear(features, 1)
        self.embed = nn.Embedding(config.n_classes, features)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = with_label_planes(images, self.planes(labels))
        x = F.leaky_relu(self.from_image(x), SLOPE) * GAIN
        x = minibatch_stddev(self.blocks(x))
        x = F.leaky_relu(self.last(x), SLOPE) * GAIN
        h = F.leaky_relu(self.dense(x.flatten(1)), SLOPE) * GAIN
        # The projection head: how well the features match the class's embedding.
        projection = (self.embed(labels) * h).sum(dim=1) / math.sqrt(h.shape[1])
        return self.score(h).squeeze(1) + projection


def networks(config: ImageGANConfig) -> tuple[nn.Module, nn.Module]:
    return StyleGenerator(config), StyleDiscriminator(config)


# No bf16 autocast: the R1 penalty's second derivatives want float32.
RECIPE = Recipe(name="stylegan", batch_size=32, loss="r1", fidelity=False,
                diff_augment="translation,cutout", ema_decay=0.999, mixed_precision=False,
                networks=networks)
