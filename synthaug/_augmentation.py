"""Augmentation: how many synthetic samples each class gets, drawing them, and the label filter.

Counts follow ``sampling_strategy`` exactly as imbalanced-learn's over-samplers read
it, so users can swap ``SMOTE`` for ``GANAugmenter`` without relearning it:

- ``"auto"`` / ``"not majority"``: every class but the majority up to the majority's count;
- ``"minority"``: only the smallest class; ``"not minority"``: all but the smallest;
- ``"all"``: every class up to the majority's count (the majority gets none);
- a float ``r`` (two classes only): the minority up to ``r`` times the majority;
- a dict ``{class: n}``: each named class up to ``n`` rows in total;
- a callable ``f(y) -> dict``: as a dict.

The label filter: a conditional generator does not always produce a sample of the
class it was asked for. Near the class boundary, and for classes with few real
samples, some look like another class, and added to a training set they are label
noise. On 500-row Adult subsets, adding all of them gave downstream classifiers no F1
gain over the real rows alone and cost them accuracy; keeping only the rows that a
classifier trained on the real rows assigns to their class raised F1 above real-only,
level with SMOTENC (``benchmarks/results/scarce_augmentation.md``). The judges are
the package's fixed classifiers (:mod:`synthaug._judges`).
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any, Callable

import numpy as np

from synthaug._containers import concat_rows, take_rows

# Draws of candidates per class before the filter gives up, and candidates drawn per
# sample still wanted in each draw.
ROUNDS = 5
OVERDRAW = 2


def synthetic_counts(y: np.ndarray, sampling_strategy: Any) -> dict:
    """Number of synthetic rows to make per class, for labels ``y``.

    Returns ``{class: n_new}`` with every class of ``y`` as a key.
    """
    classes, counts = np.unique(y, return_counts=True)
    current = {c: int(n) for c, n in zip(classes.tolist(), counts)}
    majority = max(current.values())
    minority_class = min(current, key=current.get)
    majority_class = max(current, key=current.get)

    if callable(sampling_strategy):
        sampling_strategy = sampling_strategy(y)
    if isinstance(sampling_strategy, dict):
        targets = {}
        for label, wanted in sampling_strategy.items():
            if label not in current:
                raise ValueError(
                    f"sampling_strategy names class {label!r}, which y does not have; "
                    f"classes are {sorted(current, key=str)}."
                )
            if int(wanted) < current[label]:
                raise ValueError(
                    f"sampling_strategy asks for {wanted} rows of class {label!r}, which "
                    f"already has {current[label]}; an over-sampler can only add rows."
                )
            targets[label] = int(wanted)
    elif isinstance(sampling_strategy, str):
        chosen = {
            "auto": [c for c in current if c != majority_class],
            "not majority": [c for c in current if c != majority_class],
            "minority": [minority_class],
            "not minority": [c for c in current if c != minority_class],
            "all": list(current),
        }
        if sampling_strategy not in chosen:
            raise ValueError(
                f"sampling_strategy={sampling_strategy!r} is not one of {sorted(chosen)}, "
                "a float, a dict or a callable."
            )
        targets = {c: majority for c in chosen[sampling_strategy]}
    elif isinstance(sampling_strategy, Real) and not isinstance(sampling_strategy, bool):
        if len(current) != 2:
            raise ValueError(
                f"A float sampling_strategy only applies to two classes; y has {len(current)}. "
                "Use a dict or a string."
            )
        if not 0 < sampling_strategy <= 1:
            raise ValueError(
                f"sampling_strategy={sampling_strategy} must be in (0, 1]: the wanted ratio of "
                "minority to majority rows."
            )
        wanted = int(np.round(sampling_strategy * majority))
        if wanted < current[minority_class]:
            raise ValueError(
                f"sampling_strategy={sampling_strategy} asks for {wanted} minority rows, but "
                f"class {minority_class!r} already has {current[minority_class]}; "
                "raise the ratio."
            )
        targets = {minority_class: wanted}
    else:
        raise TypeError(
            f"sampling_strategy must be a string, a float, a dict or a callable; got "
            f"{type(sampling_strategy).__name__}."
        )
    return {c: targets.get(c, n) - n for c, n in current.items()}


def synthesize(draw: Callable, counts: dict, seed: int,
               vet: tuple[Callable, Callable] | None = None) -> tuple:
    """``counts[c]`` synthetic samples of each class ``c``, class by class.

    ``draw(labels, seed)`` makes one sample of each class in ``labels`` and returns a
    tuple of row-aligned containers (samples, and their labels when the model has a
    separate label), as the estimator's ``sample`` does; ``seed=None`` is its own seed.
    With ``vet=(view, judge)`` every sample passes the label filter: ``judge(view(X))``
    must give the class it was made for (see :func:`filtered`); a class the filter could
    not fill is topped up unvetted, with a warning.
    """
    wanted = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    if vet is None or len(wanted) == 0:
        return draw(wanted, None)
    view, judge = vet

    def draw_judged(labels: np.ndarray, seed: int) -> tuple:
        candidates = draw(labels, seed)
        return candidates, view(candidates[0])

    samples, unvetted = filtered(draw_judged, judge, counts, seed)
    for label, n in unvetted.items():
        warnings.warn(
            f"Only {counts[label] - n} of {counts[label]} synthetic samples of class "
            f"{label!r} passed the label filter after {ROUNDS} draws; the other {n} "
            "were added unvetted. The generator has not learnt this class well: train "
            "longer, or check fidelity_.", UserWarning, stacklevel=4)
    return samples


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
