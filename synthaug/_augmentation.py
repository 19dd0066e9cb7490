"""Augmentation: how many synthetic samples each class gets, drawing them, and the label filter.

``sampling_strategy="validated"`` (the default) lets the data decide how many samples to
add: the amount ``"auto"`` would add (every class up to the majority), scaled by a
share chosen by internal cross-validation (:func:`plan_validation`, then
:func:`run_validation`, in a second process beside the final fit where it can), zero
included. Any other value is read exactly as imbalanced-learn's over-samplers read it,
so users can swap ``SMOTE`` for ``GANAugmenter`` without relearning it:

- ``"auto"`` / ``"not majority"``: every class but the majority up to the majority's count;
- ``"minority"``: only the smallest class; ``"not minority"``: all but the smallest;
- ``"all"``: every class up to the majority's count (the majority gets none);
- a float ``r`` (two classes only): the minority up to ``r`` times the majority;
- a dict ``{class: n}``: each named class up to ``n`` rows in total;
- a callable ``f(y) -> dict``: as a dict.

The label filter: a conditional generator does not always produce a sample of the
class it was asked for. Near the class boundary, and for classes with few real
samples, some look like another class, and added to a training set they are label
noise. With the label filter every sample must be assigned to its class by a judge
fit on the real samples (:mod:`synthaug._judges`; classes weighed equally, so that a
small class is not refused wholesale); a class the filter cannot fill within a few
draws gets fewer samples, never unvetted ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable, NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from synthaug._containers import concat_rows, take_rows
from synthaug._json import json_key, json_safe
from synthaug._runtime import new_seed, seed_of

# Draws of candidates per class before the filter gives up, and candidates drawn per
# sample still wanted in each draw.
ROUNDS = 5
OVERDRAW = 2
# The validated choice: shares of the "auto" amount tried, folds, the most rows a fold
# model is fit on (larger tables are validated on a stratified subsample: a cheaper
# and, since more real rows leave less to gain, a cautious estimate), and how far the
# internal ROC AUC (averaged over folds and proxy models) may fall before an amount
# counts as harmful: averaged over the proxies, and for each proxy that can model the
# data (its real-only ROC AUC at least COMPETENT_AUC), its own. A proxy near chance is
# not judged alone: a logistic regression on a disc (ROC AUC about 0.5) loses 0.016
# even from held-out real rows, and judging it refused a perfect generator; judging
# only the mean let a logistic regression that models HMDA well (0.84) lose 0.008 on
# test rows while HistGradientBoosting gained.
# Fold models train a third of the steps of the model whose samples are added
# (FOLD_STEP_DIVISOR): a fit per fold at full length made a 1,000-row
# fit_resample four full fits (375 s on 2 cores); a shorter fold model is a weaker
# generator than the final one, so its estimate errs on the side of adding nothing.
SHARES = (0.0, 0.25, 0.5, 1.0)
FOLDS = 3
FOLD_STEP_DIVISOR = 3
VALIDATION_ROWS = 5_000
AUC_TOLERANCE = 0.002
COMPETENT_AUC = 0.6


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


@dataclass
class Augmentation:
    """What augmentation added, and why (``GANAugmenter.augmentation_``).

    Attributes
    ----------
    strategy : str
        ``"validated"``, or the explicit ``sampling_strategy`` (as text).
    requested, added, refused : dict
        Per class: synthetic samples asked for, added, and candidates the label filter
        refused (``refused`` is empty without the filter). ``added`` falls short of
        ``requested`` only where the filter could not fill a class.
    filtered : bool
        Whether the samples passed the label filter.
    share : float or None
        With ``"validated"``: the share of the ``"auto"`` amount chosen (0 adds nothing).
    validation : list of dict
        With ``"validated"``: per amount tried (``share``, ``filtered``), the internal
        estimate of the change over real samples alone in ROC AUC and in F1 (of the
        smaller class for two classes, macro otherwise), mean and standard deviation
        over folds and proxy models (``roc_auc_gain``, ``roc_auc_std``, ``f1_gain``,
        ``f1_std``), and the ROC AUC change, averaged over folds, of the proxy model it
        helped least among those that model the data (real-only ROC AUC at least 0.6;
        ``roc_auc_gain_worst``, None when none does).
    reason : str
        Why this amount.
    seconds : float
        Time the augmentation took: the validation's (beside the final fit, when it ran
        there) and drawing the samples; never the final fit's.
    """

    strategy: str
    requested: dict
    added: dict
    refused: dict
    filtered: bool = True
    share: float | None = None
    validation: list = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0

    @property
    def gain(self) -> dict | None:
        """The internal estimate for the amount chosen, or None (nothing added, or not validated)."""
        return next((v for v in self.validation
                     if v["share"] == self.share and v["filtered"] == self.filtered), None)

    def summary(self) -> str:
        """One line per class, and the validation's estimate."""
        vetted = "label-filtered" if self.filtered else "unfiltered"
        lines = [f"Augmentation ({self.strategy}): {sum(self.added.values())} {vetted} synthetic "
                 f"samples added; {self.reason}"]
        for label in self.requested:
            refused = f", {self.refused[label]} refused by the label filter" \
                if self.refused.get(label) else ""
            lines.append(f"  class {label!r}: {self.added[label]} of {self.requested[label]} "
                         f"added{refused}")
        gain = self.gain
        if gain is not None and self.share:
            worst = gain["roc_auc_gain_worst"]
            worst = "" if worst is None else f"; least helped proxy {worst:+.4f}"
            lines.append(f"  estimated gain over real samples alone: ROC AUC "
                         f"{gain['roc_auc_gain']:+.4f} (± {gain['roc_auc_std']:.4f}{worst}), F1 "
                         f"{gain['f1_gain']:+.4f} (± {gain['f1_std']:.4f})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return json_safe({"strategy": self.strategy, "share": self.share, "filtered": self.filtered,
                          "requested": _pairs(self.requested), "added": _pairs(self.added),
                          "refused": _pairs(self.refused), "validation": self.validation,
                          "reason": self.reason, "seconds": self.seconds})


def _pairs(counts: dict) -> list:
    return [[json_key(label), int(n)] for label, n in counts.items()]


def augment(estimator, real, validated: "Validated | None" = None) -> tuple[tuple, Augmentation]:
    """Synthetic samples that a fitted ``estimator`` adds to the ``real`` inputs (a
    :class:`~synthaug._modality.Inputs`), as ``sample`` returns them, and what it did.

    With ``sampling_strategy="validated"``, ``validated`` is the choice already made
    for ``real`` (by :func:`run_validation`, beside the final fit); None makes it here.
    """
    started = time.perf_counter()
    strategy, share, validation = estimator.sampling_strategy, None, []
    filtered = estimator.filter_synthetic in (True, "auto")
    earlier = 0.0  # seconds of a validation made before this call
    if isinstance(strategy, str) and strategy == "validated":
        if validated is None:
            validated = run_validation(plan_validation(estimator, real))
        else:
            earlier = validated.seconds
        share, filtered, validation, reason, _ = validated
        counts = {c: int(round(share * n)) for c, n in synthetic_counts(real.labels, "auto").items()}
    else:
        counts = synthetic_counts(real.labels, strategy)
        reason = "the amount sampling_strategy asks for"
    samples, added, refused = synthesize(
        _drawer(estimator), counts, seed_of(estimator.random_state),
        _vet(estimator, real) if filtered and any(counts.values()) else None)
    samples = (estimator._modality.renumbered(samples[0], real), *samples[1:])
    return samples, Augmentation(
        strategy=strategy if isinstance(strategy, str) else repr(strategy), requested=counts,
        added=added, refused=refused, filtered=filtered, share=share, validation=validation,
        reason=reason, seconds=earlier + time.perf_counter() - started)


def _drawer(model) -> Callable:
    """``draw(labels, seed)`` for :func:`synthesize`: one sample of each class in ``labels``."""
    def draw(labels: np.ndarray, seed) -> tuple:
        out = model.sample(len(labels), y=labels, random_state=seed)
        return out if isinstance(out, tuple) else (out,)
    return draw


def _vet(model, real) -> tuple[Callable, Callable]:
    """The label filter's ``(view, judge)`` for a fitted ``model``, its judge fit on ``real``."""
    return model._modality.judged, model._modality.judge(real, seed_of(model.random_state))


class Validated(NamedTuple):
    """The validated choice: the share of the ``"auto"`` amount, whether to vet it with the
    label filter, the estimates per amount tried (see :class:`Augmentation`), the reason,
    and the seconds it took."""

    share: float
    filtered: bool
    estimates: list
    reason: str
    seconds: float


@dataclass
class ValidationPlan:
    """What :func:`run_validation` does, every seed drawn: fit a copy of ``model`` (not
    fitted) on each fold's ``train`` rows of ``real`` for ``epochs``, and score on its
    ``test`` rows. ``answer`` is the choice when there is nothing to validate."""

    model: Any = None
    real: Any = None
    folds: list = field(default_factory=list)  # (train rows, test rows, epochs, seed)
    filters: list = field(default_factory=list)
    focus: Any = None
    answer: Validated | None = None


def plan_validation(estimator, real) -> ValidationPlan:
    """The validated choice's folds for ``real``, seeded from ``estimator.random_state``.

    Drawn before the final fit, so that the choice is the same whether it is made beside
    that fit (:func:`synthaug._background.beside`) or after it.
    """
    filters = {True: [True], False: [False], "auto": [True, False]}[estimator.filter_synthetic]
    labels = real.labels
    if not any(synthetic_counts(labels, "auto").values()):
        return ValidationPlan(answer=Validated(0.0, filters[0], [],
                                               "the classes are balanced already", 0.0))
    classes, counts = np.unique(labels, return_counts=True)
    folds = min(FOLDS, int(counts.min()))
    if folds < 2:
        return ValidationPlan(answer=Validated(
            0.0, filters[0], [], f"class {classes[np.argmin(counts)]!r} has one sample: too "
            "few to validate, so nothing was added", 0.0))
    rng = np.random.RandomState(seed_of(estimator.random_state))
    splits = StratifiedKFold(folds, shuffle=True, random_state=new_seed(rng)).split(
        np.zeros(len(labels)), labels)
    # The fold models: the estimator's settings, quiet and with no files of their own (a
    # fold model's checkpoint must not overwrite the final model's).
    model = clone(estimator).set_params(fidelity=False, verbose=0, checkpoint_path=None,
                                        warm_start=False)
    planned = []
    for train, test in splits:
        train = _subsample(train, labels, VALIDATION_ROWS, rng)
        planned.append((train, test, _fold_epochs(real.kind, estimator, len(train)),
                        new_seed(rng)))
    # The class of interest for F1: the smaller of two; several classes: macro F1.
    focus = classes[np.argmin(counts)] if len(classes) == 2 else None
    return ValidationPlan(model, real, planned, filters, focus)


def run_validation(plan: ValidationPlan) -> Validated:
    """The share of the ``"auto"`` amount worth adding to ``plan.real``, and whether to
    vet it with the label filter, by cross-validation.

    For each fold of ``plan`` (:data:`FOLDS` stratified folds), a copy of the estimator
    is fit on the other folds (at most :data:`VALIDATION_ROWS` rows, for a third of the
    steps) and makes, once per way of vetting (with the label filter, without it;
    ``filter_synthetic=True`` or ``False`` tries only that one), the samples the largest
    share would add; every share takes a prefix of them. The modality's proxy models
    (for tables HistGradientBoosting and a logistic regression; for images the small
    CNN) are trained on the fold's real samples plus each candidate's and scored on the
    held-out fold. A candidate is kept only if its ROC AUC, averaged over folds and
    proxies, falls no more than :data:`AUC_TOLERANCE` below the real-only one, and so
    does that of every proxy whose real-only ROC AUC reaches :data:`COMPETENT_AUC`; of those,
    the one with the largest mean F1 gain wins, if that gain is positive.
    """
    if plan.answer is not None:
        return plan.answer
    started = time.perf_counter()
    gains = {(share, vetted): [] for vetted in plan.filters for share in SHARES[1:]}
    for fold in plan.folds:
        for key, found in _fold_gains(plan, *fold).items():
            gains[key] += found
    return choose(gains, len(plan.folds), plan.filters, time.perf_counter() - started)


def choose(gains: dict, folds: int, filters: tuple, seconds: float) -> Validated:
    """The validated choice from ``gains``: per candidate ``(share, vetted)``, the (ROC
    AUC change, F1 change, real-only ROC AUC) of every proxy model over real samples
    alone, fold-major (one triple per proxy within each of ``folds`` folds). See
    :func:`run_validation` for the rule."""
    estimates, safe = [], []
    for (share, vetted), found in gains.items():
        auc, f1, base = (np.array(v).reshape(folds, -1) for v in zip(*found))
        judged = base.mean(axis=0) >= COMPETENT_AUC
        per_proxy = auc.mean(axis=0)[judged]
        worst = float(per_proxy.min()) if judged.any() else None
        estimates.append({"share": share, "filtered": vetted, "roc_auc_gain": float(auc.mean()),
                          "roc_auc_std": float(auc.std()), "roc_auc_gain_worst": worst,
                          "f1_gain": float(f1.mean()), "f1_std": float(f1.std())})
        if auc.mean() >= -AUC_TOLERANCE and (worst is None or worst >= -AUC_TOLERANCE):
            safe.append(estimates[-1])
    best = max(safe, key=lambda e: e["f1_gain"], default=None)
    if best is None:
        return Validated(0.0, filters[0], estimates, "every amount tried lowered the "
                         "internal ROC AUC, so nothing was added", seconds)
    if best["f1_gain"] <= 0:
        return Validated(0.0, filters[0], estimates, "no amount tried raised the "
                         "internal F1, so nothing was added", seconds)
    return Validated(best["share"], best["filtered"], estimates, (
        f"{best['share']:.0%} of the amount that balances the classes"
        f"{', label-filtered,' if best['filtered'] else ', unfiltered,'} scored best in "
        "internal cross-validation"), seconds)


def _fold_gains(plan: ValidationPlan, train: np.ndarray, test: np.ndarray, epochs: int,
                seed: int) -> dict:
    """Per candidate ``(share, vetted)``: the changes in ROC AUC and F1 over real samples
    alone that one fold's model gives, and the real-only ROC AUC, a triple per proxy."""
    rng = np.random.RandomState(seed)
    fold_real, fold_test = plan.real.take(train), plan.real.take(test)
    model = clone(plan.model).set_params(epochs=epochs)
    model.fit(*_fit_arguments(model, fold_real))
    targets = synthetic_counts(fold_real.labels, "auto")
    modality, proxy_seed = model._modality, new_seed(rng)
    base = modality.proxy_scores(fold_real, None, fold_test, plan.focus, proxy_seed)
    gains = {}
    for vetted in plan.filters:
        samples, added, _ = synthesize(_drawer(model), targets, new_seed(rng),
                                       _vet(model, fold_real) if vetted else None)
        offsets = np.cumsum([0] + list(added.values()))
        for share in SHARES[1:]:
            rows = np.concatenate([np.arange(start, start + int(round(share * n)))
                                   for start, n in zip(offsets[:-1], added.values())])
            subset = tuple(take_rows(container, rows) for container in samples)
            scores = modality.proxy_scores(fold_real, subset, fold_test, plan.focus, proxy_seed)
            gains[share, vetted] = [(s["roc_auc"] - b["roc_auc"], s["f1"] - b["f1"],
                                     b["roc_auc"]) for s, b in zip(scores, base)]
    return gains


def _fold_epochs(kind, estimator, rows: int) -> int:
    """Epochs of a fold model on ``rows`` rows: :data:`FOLD_STEP_DIVISOR` times fewer
    than ``estimator``'s ``epochs`` would train there on data of ``kind`` (at least one)."""
    params = estimator.get_params()
    batch_size = kind.batch_size(params, rows)
    epochs = kind.recipe_for(params).epochs(estimator.epochs, max(1, -(-rows // batch_size)))
    return max(1, -(-epochs // FOLD_STEP_DIVISOR))


def _subsample(rows: np.ndarray, labels: np.ndarray, most: int, rng) -> np.ndarray:
    """At most ``most`` of ``rows``, stratified by ``labels`` (every class keeps a row)."""
    if len(rows) <= most:
        return rows
    keep = []
    for label in np.unique(labels[rows]):
        mine = rows[labels[rows] == label]
        keep.append(rng.choice(mine, max(1, int(round(most * len(mine) / len(rows)))),
                               replace=False))
    return np.sort(np.concatenate(keep))


def _fit_arguments(estimator, inputs) -> tuple:
    """``(X, y)`` for ``fit``: the caller's containers (the label inside X with target_column)."""
    if estimator.target_column is not None:
        return inputs.X, None
    return inputs.X, inputs.label_layout.restore(inputs.labels)


def synthesize(draw: Callable, counts: dict, seed: int,
               vet: tuple[Callable, Callable] | None = None) -> tuple[tuple, dict, dict]:
    """Up to ``counts[c]`` synthetic samples of each class ``c``, class by class.

    ``draw(labels, seed)`` makes one sample of each class in ``labels`` and returns a
    tuple of row-aligned containers (samples, and their labels when the model has a
    separate label), as the estimator's ``sample`` does; ``seed=None`` is its own seed.
    With ``vet=(view, judge)`` every sample passes the label filter: ``judge(view(X))``
    must give the class it was made for; a class the filter cannot fill within
    :data:`ROUNDS` draws gets fewer. Returns the samples and, per class, how many were
    added and how many candidates the filter refused.
    """
    wanted = {c: int(n) for c, n in counts.items()}
    if vet is None:
        labels = np.repeat(np.array(list(wanted), dtype=object), list(wanted.values()))
        return draw(labels, None), wanted, {}
    view, judge = vet
    kept = {c: [] for c in wanted}
    missing = {c: n for c, n in wanted.items() if n > 0}
    refused = {c: 0 for c in wanted}
    for attempt in range(ROUNDS):
        if not missing:
            break
        labels = np.repeat(np.array(list(missing), dtype=object),
                           [OVERDRAW * n for n in missing.values()])
        candidates = draw(labels, seed + attempt)
        agrees = judge(view(candidates[0])) == labels
        for c in list(missing):
            mine = labels == c
            good = np.flatnonzero(mine & agrees)[: missing[c]]
            refused[c] += int(np.sum(mine & ~agrees))
            kept[c].append((candidates, good))
            missing[c] -= len(good)
            if missing[c] == 0:
                del missing[c]
    pieces = [piece for c in wanted for piece in kept[c]]
    if not pieces:
        return draw(np.array([], dtype=object), seed), {c: 0 for c in wanted}, refused
    samples = tuple(concat_rows([take_rows(candidates[k], rows) for candidates, rows in pieces])
                    for k in range(len(pieces[0][0])))
    added = {c: wanted[c] - missing.get(c, 0) for c in wanted}
    return samples, added, refused
