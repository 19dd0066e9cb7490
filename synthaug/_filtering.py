"""The label filter used when augmenting: a classifier of the real samples vets the synthetic ones.

A conditional generator does not always produce a sample of the class it was asked
for: near the class boundary, and for classes with few real samples, some rows look
like the other class. Added to a training set such rows are label noise. On
500-row Adult subsets, adding all of them gave downstream classifiers no F1 gain over
the real rows alone and cost them accuracy; keeping only the rows that a classifier
trained on the real rows assigns to their class raised F1 above real-only, level with
SMOTENC (``benchmarks/results/scarce_augmentation.md``).

The judge is the package's fixed model for each kind of data: HistGradientBoosting for
tables (:func:`synthaug.metrics.label_model`) and the small CNN for images
(:func:`synthaug.image_metrics.fit_classifier`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import torch

from synthaug.image_metrics import batched, fit_classifier
from synthaug.metrics import label_model

# Draws of candidates per class before the filter gives up, and candidates drawn per
# sample still wanted in each draw.
ROUNDS = 5
OVERDRAW = 2
# Training steps of the image judge (the image report's classifier uses the same).
IMAGE_JUDGE_STEPS = 300


def fit_judge(features, labels: np.ndarray, seed: int) -> Callable[[object], np.ndarray]:
    """A classifier of ``labels`` from ``features``, returned as ``predict(features)``.

    ``features`` is a DataFrame (tables) or an (n, C, H, W) float array in [-1, 1]
    (images); predictions are values of ``labels``.
    """
    classes, codes = np.unique(labels, return_inverse=True)
    if isinstance(features, pd.DataFrame):
        model = label_model(features, seed).fit(features, codes)
        return lambda X: classes[model.predict(X)]
    model = fit_classifier(torch.as_tensor(features, dtype=torch.float32),
                           torch.as_tensor(codes, dtype=torch.int64), len(classes),
                           steps=IMAGE_JUDGE_STEPS, seed=seed)
    return lambda X: classes[batched(model, torch.as_tensor(X, dtype=torch.float32))
                             .argmax(dim=1).numpy()]


def filtered(draw: Callable, judge: Callable, counts: dict, seed: int) -> tuple[tuple, dict]:
    """``counts[c]`` samples of each class ``c`` that ``judge`` assigns to ``c``, class by class.

    ``draw(labels, seed)`` makes one candidate of each class in ``labels`` and returns
    ``(candidates, features)``: ``candidates`` a tuple of row-aligned containers
    (frames, series or arrays; returned, in the same kinds) and ``features`` what
    ``judge`` reads. A class still short after :data:`ROUNDS` draws is topped up with
    its rejected candidates. Returns the samples and ``{class: number topped up}``.
    """
    kept = {c: [] for c in counts}
    missing = {c: int(n) for c, n in counts.items() if n > 0}
    rejected = {}
    for attempt in range(ROUNDS):
        if not missing:
            break
        labels = np.repeat(np.array(list(missing), dtype=object),
                           [OVERDRAW * n for n in missing.values()])
        candidates, features = draw(labels, seed + attempt)
        agrees = judge(features) == labels
        for c in list(missing):
            mine = labels == c
            good = np.flatnonzero(mine & agrees)[: missing[c]]
            kept[c].append((candidates, good))
            rejected[c] = (candidates, np.flatnonzero(mine & ~agrees))
            missing[c] -= len(good)
            if missing[c] == 0:
                del missing[c]
    for c, n in missing.items():
        # Each draw makes 2n candidates of a class short of n, so n were rejected.
        candidates, spare = rejected[c]
        kept[c].append((candidates, spare[:n]))
    pieces = [piece for c in counts for piece in kept[c]]
    width = len(pieces[0][0])
    samples = tuple(concat_rows([take_rows(candidates[k], rows) for candidates, rows in pieces])
                    for k in range(width))
    return samples, missing


def take_rows(container, rows: np.ndarray):
    """Rows ``rows`` of a DataFrame, Series or array."""
    if isinstance(container, (pd.DataFrame, pd.Series)):
        return container.iloc[rows]
    return container[rows]


def concat_rows(parts: list):
    """Stack DataFrames or Series (with a fresh RangeIndex) or arrays, in order."""
    if isinstance(parts[0], (pd.DataFrame, pd.Series)):
        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)
