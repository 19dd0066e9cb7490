"""Augmentation value on scarce data: does adding synthetic rows help a classifier?

Stratified subsets of the Adult training split (500 and 2,000 rows, 3 seeds each) are
used as they are (real only), over-sampled with imbalanced-learn's SMOTENC, augmented
with rows from the ctgan package (minority class up to the majority, by conditional
sampling), and augmented with ``GANAugmenter(sampling_strategy="auto").fit_resample`` (the
minority up to the majority, label-filtered: the defaults when this table was made); the last
arm is the same seeded GAN with ``filter_synthetic=False`` (the ablation). Two
fixed classifiers (HistGradientBoosting, LogisticRegression) are scored on the Adult
test split (16,281 rows): accuracy, F1 of the >50K class, ROC AUC; mean and spread
over seeds.

    python benchmarks/scarce_augmentation.py           # full: sizes 500 and 2000, 3 seeds
    python benchmarks/scarce_augmentation.py --quick   # smoke: 300 rows, 1 seed, 2 epochs

Writes ``benchmarks/results/scarce_augmentation.{md,json}`` (``--quick``: ``*_quick.*``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

import numpy as np
import pandas as pd

from _results import write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET, POSITIVE = "income", ">50K"


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing categories as their own value: SMOTENC cannot take NaN, and all methods
    then see the same table."""
    frame = frame.copy()
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object).fillna("?").astype(str)
    return frame


def augment_smotenc(X, y, seed, epochs):
    from imblearn.over_sampling import SMOTENC

    categorical = [i for i, c in enumerate(X.columns) if X[c].dtype == object]
    return SMOTENC(categorical_features=categorical, random_state=seed).fit_resample(X, y)


def augment_ctgan(X, y, seed, epochs):
    import torch
    from ctgan import CTGAN

    torch.manual_seed(seed)
    frame = X.assign(**{TARGET: y})
    discrete = [c for c in frame.columns if frame[c].dtype == object]
    model = CTGAN(cuda=False, **({} if epochs is None else {"epochs": epochs}))
    model.fit(frame, discrete)
    counts = y.value_counts()
    parts = [frame]
    for label, n in (counts.max() - counts).items():
        if n > 0:
            parts.append(model.sample(int(n), condition_column=TARGET, condition_value=label))
    out = pd.concat(parts, ignore_index=True).astype(frame.dtypes.to_dict())
    return out.drop(columns=TARGET), out[TARGET]


def augment_synthaug(X, y, seed, epochs, **params):
    from synthaug import GANAugmenter

    # The amount this table was measured with: the minority up to the majority
    # (sampling_strategy="auto", filtered); benchmarks/augmentation_value.py measures the
    # validated default.
    kwargs = {} if epochs is None else {"epochs": epochs}
    return GANAugmenter(random_state=seed, fidelity=False, sampling_strategy="auto",
                        **{"filter_synthetic": True, **kwargs, **params}).fit_resample(X, y)


def augment_synthaug_unfiltered(X, y, seed, epochs):
    """The ablation: the same seeded GAN, synthetic rows added without the label filter."""
    return augment_synthaug(X, y, seed, epochs, filter_synthetic=False)


def classifiers(X: pd.DataFrame) -> dict:
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    ordinal = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical),
        remainder="passthrough")
    one_hot = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), categorical), (StandardScaler(), numeric))
    return {
        "HistGradientBoosting": make_pipeline(ordinal, HistGradientBoostingClassifier(
            categorical_features=list(range(len(categorical))), random_state=0)),
        "LogisticRegression": make_pipeline(one_hot, LogisticRegression(max_iter=2000)),
    }


def score(model, X_test, y_test) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    predicted = model.predict(X_test)
    probability = model.predict_proba(X_test)[:, list(model.classes_).index(POSITIVE)]
    return {"accuracy": accuracy_score(y_test, predicted),
            "f1": f1_score(y_test, predicted, pos_label=POSITIVE),
            "roc_auc": roc_auc_score(y_test == POSITIVE, probability)}


def main() -> None:
    from sklearn.model_selection import train_test_split

    from synthaug.datasets import load_adult

    parser = argparse.ArgumentParser(description="Augmentation value on scarce Adult subsets")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None,
                        help="GAN epochs (default: each library's own default)")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    sizes = args.sizes or ([300] if args.quick else [500, 2000])
    seeds = args.seeds or (1 if args.quick else 3)
    epochs = args.epochs or (2 if args.quick else None)

    train = _prepare(load_adult().frame)
    test = _prepare(load_adult(subset="test").frame)
    if args.quick:
        test = test.sample(2000, random_state=0)
    X_test, y_test = test.drop(columns=TARGET), test[TARGET]
    methods = {"real only": None, "+ SMOTENC": augment_smotenc}
    if importlib.util.find_spec("ctgan"):
        methods["+ ctgan"] = augment_ctgan
    methods["+ synthaug"] = augment_synthaug
    methods["+ synthaug, unfiltered"] = augment_synthaug_unfiltered

    rows = []
    for size in sizes:
        for seed in range(seeds):
            subset, _ = train_test_split(train, train_size=size, stratify=train[TARGET],
                                         random_state=seed)
            X, y = subset.drop(columns=TARGET).reset_index(drop=True), subset[TARGET].reset_index(drop=True)
            for method, augment in methods.items():
                started = time.perf_counter()
                X_aug, y_aug = (X, y) if augment is None else augment(X, y, seed, epochs)
                seconds = time.perf_counter() - started
                for name, model in classifiers(X).items():
                    model.fit(X_aug, y_aug)
                    rows.append({"size": size, "seed": seed, "method": method, "model": name,
                                 "rows": len(X_aug), "seconds": seconds,
                                 **score(model, X_test, y_test)})
                print(rows[-1], flush=True)

    results = pd.DataFrame(rows)
    summary = results.groupby(["size", "model", "method"], sort=False)[
        ["accuracy", "f1", "roc_auc"]].agg(["mean", "std"])
    command = " ".join(["python", "benchmarks/scarce_augmentation.py", *sys.argv[1:]])
    lines = [
        "# Augmentation value on scarce Adult subsets",
        "",
        f"Command: `{command}`. Stratified subsets of the training split, {seeds} seed(s) each; "
        f"scored on the test split ({len(test):,} rows). Mean ± standard deviation over seeds. "
        f"GAN epochs: {'each library default (300)' if epochs is None else epochs}.",
        "",
        "| Rows | Model | Method | Accuracy | F1 (>50K) | ROC AUC |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for (size, model, method), r in summary.iterrows():
        cells = [f"{r[(m, 'mean')]:.3f} ± {0 if np.isnan(r[(m, 'std')]) else r[(m, 'std')]:.3f}"
                 for m in ("accuracy", "f1", "roc_auc")]
        lines.append(f"| {size} | {model} | {method} | " + " | ".join(cells) + " |")
    write_results(args.results_dir, "scarce_augmentation", args.quick, lines, rows)


if __name__ == "__main__":
    main()
