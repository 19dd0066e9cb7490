"""Condition vectors and training-by-sampling, as tensor ops on the training device.

The condition vector has one one-hot block per discrete column (the class label is
one of them); an all-zero block means "not conditioned". In training, each row's
condition comes from a real row drawn by *training-by-sampling*: pick a discrete
column uniformly, pick one of its categories with probability proportional to the
log of its frequency (so rare categories and minority classes are seen often), then
pick a real row with that category. That column is always in the condition; every
other discrete column joins it with probability ``1 / n_columns``, taking the same
real row's value, so that several columns can be fixed at once at sampling time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch


@dataclass
class Condition:
    """A batch of conditions: the vector fed to the networks plus what it encodes."""

    vector: torch.Tensor  # (B, cond_dim) float
    codes: torch.Tensor  # (B, n_columns) category index per discrete column
    mask: torch.Tensor  # (B, n_columns) bool, True where the column is conditioned

    def __len__(self) -> int:
        return len(self.vector)

    def twice(self) -> "Condition":
        """The batch stacked on itself (for real and fake rows scored together)."""
        return Condition(*(torch.cat([t, t]) for t in (self.vector, self.codes, self.mask)))


@dataclass(frozen=True)
class Choice:
    """A condition met by any of several categories of a column, each row's drawn with
    probability proportional to ``weights`` (a condition on one member of a joint
    column: the combinations holding its value, by their training frequencies)."""

    codes: np.ndarray
    weights: np.ndarray

    def draw(self, n: int, device: torch.device) -> torch.Tensor:
        weights = torch.as_tensor(self.weights, dtype=torch.float32, device=device)
        picked = torch.multinomial(weights, n, replacement=True)
        return torch.as_tensor(self.codes, device=device)[picked]


class ConditionSpace:
    """The layout of condition vectors and the training frequencies of each category.

    This is all the fitted model keeps about the discrete columns: category counts
    per column, never rows.
    """

    def __init__(self, frequencies: list):
        self.frequencies = [np.asarray(f, dtype=float) for f in frequencies]
        self.n_categories = [len(f) for f in self.frequencies]
        self.offsets = np.concatenate([[0], np.cumsum(self.n_categories)[:-1]]).astype(np.int64)
        self._on_device: dict = {}

    def _tensors(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Offsets and padded frequencies on ``device``, copied there once: a copy from
        host memory on every batch would make the GPU wait for the host each step."""
        if device not in self._on_device:
            self._on_device[device] = (torch.as_tensor(self.offsets, device=device),
                                       _padded(self.frequencies, device))
        return self._on_device[device]

    @classmethod
    def from_codes(cls, codes: np.ndarray, n_categories: list) -> "ConditionSpace":
        return cls([np.bincount(codes[:, j], minlength=k) / len(codes)
                    for j, k in enumerate(n_categories)])

    @property
    def n_columns(self) -> int:
        return len(self.n_categories)

    @property
    def dim(self) -> int:
        return int(sum(self.n_categories))

    def make(self, codes: torch.Tensor, mask: torch.Tensor) -> Condition:
        """Condition vectors for given category codes, zero where ``mask`` is False."""
        vector = torch.zeros(len(codes), self.dim, device=codes.device)
        if self.n_columns:
            offsets, _ = self._tensors(codes.device)
            vector.scatter_(1, codes + offsets, mask.float())
        return Condition(vector, codes, mask)

    def draw(self, n: int, device: torch.device) -> Condition:
        """Unconditional sampling: one column per row, its category by training frequency."""
        codes = torch.zeros(n, self.n_columns, dtype=torch.long, device=device)
        mask = torch.zeros(n, self.n_columns, dtype=torch.bool, device=device)
        if self.n_columns:
            column = torch.randint(self.n_columns, (n,), device=device)
            _, probabilities = self._tensors(device)
            category = torch.multinomial(probabilities[column], 1).squeeze(1)
            rows = torch.arange(n, device=device)
            codes[rows, column] = category
            mask[rows, column] = True
        return self.make(codes, mask)

    def fixed(self, n: int, fixed: dict, device: torch.device) -> Condition:
        """Conditions that fix columns ``{column index: category index}`` for all rows
        (or, for a :class:`Choice`, a category drawn for each row)."""
        codes = torch.zeros(n, self.n_columns, dtype=torch.long, device=device)
        mask = torch.zeros(n, self.n_columns, dtype=torch.bool, device=device)
        for column, category in fixed.items():
            codes[:, column] = category.draw(n, device) if isinstance(category, Choice) \
                else category
            mask[:, column] = True
        return self.make(codes, mask)

    def to_dict(self) -> dict:
        return {"frequencies": [f.tolist() for f in self.frequencies]}

    @classmethod
    def from_dict(cls, d: dict) -> "ConditionSpace":
        return cls(d["frequencies"])


class TrainingSampler:
    """Draws (real rows, conditions) batches from an encoded data set on its device.

    ``data`` may have any shape with rows (or images) along axis 0; ``transform``,
    when given, turns each drawn batch into what the networks take (e.g. uint8
    pixels into padded floats in [-1, 1]).
    """

    def __init__(self, data: torch.Tensor, codes: torch.Tensor, space: ConditionSpace,
                 transform: Callable[[torch.Tensor], torch.Tensor] | None = None):
        self.data, self.codes, self.space = data, codes, space
        self.transform = transform
        device, n_rows = data.device, len(data)
        if space.n_columns:
            # Rows of each column sorted by category: the rows holding category k of
            # column j are order[j, start[j, k] : start[j, k] + count[j, k]].
            self.order = torch.argsort(codes.T, dim=1, stable=True)
            counts = [np.bincount(codes[:, j].cpu().numpy(), minlength=k)
                      for j, k in enumerate(space.n_categories)]
            starts = [np.concatenate([[0], np.cumsum(c)[:-1]]) for c in counts]
            self.counts = _padded(counts, device)
            self.starts = _padded(starts, device, torch.long)
            self.log_weights = _padded([np.log1p(c) * (c > 0) for c in counts], device)
        self.n_rows = n_rows

    def draw(self, batch_size: int) -> tuple[torch.Tensor, Condition]:
        rows, condition = self._draw_rows(batch_size)
        real = self.data[rows]
        return (real if self.transform is None else self.transform(real)), condition

    def _draw_rows(self, batch_size: int) -> tuple[torch.Tensor, Condition]:
        device, space = self.data.device, self.space
        if not space.n_columns:
            rows = torch.randint(self.n_rows, (batch_size,), device=device)
            codes = self.codes[rows]
            return rows, space.make(codes, torch.zeros_like(codes, dtype=torch.bool))
        column = torch.randint(space.n_columns, (batch_size,), device=device)
        category = torch.multinomial(self.log_weights[column], 1).squeeze(1)
        count = self.counts[column, category]
        position = self.starts[column, category] + (torch.rand(batch_size, device=device) * count).long()
        rows = self.order[column, position]
        mask = torch.rand(batch_size, space.n_columns, device=device) < 1.0 / space.n_columns
        mask[torch.arange(batch_size, device=device), column] = True
        return rows, space.make(self.codes[rows], mask)


def _padded(rows: list, device: torch.device, dtype=torch.float32) -> torch.Tensor:
    """Stack ragged 1-D arrays into a zero-padded tensor."""
    width = max(len(r) for r in rows)
    out = np.zeros((len(rows), width), dtype=np.int64 if dtype == torch.long else np.float64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return torch.as_tensor(out, dtype=dtype, device=device)
