"""``sampling_strategy``: how many synthetic rows each class gets (imbalanced-learn's vocabulary).

The strategy is read exactly as imbalanced-learn's over-samplers read it, so users
can swap ``SMOTE`` for ``GANAugmenter`` without relearning it:

- ``"auto"`` / ``"not majority"``: every class but the majority up to the majority's count;
- ``"minority"``: only the smallest class; ``"not minority"``: all but the smallest;
- ``"all"``: every class up to the majority's count (the majority gets none);
- a float ``r`` (two classes only): the minority up to ``r`` times the majority;
- a dict ``{class: n}``: each named class up to ``n`` rows in total;
- a callable ``f(y) -> dict``: as a dict.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np


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
