"""Augmentation value across seven tables: do synthetic rows help a classifier? (issue 15)

For each table of ``_tables.py``, stratified training subsets of 500 and 1,000 rows (5
seeds) are used as they are (real only), with balanced class weights, over-sampled by
imbalanced-learn (random over-sampling; SMOTENC when there are text columns, SMOTE
otherwise), augmented with ctgan rows (every class up to the majority, by conditional
sampling) and with ``GANAugmenter(random_state=seed).fit_resample`` at its defaults. Two
fixed classifiers, the same for every method, are scored on up to 10,000 other rows
(stratified; Adult's come from its test split): HistGradientBoosting, and
LogisticRegression with imputation, one-hot encoding and scaling in its pipeline. The
scores are F1 and PR AUC (average precision) of the class of interest and ROC AUC; macro
averages (one-vs-rest) for hpc_data's four classes. SMOTE and ctgan refuse missing
numbers (SMOTENC takes a missing category as a category of its own): on a subset that
holds some, their cells stay empty with the reason; nothing is imputed for them.

    python benchmarks/augmentation_value.py           # full: 7 tables x 500/1,000 rows x 5 seeds
    python benchmarks/augmentation_value.py --quick   # smoke: 200 Adult rows, 1 seed, 2 epochs
    # ctgan afresh, everything else reused from an earlier run
    python benchmarks/augmentation_value.py --rerun ctgan \\
        --reuse benchmarks/results/augmentation_value.json
    # only the tables, from the per-seed results of earlier runs (fits nothing)
    python benchmarks/augmentation_value.py --reuse-only --reuse RUN1.json RUN2.json
    # a synthaug variant, the baselines reused from the full run
    python benchmarks/augmentation_value.py --synthaug-params filter_synthetic=False \\
        --name augmentation_value_unfiltered --reuse benchmarks/results/augmentation_value.json

Writes ``benchmarks/results/NAME.{md,json}`` (NAME: ``--name``, default
``augmentation_value``; ``--quick``: ``NAME_quick.*``). The JSON keeps every per-seed
result, so that a later run can ``--reuse`` the baselines' ones.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import time

import numpy as np
import pandas as pd

from _results import command_line, write_results  # noqa: E402 (benchmarks/ is on sys.path)
from _tables import (TABLES, epochs_kwargs, fit_ctgan, mean_std, params_text, parse_args,
                     reusable, split, text_columns)

MAX_TEST, QUICK_TEST = 10_000, 2_000
KEYS = ("table", "size", "seed", "method", "epochs", "test_rows")  # what makes a result reusable
MODELS = ("HistGradientBoosting", "LogisticRegression")
SCORES = (("f1", "F1"), ("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC"))
DROP_FLAG = -0.005  # synthaug's ROC AUC this far below real only's is flagged
AIM_SECONDS = 60  # issue 15's aim for fit_resample at 1,000 rows on 2 cores


# ---------------------------------------------------------------- the methods
# Each takes the training rows and returns them augmented: (X, y), and may add a dict of
# what it did (kept in the JSON).


def oversample_random(X, y, seed, epochs, params):
    from imblearn.over_sampling import RandomOverSampler

    return RandomOverSampler(random_state=seed).fit_resample(X, y)


def oversample_smote(X, y, seed, epochs, params):
    from imblearn.over_sampling import SMOTE, SMOTENC

    text = [X.columns.get_loc(c) for c in text_columns(X)]
    sampler = (SMOTENC(categorical_features=text, random_state=seed) if text
               else SMOTE(random_state=seed))
    return sampler.fit_resample(X, y)


def augment_ctgan(X, y, seed, epochs, params):
    frame = X.assign(**{y.name: y})
    model = fit_ctgan(frame, seed, epochs)
    counts = y.value_counts()
    parts = [frame] + [model.sample(int(n), condition_column=y.name, condition_value=label)
                       for label, n in (counts.max() - counts).items() if n > 0]
    out = pd.concat(parts, ignore_index=True).astype(frame.dtypes.to_dict())
    return out.drop(columns=y.name), out[y.name]


def augment_synthaug(X, y, seed, epochs, params):
    from synthaug import GANAugmenter

    # fidelity=False: the report fit would attach is no part of augmenting, and its
    # seconds would count as augmentation time.
    model = GANAugmenter(**{"random_state": seed, "fidelity": False, **epochs_kwargs(epochs),
                            **params})
    X_res, y_res = model.fit_resample(X, y)
    # How many rows the validated choice added, and its internal estimates: what tells a
    # refusal from a generator that was not good enough.
    return X_res, y_res, model.augmentation_.to_dict()


# name: (augmentation or None, the classifiers' class_weight)
METHODS = {
    "real only": (None, None),
    "class weights": (None, "balanced"),
    "random oversampling": (oversample_random, None),
    "SMOTE(NC)": (oversample_smote, None),
    "ctgan": (augment_ctgan, None),
    "synthaug": (augment_synthaug, None),
}
PACKAGES = {"random oversampling": "imblearn", "SMOTE(NC)": "imblearn", "ctgan": "ctgan",
            "synthaug": "synthaug"}


def classifiers(X: pd.DataFrame, class_weight: str | None) -> dict:
    """The two fixed models, their preprocessing the same for every method."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    text = text_columns(X)
    numeric = [c for c in X.columns if c not in text]
    # HistGradientBoosting takes missing values itself; a missing category stays missing.
    ordinal = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), text),
        remainder="passthrough")
    # A missing category is a category of its own for the one-hot encoder.
    one_hot = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), text),
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric))
    return {
        "HistGradientBoosting": make_pipeline(ordinal, HistGradientBoostingClassifier(
            categorical_features=list(range(len(text))) or None, class_weight=class_weight,
            random_state=0)),
        "LogisticRegression": make_pipeline(one_hot, LogisticRegression(
            max_iter=2000, class_weight=class_weight)),
    }


def score(model, X_test, y_test, class_of_interest) -> dict:
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
    from sklearn.preprocessing import label_binarize

    classes = list(model.classes_)
    probability, predicted = model.predict_proba(X_test), model.predict(X_test)
    if len(classes) > 2:  # macro averages over the classes, one-vs-rest
        return {"f1": f1_score(y_test, predicted, average="macro"),
                "roc_auc": roc_auc_score(y_test, probability, multi_class="ovr", labels=classes),
                "pr_auc": average_precision_score(label_binarize(y_test, classes=classes),
                                                  probability, average="macro")}
    positive, p = y_test == class_of_interest, probability[:, classes.index(class_of_interest)]
    return {"f1": f1_score(positive, predicted == class_of_interest),
            "roc_auc": roc_auc_score(positive, p), "pr_auc": average_precision_score(positive, p)}


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description="Augmentation value across tables")
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="training rows (default: 500 1000; --quick: 200)")
    parser.add_argument("--rerun", nargs="+", choices=METHODS, default=["synthaug"],
                        help="methods run afresh even where --reuse has them (default: "
                             "synthaug; its reused results must have the same parameters)")
    parser.add_argument("--reuse-only", action="store_true",
                        help="fit nothing: the tables of the --reuse runs' results, synthaug's "
                             "included (those with --synthaug-params); cells no run filled "
                             "are left out")
    args = parse_args(parser, seeds=[0, 1, 2, 3, 4])
    sizes = args.sizes or ([200] if args.quick else [500, 1000])
    max_test = QUICK_TEST if args.quick else MAX_TEST
    methods = {m: v for m, v in METHODS.items()
               if m not in PACKAGES or importlib.util.find_spec(PACKAGES[m])}
    for method in METHODS.keys() - methods.keys():
        print(f"note: {method} skipped: package {PACKAGES[method]!r} is not installed "
              "(pip install -e '.[bench]')")
    for package in {PACKAGES[m] for m in methods if m in PACKAGES}:
        importlib.import_module(package)  # now, so that no method's seconds hold an import
    # A failed run is rerun, except when only assembling (it shows as "failed").
    earlier = reusable(args.reuse, KEYS, keep=lambda r: (
        args.reuse_only or r["method"] not in args.rerun and "error" not in r)
        and (r["method"] != "synthaug" or r["params"] == args.synthaug_params))

    tables, runs = {}, []
    for table in args.tables:
        frame, label, class_of_interest = TABLES[table](args.data_dir)
        tables[table] = {"rows": len(frame), "label": label, "class_of_interest": class_of_interest}
        for size in sizes:
            for seed in args.seeds:
                train, test = split(table, frame, label, seed=seed, train_size=size,
                                    max_test=max_test)
                X, y = train.drop(columns=label), train[label]
                X_test, y_test = test.drop(columns=label), test[label]
                for method, (augment, class_weight) in methods.items():
                    key = (table, size, seed, method, args.epochs, len(test))
                    if key in earlier:
                        runs.append(earlier[key])
                        continue
                    if args.reuse_only:
                        continue
                    record = dict(zip(KEYS, key), params=args.synthaug_params
                                  if method == "synthaug" else {})
                    started = time.perf_counter()
                    try:
                        X_aug, y_aug, *details = (X, y) if augment is None else augment(
                            X, y, seed, args.epochs, args.synthaug_params)
                    except Exception as error:  # a failed method is a missing cell, not a lost run
                        record["error"] = f"{type(error).__name__}: {error}".splitlines()[0]
                    else:
                        record.update(rows=len(X_aug), seconds=None if augment is None
                                      else time.perf_counter() - started, scores={})
                        if details:
                            record["details"] = details[0]
                        for name, model in classifiers(X, class_weight).items():
                            model.fit(X_aug, y_aug)
                            record["scores"][name] = score(model, X_test, y_test,
                                                           class_of_interest)
                    runs.append(record)
                    print(record, flush=True)

    command = command_line()
    write_results(args.results_dir, args.name or "augmentation_value", args.quick,
                  markdown(args, command, sizes, list(methods), tables, runs),
                  {"command": command, "sizes": sizes, "seeds": args.seeds,
                   "epochs": args.epochs, "synthaug_params": args.synthaug_params,
                   "tables": tables, "runs": runs})


# ---------------------------------------------------------------- the tables


def markdown(args, command, sizes, methods, tables, runs) -> list[str]:
    scores = pd.DataFrame([
        {**{k: r[k] for k in ("table", "size", "seed", "method")}, "model": model, **s}
        for r in runs if "error" not in r for model, s in r["scores"].items()])
    means = scores.groupby(["table", "size", "model", "method"])[["f1", "roc_auc"]].mean()
    reused = sorted({r["from"] for r in runs if "from" in r})
    lines = [
        "# Augmentation value across tables",
        "",
        f"Command: `{command}`; {platform.machine()}, {os.cpu_count()} cores, CPU. "
        f"Stratified training subsets, seeds {_seeds(sizes, runs)}; test: up to "
        f"{QUICK_TEST if args.quick else MAX_TEST:,} other rows (stratified; Adult's from its "
        f"test split). GAN epochs: {'each library default' if args.epochs is None else args.epochs}"
        f"; synthaug parameters: {params_text(args.synthaug_params)}. F1 and PR AUC are of the "
        "class of interest, macro over the classes for hpc_data, as is ROC AUC (one-vs-rest). "
        "Mean ± std over seeds; seconds are the augmentation's (`fit_resample`).",
    ]
    if reused:
        lines.append("† reused from an earlier run (its seconds are that run's): "
                     + "; ".join(f"`{c}`" for c in reused) + ".")
    header = " | ".join(f"{_short(m)} {h}" for m in MODELS
                        for _, h in SCORES)
    for table, info in tables.items():
        for size in sizes:
            cell = [r for r in runs if r["table"] == table and r["size"] == size]
            lines += ["", f"## {table}, {size:,} training rows (`{info['label']}`: "
                      f"`{info['class_of_interest']}`; test rows: {cell[0]['test_rows']:,})", "",
                      f"| Method | Rows | Seconds | {header} |", "|---|" + "---:|" * 8]
            reasons = []
            for method in methods:
                records = [r for r in cell if r["method"] == method]
                done = [r for r in records if "error" not in r]
                reasons += sorted({f"{method}: {r['error']}" for r in records if "error" in r})
                if not done:
                    lines.append(f"| {method} | failed ({len(records)}/{len(records)} seeds) |"
                                 + " |" * 7)
                    continue
                seconds = mean_std([r["seconds"] for r in done], ".1f") + (
                    " †" if any("from" in r for r in done) else "")
                cells = [mean_std([r["scores"][m][s] for r in done]) for m in MODELS
                         for s, _ in SCORES]
                failed = f" ({len(done)}/{len(records)} seeds)" if len(done) < len(records) else ""
                lines.append(f"| {method}{failed} | {np.mean([r['rows'] for r in done]):,.0f} | "
                             f"{seconds} | " + " | ".join(cells) + " |")
            if reasons:
                lines += ["", "Failed: " + "; ".join(reasons) + "."]
    return lines + _summary(sizes, methods, tables, means, runs)


def _seeds(sizes, runs) -> str:
    """The seeds that ran, per training size when they differ."""
    found = {size: sorted({r["seed"] for r in runs if r["size"] == size}) for size in sizes}
    text = {size: " ".join(map(str, seeds)) for size, seeds in found.items()}
    if len(set(text.values())) == 1:
        return next(iter(text.values()))
    return "; ".join(f"{seeds} at {size:,} rows" for size, seeds in text.items())


def _summary(sizes, methods, tables, means, runs) -> list[str]:
    """synthaug against real only (ROC AUC) per table, its mean F1 across tables
    against SMOTE(NC) and against each table's best baseline (and the tables where it
    leads), and its seconds."""
    if "synthaug" not in methods:
        return []
    columns = [(size, model) for size in sizes for model in MODELS]
    lines = ["", "## Summary", "", f"synthaug minus real only, ROC AUC (⚠: below {DROP_FLAG}):",
             "", "| Table | " + " | ".join(f"{s:,} rows, {_short(m)}" for s, m in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for table in tables:
        cells = []
        for size, model in columns:
            delta = _delta(means, (table, size, model), "synthaug", "real only", "roc_auc")
            cells.append("-" if delta is None else f"{delta:+.3f}"
                         + (" ⚠" if delta < DROP_FLAG else ""))
        lines.append(f"| {table} | " + " | ".join(cells) + " |")

    baselines = [m for m in methods if m != "synthaug"]
    lines += ["", "Mean F1 across tables: synthaug against SMOTE(NC) (on the tables where "
              "SMOTE(NC) ran) and against the best baseline of each table (by mean F1):", "",
              "| Rows | Model | Tables | synthaug | SMOTE(NC) (tables) | synthaug on those | "
              "Best baseline per table | synthaug − best | Tables synthaug leads |",
              "|---:|---|---:|" + "---:|" * 6]
    for size, model in columns:
        per_table = {t: means.loc[(t, size, model)]["f1"] for t in tables
                     if (t, size, model, "synthaug") in means.index}
        if not per_table:
            continue
        ours = np.mean([f["synthaug"] for f in per_table.values()])
        smote = {t: f["SMOTE(NC)"] for t, f in per_table.items() if "SMOTE(NC)" in f.index}
        best_per_table = {t: f.reindex(baselines).max() for t, f in per_table.items()}
        best = np.mean(list(best_per_table.values()))
        leads = [t for t, f in per_table.items() if f["synthaug"] > best_per_table[t]]
        smote_cells = (f"{np.mean(list(smote.values())):.3f} ({len(smote)}) | "
                       f"{np.mean([per_table[t]['synthaug'] for t in smote]):.3f}"
                       if smote else "- (0) | -")
        lines.append(f"| {size:,} | {model} | {len(per_table)} | {ours:.3f} | {smote_cells} | "
                     f"{best:.3f} | {ours - best:+.3f} | {len(leads)} of {len(per_table)}"
                     f"{': ' + ', '.join(leads) if leads else ''} |")
    return lines + _seconds(sizes, tables, runs)


def _seconds(sizes, tables, runs) -> list[str]:
    """synthaug's ``fit_resample`` seconds per table and size, against the 60 s aim."""
    lines = ["", f"synthaug's `fit_resample` seconds (aim: under {AIM_SECONDS} s at 1,000 rows; "
             "mean ± std over seeds, each from the run that made it):", "",
             "| Table | " + " | ".join(f"{s:,} rows" for s in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for table in tables:
        cells = []
        for size in sizes:
            seconds = [r["seconds"] for r in runs if r["table"] == table and r["size"] == size
                       and r["method"] == "synthaug" and "error" not in r]
            cells.append(mean_std(seconds, ".0f") + (" ✘" if seconds and size == 1000
                                                     and np.mean(seconds) > AIM_SECONDS else ""))
        lines.append(f"| {table} | " + " | ".join(cells) + " |")
    return lines


def _delta(means, cell, method, reference, metric) -> float | None:
    if (*cell, method) not in means.index or (*cell, reference) not in means.index:
        return None
    return means.loc[(*cell, method), metric] - means.loc[(*cell, reference), metric]


def _short(model: str) -> str:
    return "HGB" if model == "HistGradientBoosting" else "LR"


if __name__ == "__main__":
    main()
