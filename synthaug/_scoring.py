"""What the table and image reports share: subsampling, held-out splits, diversity, display.

Both reports compare synthetic samples with real ones on at most a few thousand
samples, hold out real samples as a yardstick when none are given, and measure each
class's diversity as the spread of its synthetic samples relative to its real ones.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors

from synthaug._containers import take_rows
from synthaug._runtime import new_seed

# A class's synthetic samples half as spread out as its real ones: possible mode collapse.
DIVERSITY_FLOOR = 0.5
# Share of the real samples held out as the yardstick when no test set is given.
HOLDOUT_SHARE = 0.3


def bounded(containers: tuple, max_rows: int, rng: np.random.RandomState, name: str,
            notes: list, noun: str = "rows") -> tuple:
    """At most ``max_rows`` of row-aligned ``containers`` (frames, arrays, or None), a
    random subset chosen once for all of them; a line in ``notes`` says so. Frames come
    back with a fresh RangeIndex."""
    n = len(containers[0])
    if n > max_rows:
        notes.append(f"{name} {noun}: a random {max_rows} of {n}")
        keep = rng.choice(n, max_rows, replace=False)
        containers = tuple(None if c is None else take_rows(c, keep) for c in containers)
    return tuple(c.reset_index(drop=True) if isinstance(c, pd.DataFrame) else c
                 for c in containers)


def can_stratify(labels) -> bool:
    """Whether every class has at least two samples (one each side of a split)."""
    return labels is not None and pd.Series(labels).value_counts().min() >= 2


def holdout(containers: tuple, labels, rng: np.random.RandomState) -> list:
    """Split row-aligned ``containers`` into ``HOLDOUT_SHARE`` held out and the rest,
    stratified by ``labels`` where possible; returns train, test pairs in order
    (``train_test_split``'s convention)."""
    return train_test_split(*containers, test_size=HOLDOUT_SHARE, random_state=new_seed(rng),
                            stratify=labels if can_stratify(labels) else None)


def spread(points: np.ndarray) -> float:
    """Median distance from each point to its nearest other point."""
    distances = NearestNeighbors(n_neighbors=2).fit(points).kneighbors(points)[0][:, 1]
    return float(np.median(distances))


def class_diversity(groups: Iterable[tuple[Any, np.ndarray, np.ndarray]]) -> dict:
    """``{label: synthetic spread / real spread}`` for ``(label, real, synthetic)`` point
    sets, each pair compared on equally many points (spread shrinks as points are added)."""
    diversity = {}
    for label, real, synthetic in groups:
        n = min(len(real), len(synthetic))
        if n > 2:
            diversity[label] = spread(synthetic[:n]) / max(spread(real[:n]), 1e-12)
    return diversity


def diversity_warnings(diversity: dict, noun: str) -> list:
    """A warning for each class whose synthetic ``noun`` are far less diverse than real ones."""
    return [f"class {label!r}: synthetic {noun} are {ratio:.2f}x as diverse as real ones: "
            "possible mode collapse" for label, ratio in diversity.items()
            if ratio < DIVERSITY_FLOOR]


def fmt(value: float | None, spec: str = ".3f") -> str:
    """A score for display; undefined ones (None, NaN) as n/a."""
    return "n/a" if value is None or value != value else format(value, spec)
