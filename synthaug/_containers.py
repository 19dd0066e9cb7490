"""Rows of the caller's containers (DataFrames, Series, arrays), taken and stacked alike."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
