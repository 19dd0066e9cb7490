"""Identifier columns: row numbers and keys, which a model should not learn but fill afresh.

A column holding a distinct value in every row, integers or text, is an identifier: a
row number, a customer key, an e-mail address. Modelled like any column it would do
harm: integers are modelled as numbers, so synthetic rows repeat real ids; text
becomes a one-hot block as wide as the table. Instead an identifier is left out of
the model, and synthetic rows get fresh values no real row has: integers continue
past the largest real one, text gets a prefix that no real value starts with. Those
two are all a model keeps of an identifier; it stores no real id.

``id_columns="auto"`` finds identifiers by what chance cannot produce:

- At least :data:`MIN_ROWS` rows. ``n`` values drawn from ``m`` equally likely ones are
  all distinct with probability about ``exp(-n**2 / 2m)``: at 50 rows, a text column is
  distinct by chance (1 time in 100) only if it has about 300 equally common values
  (free text by then, which one-hot blocks cannot model either), and a run of integers
  (below: m <= 100) with probability under 1e-6. A smaller table may well have, say, a
  column of ages that are all different.
- Integer columns count when distinct and either a run of consecutive numbers, give or
  take gaps (their range spans at most twice as many numbers as there are rows), or
  named like an identifier (``id``, ``user_id``, ``userId``, ``key``, ``index``,
  ``rownames``, pandas' ``Unnamed: 0`` ...). A measurement stored as integers often
  is distinct in a small table (``fnlwgt`` in 200 rows of UCI Adult is) but spans a
  far wider range.
- Text columns (strings, as object or string dtype) count when distinct.
- Floats, dates, booleans and categorical dtypes never count: distinct floats or
  timestamps are measurements, and a categorical dtype is the caller's declaration.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from synthaug._json import dtype_from_json, dtype_to_json, from_json, to_json
from synthaug._validation import is_integer_column

MIN_ROWS = 50
# Last words of a column name that say "identifier" (the name split at non-letters and
# at camelCase humps), and pandas' name for an index column written without a name.
ID_WORDS = {"id", "ids", "key", "index", "idx", "uuid", "guid", "pk", "rownames", "rowname",
            "rownum"}
UNNAMED = re.compile(r"unnamed: ?\d+", re.IGNORECASE)


@dataclass(frozen=True)
class Identifier:
    """An identifier column: where it stands and how its fresh values are made.

    Integers count up from ``start`` (one past the largest real value); text is
    ``prefix`` followed by a count, and no real value starts with ``prefix``.
    """

    name: Any
    position: int
    dtype: Any
    integral: bool
    start: int = 0
    prefix: str = ""

    @classmethod
    def fit(cls, series: pd.Series, position: int) -> "Identifier":
        if is_integer_column(series):
            return cls(series.name, position, series.dtype, True, start=_past(series))
        return cls(series.name, position, series.dtype, False, prefix=_prefix(series))

    def covering(self, series: pd.Series) -> "Identifier":
        """This identifier with fresh values that also avoid those of ``series`` (a prefix
        that extends the old one still avoids the values the old one did)."""
        if self.integral:
            return dataclasses.replace(self, start=max(self.start, _past(series)))
        return dataclasses.replace(self, prefix=_prefix(series, self.prefix))

    def fresh(self, n: int) -> pd.Series:
        """``n`` new values, distinct from each other and from every real one."""
        if not self.integral:
            return pd.Series([f"{self.prefix}{i}" for i in range(1, n + 1)], name=self.name,
                             dtype=self.dtype)
        dtype = self.dtype.numpy_dtype if hasattr(self.dtype, "numpy_dtype") else self.dtype
        if n and self.start + n - 1 > np.iinfo(dtype).max:
            raise ValueError(
                f"Identifier column {self.name!r} has dtype {self.dtype}, which cannot hold "
                f"{n} fresh values from {self.start} on. Widen it (e.g. to int64) before "
                "fitting, or fit with id_columns=None to model it.")
        return pd.Series(np.arange(self.start, self.start + n), name=self.name).astype(self.dtype)

    def to_dict(self) -> dict:
        return {"name": to_json(self.name), "position": self.position,
                "dtype": dtype_to_json(self.dtype), "integral": self.integral,
                "start": self.start, "prefix": self.prefix}

    @classmethod
    def from_dict(cls, d: dict) -> "Identifier":
        return cls(from_json(d["name"]), d["position"], dtype_from_json(d["dtype"]),
                   d["integral"], d["start"], d["prefix"])


def find_identifiers(frame: pd.DataFrame, setting: Any, claimed: dict) -> list[Identifier]:
    """The identifier columns of ``frame`` for ``id_columns=setting`` ("auto", a list, or
    None). ``claimed`` maps parameter names (``target_column``, ``discrete_columns``) to
    the columns they name, which "auto" leaves alone and a list may not name."""
    if setting is None:
        return []
    taken = {name for names in claimed.values() for name in names}
    if isinstance(setting, str):
        names = [name for name in frame.columns
                 if name not in taken and _looks_like_identifier(frame[name])]
        if names:
            warnings.warn(
                f"Column{'s' * (len(names) > 1)} {names} hold{'s' * (len(names) == 1)} a "
                "distinct value in every row, as identifiers do: not modelled, and synthetic "
                "rows get fresh values that no real row has. Set id_columns=None to model "
                "them, or id_columns=[...] to choose.", UserWarning, stacklevel=5)
    else:
        names = list(setting)
        _check_listed(frame, names, claimed)
    if names and len(names) == frame.shape[1]:
        raise ValueError(f"Every column of X is an identifier ({names}), which leaves nothing "
                         "to model. Set id_columns=None to model them.")
    columns = list(frame.columns)
    return [Identifier.fit(frame[name], columns.index(name)) for name in names]


def with_identifiers(frame: pd.DataFrame, identifiers: list[Identifier]) -> pd.DataFrame:
    """``frame`` (the modelled columns) with fresh identifiers put back in their places."""
    if not identifiers:
        return frame
    frame = frame.copy()
    for identifier in sorted(identifiers, key=lambda i: i.position):
        frame.insert(identifier.position, identifier.name,
                     identifier.fresh(len(frame)).set_axis(frame.index))
    return frame


def _check_listed(frame: pd.DataFrame, names: list, claimed: dict) -> None:
    unknown = [name for name in names if name not in frame.columns]
    if unknown:
        raise ValueError(f"id_columns names {unknown}, which X does not have; X's columns are "
                         f"{list(frame.columns)}.")
    for parameter, others in claimed.items():
        both = [name for name in names if name in others]
        if both:
            raise ValueError(f"id_columns and {parameter} both name {both}; an identifier is "
                             "not modelled, so it cannot be either.")
    for name in names:
        if not (is_integer_column(frame[name]) or _is_text(frame[name])):
            raise ValueError(
                f"id_columns names {name!r}, a column of dtype {frame[name].dtype}; identifiers "
                "hold integers or text (fresh values continue past the largest integer, or "
                "take a new prefix). Leave it out of id_columns to model it.")


def _looks_like_identifier(series: pd.Series) -> bool:
    if len(series) < MIN_ROWS or series.isna().any():
        return False
    if _is_text(series):
        return series.is_unique
    if not is_integer_column(series) or not series.is_unique:
        return False
    span = int(series.max()) - int(series.min()) + 1
    return span <= 2 * len(series) or _named_like_identifier(series.name)


def _named_like_identifier(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)
    return bool(UNNAMED.fullmatch(name.strip())) or bool(words) and words[-1].lower() in ID_WORDS


def _is_text(series: pd.Series) -> bool:
    if ptypes.is_string_dtype(series.dtype) and not ptypes.is_object_dtype(series.dtype):
        return True  # pandas' string dtype
    return ptypes.is_object_dtype(series.dtype) and \
        all(isinstance(value, str) for value in series.dropna())


def _past(series: pd.Series) -> int:
    """One past the largest value of an integer column."""
    present = series.dropna()
    return int(present.max()) + 1 if len(present) else 0


def _taken(series: pd.Series, prefix: str) -> bool:
    return bool(series.dropna().astype(str).str.startswith(prefix).any())


def _prefix(series: pd.Series, base: str = "synthetic-") -> str:
    """``base`` (then ``base`` + "2-", + "3-", ...): the first that no value starts with."""
    prefix, number = base, 1
    while _taken(series, prefix):
        number += 1
        prefix = f"{base}{number}-"
    return prefix
