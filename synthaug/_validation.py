"""The input gate: every table and label vector enters the package through here.

Each check fails with a message that names the column (or row, or value) at fault
and says how to fix it. Arrays are turned into DataFrames once, here, so that the
rest of the package has a single data path; the layouts returned alongside know how
to give the caller back the container they passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.utils.multiclass import check_classification_targets

from synthaug._json import dtype_from_json, dtype_to_json, from_json, to_json

# Column kinds the encoder knows. "temporal" columns are modelled as numbers.
NUMERIC, TEMPORAL, CATEGORICAL = "numeric", "temporal", "categorical"


def column_kind(series: pd.Series) -> str:
    """Classify a column as numeric, temporal or categorical by its dtype."""
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return CATEGORICAL
    if ptypes.is_complex_dtype(dtype):
        raise ValueError(
            f"Complex data not supported: column {series.name!r} has dtype {dtype}. "
            "Split it into real and imaginary columns."
        )
    if ptypes.is_numeric_dtype(dtype):
        return NUMERIC
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return TEMPORAL
    if ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        return CATEGORICAL
    raise TypeError(
        f"Column {series.name!r} has dtype {dtype}, which GANAugmenter cannot model. "
        "Convert it to numbers, strings, booleans, categories or datetimes."
    )


def is_integer_column(series: pd.Series) -> bool:
    return ptypes.is_integer_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype)


@dataclass(frozen=True)
class TableLayout:
    """How the caller's table looked, so that output can be returned the same way.

    ``kind`` is ``"frame"`` for a DataFrame or ``"array"`` for a NumPy array; for an
    array ``array_dtype`` is its dtype. Column dtypes are kept by the schema.
    """

    kind: str
    columns: tuple
    array_dtype: str | None = None

    def restore(self, frame: pd.DataFrame) -> pd.DataFrame | np.ndarray:
        if self.kind == "array":
            return frame.to_numpy(dtype=np.dtype(self.array_dtype))
        return frame

    def to_dict(self) -> dict:
        return {"kind": self.kind, "columns": [to_json(c) for c in self.columns],
                "array_dtype": self.array_dtype}

    @classmethod
    def from_dict(cls, d: dict) -> "TableLayout":
        return cls(d["kind"], tuple(from_json(c) for c in d["columns"]), d["array_dtype"])


@dataclass(frozen=True)
class LabelLayout:
    """How the caller's labels looked: a named Series or a plain array of some dtype."""

    kind: str
    name: Any
    dtype: Any

    def restore(self, values: np.ndarray) -> pd.Series | np.ndarray:
        if self.kind == "series":
            return pd.Series(values, name=self.name).astype(self.dtype)
        return np.asarray(values).astype(self.dtype)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": to_json(self.name), "dtype": dtype_to_json(self.dtype)}

    @classmethod
    def from_dict(cls, d: dict) -> "LabelLayout":
        return cls(d["kind"], from_json(d["name"]), dtype_from_json(d["dtype"]))


def check_table(X: Any, *, min_rows: int = 2) -> tuple[pd.DataFrame, TableLayout]:
    """Validate a table and return it as a DataFrame plus the caller's layout.

    Accepts a DataFrame or a 2-D array-like. Raises for sparse, complex, empty or
    non-2-D input, duplicated column names, all-missing columns, infinite values
    and unhashable cells.
    """
    if isinstance(X, pd.DataFrame):
        frame, layout = X, TableLayout("frame", tuple(X.columns))
    else:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError(
                "Sparse input is not supported: GANAugmenter needs dense data. "
                "Call X.toarray() first."
            )
        array = np.asarray(X)
        if array.ndim == 1:
            raise ValueError(
                f"Expected a 2-D table, got a 1-D array of shape {array.shape}. "
                "Reshape it with X.reshape(-1, 1) for a single column, or X.reshape(1, -1) "
                "for a single row."
            )
        if array.ndim != 2:
            raise ValueError(
                f"Expected a 2-D table (n_samples, n_features), got an array of shape "
                f"{array.shape}."
            )
        if np.iscomplexobj(array):
            raise ValueError("Complex data not supported. Split it into real and imaginary parts.")
        frame = pd.DataFrame(array)
        layout = TableLayout("array", tuple(frame.columns), array.dtype.str)

    n_rows, n_cols = frame.shape
    if n_cols == 0:
        raise ValueError(
            f"X has 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required; "
            "pass at least one column."
        )
    if n_rows < min_rows:
        raise ValueError(
            f"X has {n_rows} sample{'s' if n_rows != 1 else ''} (shape {frame.shape}); "
            f"GANAugmenter needs at least {min_rows} rows to learn a distribution."
        )
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"X has duplicated column names {duplicated}; rename them.")
    for name in frame.columns:
        _check_column(frame[name])
    return frame, layout


def _check_column(series: pd.Series) -> None:
    kind = column_kind(series)
    missing = series.isna()
    if missing.all():
        raise ValueError(
            f"Column {series.name!r} contains only missing values; drop it before fitting."
        )
    if kind == NUMERIC and not ptypes.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(values)
        if bad.any():
            row = series.index[np.flatnonzero(bad)[0]]
            raise ValueError(
                f"Column {series.name!r} contains infinite values (first at row {row!r}); "
                "replace them with NaN or finite numbers."
            )
    if kind == CATEGORICAL and ptypes.is_object_dtype(series.dtype):
        try:
            pd.unique(series)
            return
        except TypeError:  # an unhashable cell: find it to name it (error path only)
            pass
        for position, value in enumerate(series.to_numpy()):
            if not isinstance(value, Hashable):
                raise TypeError(
                    f"Column {series.name!r} holds a value of type {type(value).__name__} at "
                    f"row {series.index[position]!r}: argument must be a string or a number "
                    "(or a boolean or a date)."
                )


def check_labels(y: Any, n_rows: int) -> tuple[np.ndarray, LabelLayout]:
    """Validate class labels for ``n_rows`` samples; return them as a 1-D array."""
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y must be one column of class labels; got a frame of shape {y.shape}.")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        layout = LabelLayout("series", y.name, y.dtype)
        values = y.to_numpy()
    else:
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()
        if values.ndim != 1:
            raise ValueError(
                f"y must be a 1-D array of class labels; got shape {values.shape}."
            )
        layout = LabelLayout("array", None, values.dtype)
    if len(values) != n_rows:
        raise ValueError(
            f"X has {n_rows} rows but y has {len(values)} labels; they must match one to one."
        )
    missing = pd.isna(values)
    if missing.any():
        raise ValueError(
            f"y has missing labels at rows {np.flatnonzero(missing)[:5].tolist()}; "
            "drop those rows or give them a class."
        )
    check_classification_targets(values)
    classes = pd.unique(values)
    if len(classes) < 2:
        raise ValueError(
            f"y has only one class ({classes.tolist()[0]!r}); conditioning on a label needs at least "
            "2 classes. Fit without y to model a single class."
        )
    return values, layout
