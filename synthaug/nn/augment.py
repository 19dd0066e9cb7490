"""Differentiable augmentation of image batches (the DiffAugment idea, written anew).

Every op draws its own random parameters per image and is built from tensor ops
that gradients flow through, so the same augmentation can be applied to real and
fake images in both the discriminator and the generator step: the discriminator
never sees an un-augmented image, and the generator is not pushed to reproduce
the augmentation (Zhao et al., 2020, "Differentiable Augmentation for
Data-Efficient GAN Training"). Images are ``(B, C, H, W)`` in [-1, 1].

- ``"color"``: brightness shift, saturation (colour images) and contrast scale;
- ``"translation"``: shift by up to 1/8 of the side, filling with zeros;
- ``"cutout"``: one zeroed square of half the side at a random place.
"""

from __future__ import annotations

import torch

POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _uniform(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """One random factor per image, shaped to broadcast over (C, H, W)."""
    return torch.empty(len(x), 1, 1, 1, device=x.device, dtype=x.dtype).uniform_(low, high)


def color(x: torch.Tensor) -> torch.Tensor:
    x = x + _uniform(x, -0.5, 0.5)
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * _uniform(x, 0.0, 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(x, 0.5, 1.5) + mean


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Shift each image by a random whole number of pixels; vacated pixels become 0."""
    batch, _, height, width = x.shape
    reach_y, reach_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_y = torch.randint(-reach_y, reach_y + 1, (batch, 1, 1), device=x.device)
    shift_x = torch.randint(-reach_x, reach_x + 1, (batch, 1, 1), device=x.device)
    # Source row/column of every output pixel, in a copy padded by one zero pixel.
    rows = (torch.arange(height, device=x.device).view(1, -1, 1) - shift_y).clamp(-1, height) + 1
    cols = (torch.arange(width, device=x.device).view(1, 1, -1) - shift_x).clamp(-1, width) + 1
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    images = torch.arange(batch, device=x.device).view(-1, 1, 1)
    return padded.permute(0, 2, 3, 1)[images, rows, cols].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Zero one square (``ratio`` of each side) per image, centred anywhere in it."""
    batch, _, height, width = x.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height + 1 - size_y % 2, (batch, 1, 1), device=x.device) - size_y // 2
    left = torch.randint(0, width + 1 - size_x % 2, (batch, 1, 1), device=x.device) - size_x // 2
    rows = torch.arange(height, device=x.device).view(1, -1, 1) - top
    cols = torch.arange(width, device=x.device).view(1, 1, -1) - left
    inside = (rows >= 0) & (rows < size_y) & (cols >= 0) & (cols < size_x)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_OPS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str | None) -> tuple[str, ...]:
    """``"color,translation"`` -> ``("color", "translation")``; ``None`` or ``""`` -> ``()``."""
    if not policy:
        return ()
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    unknown = [name for name in names if name not in _OPS]
    if unknown:
        raise ValueError(
            f"diff_augment={policy!r} names {unknown}; the augmentations are "
            f"{', '.join(POLICIES)} (comma-separated), or None for none."
        )
    return names


def augment(x: torch.Tensor, policy: tuple[str, ...]) -> torch.Tensor:
    """Apply the ops of ``policy`` in order, each with fresh random parameters per image."""
    for name in policy:
        x = _OPS[name](x)
    return x
