"""Fidelity of synthetic tables: how close, how useful, how private, how diverse.

:func:`fidelity_report` compares any synthetic table with the real one (so it can
judge other generators too); :meth:`GANAugmenter.evaluate` calls it with fresh
samples. The report holds:

- SDMetrics' ``QualityReport`` (column shapes, column pair trends) and
  ``DiagnosticReport`` (data validity and structure), computed by SDMetrics itself;
- ML efficacy when a label is known: a fixed HistGradientBoosting model trained on
  real rows (TRTR), on synthetic rows (TSTR) and on both (augmentation gain), all
  tested on the same real test rows;
- privacy: distance to the closest training record (DCR) of synthetic rows and of
  real rows the reference set does not hold, and the share of exact copies;
- mode-collapse signals: categories never generated, and per-class diversity;
- the detection score: how well a classifier tells real rows from synthetic ones.

Every part works on at most ``max_rows`` rows per table (5,000 by default) so that
a report on a large table takes seconds; the report's ``notes`` say what was
subsampled.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

from synthaug._json import json_key, json_safe
from synthaug._judges import (classification_scores, frame_as_numbers, frame_as_strings,
                              label_model, transformer)
from synthaug._runtime import new_seed
from synthaug._scoring import bounded, class_diversity, diversity_warnings, fmt, holdout
from synthaug._validation import is_number

MAX_ROWS = 5_000
# Signals worth a warning in the report.
COPY_RATE_MARGIN = 0.01  # exact copies beyond the real data's own duplicate rate
DCR_RATIO_FLOOR = 0.5  # synthetic rows twice as close to training rows as real ones are
DETECTION_FOLDS = 5


@dataclass
class FidelityReport:
    """How synthetic rows compare with real ones. Scores are in [0, 1], higher is better.

    Attributes
    ----------
    quality : dict
        SDMetrics QualityReport: ``score``, ``column_shapes``, ``column_pair_trends``.
    column_scores : DataFrame
        Per-column shape scores (``column``, ``metric``, ``score``).
    diagnostic : dict
        SDMetrics DiagnosticReport: ``score``, ``data_validity``, ``data_structure``.
    ml_efficacy : dict or None
        With a label: ``{"real": m, "synthetic": m, "augmented": m}`` where ``m`` holds
        ``accuracy``, ``f1`` (macro) and ``roc_auc`` on the same real test rows, plus
        ``test`` (what those rows were).
    privacy : dict
        ``dcr_synthetic`` / ``dcr_real`` (median distance to the closest reference
        row, on min-max scaled numbers and one-hot categories), their 5th
        percentiles, ``exact_copy_rate`` (synthetic rows equal to a training row) and
        ``real_copy_rate`` (the same for held-out real rows).
    mode_collapse : dict
        ``missing_categories`` ``{column: [values never generated]}`` and
        ``class_diversity`` ``{class: synthetic / real nearest-neighbour spread}``.
    warnings : list of str
        Signals that need a look: copies, memorisation, collapsed modes.
    notes : list of str
        How the numbers were made (subsampling, test rows).
    n_real, n_synthetic : int
        Rows compared.
    seconds : float
        Time the report took.
    detection : dict or None
        :func:`detection_score`: ``score`` (1 = indistinguishable) and ``roc_auc`` of
        the real-vs-synthetic classifier; ``None`` in a report saved before it existed.
    """

    quality: dict
    column_scores: pd.DataFrame
    diagnostic: dict
    ml_efficacy: dict | None
    privacy: dict
    mode_collapse: dict
    warnings: list
    notes: list
    n_real: int
    n_synthetic: int
    seconds: float
    detection: dict | None = None
    history: list = field(default_factory=list, repr=False)
    real: pd.DataFrame | None = field(default=None, repr=False)
    synthetic: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> str:
        """A short human-readable summary."""
        q, d, p = self.quality, self.diagnostic, self.privacy
        lines = [
            f"Fidelity of {self.n_synthetic} synthetic vs {self.n_real} real rows "
            "(0-1, higher is better)",
            f"  quality (SDMetrics)    {fmt(q['score'])}  (column shapes {fmt(q['column_shapes'])}, "
            f"pair trends {fmt(q['column_pair_trends'])})",
            f"  diagnostic (SDMetrics) {fmt(d['score'])}  (validity {fmt(d['data_validity'])}, "
            f"structure {fmt(d['data_structure'])})",
        ]
        if self.detection:
            lines.append(f"  detection              {fmt(self.detection['score'])}  "
                         f"(real-vs-synthetic ROC AUC {fmt(self.detection['roc_auc'])})")
        if self.ml_efficacy:
            real, syn, aug = (self.ml_efficacy[k] for k in ("real", "synthetic", "augmented"))
            lines.append(
                f"  ML efficacy, ROC AUC   real {fmt(real['roc_auc'])} | synthetic (TSTR) "
                f"{fmt(syn['roc_auc'])} | real+synthetic {fmt(aug['roc_auc'])}"
            )
            lines.append(
                f"  ML efficacy, F1 macro  real {fmt(real['f1'])} | synthetic (TSTR) "
                f"{fmt(syn['f1'])} | real+synthetic {fmt(aug['f1'])}"
            )
        lines.append(
            f"  privacy                DCR synthetic {fmt(p['dcr_synthetic'])} vs real "
            f"{fmt(p['dcr_real'])}; exact copies {fmt(p['exact_copy_rate'], '.1%')} "
            f"(real {fmt(p['real_copy_rate'], '.1%')})"
        )
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Every number and message as JSON-safe types (no tables of rows)."""
        return json_safe({
            "quality": self.quality,
            "column_scores": self.column_scores.to_dict(orient="records"),
            "diagnostic": self.diagnostic,
            "detection": self.detection,
            "ml_efficacy": self.ml_efficacy,
            "privacy": self.privacy,
            "mode_collapse": self.mode_collapse,
            "warnings": self.warnings,
            "notes": self.notes,
            "n_real": self.n_real,
            "n_synthetic": self.n_synthetic,
            "seconds": self.seconds,
        })

    @classmethod
    def from_dict(cls, d: dict) -> "FidelityReport":
        """Rebuild a report from :meth:`to_dict` (it cannot plot marginals: no rows)."""
        return cls(**{**d, "column_scores": pd.DataFrame(d["column_scores"])})

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per number: ``section``, ``metric``, ``value``."""
        rows = [("quality", k, v) for k, v in self.quality.items()]
        rows += [("column_shapes", r["column"], r["score"]) for _, r in self.column_scores.iterrows()]
        rows += [("diagnostic", k, v) for k, v in self.diagnostic.items()]
        rows += [("detection", k, v) for k, v in (self.detection or {}).items()]
        for model, scores in (self.ml_efficacy or {}).items():
            if isinstance(scores, dict):
                rows += [("ml_efficacy", f"{model}_{k}", v) for k, v in scores.items()]
        rows += [("privacy", k, v) for k, v in self.privacy.items()]
        rows += [("class_diversity", str(k), v)
                 for k, v in self.mode_collapse["class_diversity"].items()]
        return pd.DataFrame(rows, columns=["section", "metric", "value"])

    def plot(self, directory: str | os.PathLike) -> list[str]:
        """Write PNG figures into ``directory`` and return their paths.

        ``marginals.png`` (real vs synthetic per column), ``correlations.png`` (the
        difference of the two association matrices) and, when a training history is
        attached, ``losses.png``. Needs matplotlib (``pip install synthaug[plot]``).
        """
        from synthaug import _plots

        if self.real is None or self.synthetic is None:
            raise ValueError(
                "This report holds no rows to plot (it was loaded from a file); run "
                "evaluate() again to plot."
            )
        return _plots.write_report_figures(self, directory)


def fidelity_report(real: pd.DataFrame, synthetic: pd.DataFrame, *, target: Any = None,
                    real_test: pd.DataFrame | None = None, history: list | None = None,
                    discrete_columns: list | None = None, max_rows: int = MAX_ROWS,
                    random_state: int | None = 0) -> FidelityReport:
    """Compare a synthetic table with the real one it imitates.

    Parameters
    ----------
    real : DataFrame
        The real (training) rows.
    synthetic : DataFrame
        Synthetic rows with the same columns.
    target : column name, default=None
        The label column, for ML efficacy and per-class diversity.
    real_test : DataFrame, default=None
        Real rows kept out of training. They are the test set of the ML efficacy
        models and the held-out baseline of the privacy numbers. Without them a
        stratified 30% of ``real`` plays both parts (the generator may have seen
        those rows, which flatters TSTR; the report notes it).
    history : list of dict, default=None
        A training history (``GANAugmenter.history_``) for the loss plot.
    discrete_columns : list, default=None
        Numeric columns SDMetrics should judge as categories (a fitted model passes
        its own); non-numeric columns always are.
    max_rows : int, default=5000
        Rows used per table; larger tables are subsampled.
    random_state : int, default=0
        Seed for subsampling and the ML efficacy models.

    Returns
    -------
    FidelityReport

    Examples
    --------
    >>> from synthaug.datasets import load_adult
    >>> from synthaug.metrics import fidelity_report
    >>> adult = load_adult().frame
    >>> report = fidelity_report(adult[:3000], adult[3000:6000], target="income")
    >>> report.quality["score"] > 0.9 and report.privacy["exact_copy_rate"] < 0.05
    True
    """
    started = time.perf_counter()
    _check_same_columns(real, synthetic)
    if target is not None and target not in real.columns:
        raise ValueError(f"target={target!r} is not a column; columns are {list(real.columns)}.")
    rng = np.random.RandomState(random_state)
    notes = []
    if real_test is None:
        real, real_test = holdout((real,), None if target is None else real[target], rng)
        notes.append("test rows: a stratified 30% of the real rows (no real_test given); the "
                     "generator may have seen them")
    else:
        notes.append(f"test rows: real_test ({len(real_test)} rows)")
    all_real = real
    (real,), (synthetic,), (real_test,) = (bounded((t,), max_rows, rng, name, notes) for t, name
                                           in ((real, "real"), (synthetic, "synthetic"),
                                               (real_test, "test")))

    quality, column_scores, diagnostic = _sdmetrics_reports(real, synthetic, discrete_columns)
    ml = None
    if target is not None:
        ml = _ml_efficacy(real, synthetic, real_test, target, rng, notes)
    space = _distance_space(real)
    privacy = _privacy(space, real, all_real, synthetic, real_test)
    collapse = {"missing_categories": _missing_categories(real, synthetic),
                "class_diversity": _class_diversity(space, real, synthetic, target)}
    detection = detection_score(real, synthetic, max_rows=max_rows, random_state=new_seed(rng))
    return FidelityReport(
        quality=quality, column_scores=column_scores, diagnostic=diagnostic, ml_efficacy=ml,
        privacy=privacy, mode_collapse=collapse, warnings=_privacy_warnings(privacy)
        + _missing_category_warnings(collapse["missing_categories"])
        + diversity_warnings(collapse["class_diversity"], "rows"),
        notes=notes, n_real=len(real), n_synthetic=len(synthetic),
        seconds=time.perf_counter() - started, detection=detection, history=list(history or []),
        real=real, synthetic=synthetic,
    )


def quality_scores(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    """SDMetrics ``QualityReport`` scores of ``synthetic`` against ``real``, in [0, 1].

    Returns ``{"score", "column_shapes", "column_pair_trends"}``.

    Examples
    --------
    >>> from synthaug.datasets import load_adult
    >>> from synthaug.metrics import quality_scores
    >>> adult = load_adult().frame
    >>> quality_scores(adult.iloc[:5000], adult.iloc[5000:10000])["score"] > 0.95
    True
    """
    return _sdmetrics_reports(real, synthetic)[0]


def detection_score(real: pd.DataFrame, synthetic: pd.DataFrame, *, max_rows: int = MAX_ROWS,
                    random_state: int | None = 0) -> dict:
    """How well a classifier tells real rows from synthetic ones.

    The package's fixed HistGradientBoosting model (:func:`label_model`) learns to
    label rows real or synthetic; its 5-fold stratified cross-validated ROC AUC on as
    many real as synthetic rows is turned into SDMetrics' detection score,
    ``1 - (2 * max(AUC, 0.5) - 1)``: 1 when the two cannot be told apart, 0 when every
    row is told apart.

    Parameters
    ----------
    real : DataFrame
        The real rows.
    synthetic : DataFrame
        Synthetic rows with the same columns.
    max_rows : int, default=5000
        Rows used per table; both tables are cut to the same number of rows, at most
        this many. With fewer than 5 rows a side the scores are NaN (undefined).
    random_state : int, default=0
        Seed for subsampling, the folds and the model.

    Returns
    -------
    dict
        ``{"score": float, "roc_auc": float}``.

    Examples
    --------
    >>> from synthaug.datasets import load_adult
    >>> from synthaug.metrics import detection_score
    >>> adult = load_adult().frame
    >>> detection_score(adult[:2000], adult[2000:4000])["score"] > 0.8
    True
    """
    _check_same_columns(real, synthetic)
    rng = np.random.RandomState(random_state)
    n = min(len(real), len(synthetic), max_rows)  # balanced: chance is an AUC of 0.5
    if n < DETECTION_FOLDS:
        return {"score": float("nan"), "roc_auc": float("nan")}  # too few rows to fold
    rows = pd.concat([table.sample(n, random_state=new_seed(rng))
                      for table in (real, synthetic)], ignore_index=True)
    is_synthetic = np.repeat([0, 1], n)
    seed = new_seed(rng)
    folds = StratifiedKFold(n_splits=DETECTION_FOLDS, shuffle=True, random_state=seed)
    auc = float(np.mean(cross_val_score(label_model(rows, seed), rows, is_synthetic, cv=folds,
                                        scoring="roc_auc")))
    return {"score": 1 - (2 * max(auc, 0.5) - 1), "roc_auc": auc}


def sdmetrics_metadata(frame: pd.DataFrame, discrete_columns: list | None = None) -> dict:
    """SDMetrics single-table metadata from a DataFrame's dtypes (and known discrete columns)."""
    columns = {}
    discrete = set(discrete_columns or ())
    for name in frame.columns:
        dtype = frame[name].dtype
        if ptypes.is_bool_dtype(dtype):
            sdtype = "boolean"
        elif ptypes.is_datetime64_any_dtype(dtype):
            sdtype = "datetime"
        elif is_number(frame[name]) and name not in discrete:
            sdtype = "numerical"
        else:
            sdtype = "categorical"
        columns[str(name)] = {"sdtype": sdtype}
    return {"columns": columns}


# ---------------------------------------------------------------- the parts


def _sdmetrics_reports(real: pd.DataFrame, synthetic: pd.DataFrame, discrete_columns=None):
    from sdmetrics.reports import DiagnosticReport, QualityReport

    _check_same_columns(real, synthetic)
    rename = {name: str(name) for name in real.columns}
    tables = ({"table": real.rename(columns=rename)}, {"table": synthetic.rename(columns=rename)},
              {"tables": {"table": sdmetrics_metadata(real.rename(columns=rename),
                                                      [str(c) for c in discrete_columns or ()])}})
    quality, diagnostic = QualityReport(), DiagnosticReport()
    with warnings.catch_warnings():
        # SDMetrics' own pandas deprecation noise, not the user's concern.
        warnings.simplefilter("ignore", FutureWarning)
        quality.generate(*tables, verbose=False)
        diagnostic.generate(*tables, verbose=False)
    q = quality.get_properties().set_index("Property")["Score"]
    d = diagnostic.get_properties().set_index("Property")["Score"]
    shapes = quality.get_details("Column Shapes")
    column_scores = pd.DataFrame({"column": shapes["Column"], "metric": shapes["Metric"],
                                  "score": shapes["Score"].astype(float)})
    return (
        {"score": float(quality.get_score()), "column_shapes": float(q["Column Shapes"]),
         "column_pair_trends": float(q["Column Pair Trends"])},
        column_scores,
        {"score": float(diagnostic.get_score()), "data_validity": float(d["Data Validity"]),
         "data_structure": float(d["Data Structure"])},
    )


def _ml_efficacy(real, synthetic, test, target, rng, notes) -> dict | None:
    classes = np.unique(real[target].astype(str))
    if len(classes) < 2 or test[target].nunique() < 2:
        notes.append("ML efficacy skipped: fewer than 2 classes in the real or test rows")
        return None
    features = [c for c in real.columns if c != target]
    seed = new_seed(rng)
    scores = {}
    for name, train in (("real", real), ("synthetic", synthetic),
                        ("augmented", pd.concat([real, synthetic], ignore_index=True))):
        labels = train[target].astype(str)
        if labels.nunique() < 2:
            scores[name] = {"accuracy": 0.0, "f1": 0.0, "roc_auc": 0.5}
            notes.append(f"{name} rows hold one class only; its model scores as chance")
            continue
        # The encoder's note on left-out columns is the same for all three models.
        model = label_model(real[features], seed, notes if name == "real" else None)
        model.fit(train[features], labels)
        scores[name] = _classification_scores(model, test[features], test[target].astype(str),
                                              classes)
    scores["test"] = notes[0].removeprefix("test rows: ")
    return scores


def _classification_scores(model, X, y, classes) -> dict:
    probabilities = pd.DataFrame(model.predict_proba(X), columns=model.classes_)
    return classification_scores(probabilities.reindex(columns=classes, fill_value=0.0)
                                 .to_numpy(), classes, y)


def _distance_space(real: pd.DataFrame) -> ColumnTransformer:
    """Min-max scaled numbers (+ missing indicators) and one-hot categories, fit on real rows."""
    numeric = [c for c in real.columns if is_number(real[c])]
    discrete = [c for c in real.columns if c not in numeric]
    space = ColumnTransformer([
        ("numbers", make_pipeline(transformer(frame_as_numbers),
                                  SimpleImputer(strategy="median", add_indicator=True),
                                  MinMaxScaler()), numeric),
        ("categories", make_pipeline(transformer(frame_as_strings),
                                     OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
         discrete),
    ])
    return space.fit(real)


def _privacy(space, reference, all_real, synthetic, holdout) -> dict:
    """Distances to the closest reference row, and exact copies of any training row."""
    index = NearestNeighbors(n_neighbors=1).fit(space.transform(reference))
    dcr_synthetic = index.kneighbors(space.transform(synthetic))[0][:, 0]
    dcr_real = index.kneighbors(space.transform(holdout))[0][:, 0]
    training_rows = set(_row_hashes(all_real))
    return {
        "dcr_synthetic": float(np.median(dcr_synthetic)),
        "dcr_real": float(np.median(dcr_real)),
        "dcr_synthetic_p5": float(np.percentile(dcr_synthetic, 5)),
        "dcr_real_p5": float(np.percentile(dcr_real, 5)),
        "exact_copy_rate": float(np.mean([h in training_rows for h in _row_hashes(synthetic)])),
        "real_copy_rate": float(np.mean([h in training_rows for h in _row_hashes(holdout)])),
    }


def _missing_categories(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    """``{column: [categories of the real rows that no synthetic row has]}``."""
    missing = {}
    for name in real.columns:
        if not is_number(real[name]):
            absent = set(real[name].dropna().astype(str)) - set(synthetic[name].dropna().astype(str))
            if absent:
                missing[str(name)] = sorted(absent)
    return missing


def _class_diversity(space, real: pd.DataFrame, synthetic: pd.DataFrame, target) -> dict:
    groups = [("all", real, synthetic)] if target is None else [
        (json_key(label), real[real[target] == label], synthetic[synthetic[target] == label])
        for label in pd.unique(real[target])]
    return class_diversity((label, space.transform(r), space.transform(s))
                           for label, r, s in groups if len(r) > 2 and len(s) > 2)


def _privacy_warnings(privacy: dict) -> list:
    found = []
    if privacy["exact_copy_rate"] > privacy["real_copy_rate"] + COPY_RATE_MARGIN:
        found.append(f"{privacy['exact_copy_rate']:.1%} of synthetic rows are exact copies of "
                     f"training rows (held-out real rows: {privacy['real_copy_rate']:.1%})")
    if privacy["dcr_synthetic"] < DCR_RATIO_FLOOR * privacy["dcr_real"]:
        found.append(f"synthetic rows sit closer to training rows (median DCR "
                     f"{privacy['dcr_synthetic']:.3f}) than held-out real rows do "
                     f"({privacy['dcr_real']:.3f}): possible memorisation")
    return found


def _missing_category_warnings(missing: dict) -> list:
    return [f"column {column!r}: {len(values)} categories never generated "
            f"({', '.join(values[:5])}{', ...' if len(values) > 5 else ''})"
            for column, values in missing.items()]


# ---------------------------------------------------------------- helpers


def _check_same_columns(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    if list(real.columns) != list(synthetic.columns):
        raise ValueError(
            f"real and synthetic must have the same columns; got {list(real.columns)} and "
            f"{list(synthetic.columns)}."
        )


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
