"""JSON helpers: the Python values a table can hold (column names, categories), and reports.

Model files store metadata as JSON; values JSON has no type for (timestamps,
timedeltas, non-finite floats, NumPy scalars) are written as small tagged objects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def dtype_to_json(dtype: Any) -> Any:
    """A pandas/NumPy dtype as JSON; categorical dtypes keep their categories and order."""
    if isinstance(dtype, pd.CategoricalDtype):
        return {"category": [to_json(v) for v in dtype.categories], "ordered": bool(dtype.ordered)}
    return str(dtype)


def dtype_from_json(spec: Any) -> Any:
    if isinstance(spec, dict):
        return pd.CategoricalDtype([from_json(v) for v in spec["category"]], ordered=spec["ordered"])
    return pd.api.types.pandas_dtype(spec)


def to_json(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return {"timestamp": value.isoformat()}
    if isinstance(value, pd.Timedelta):
        return {"timedelta": int(value.value)}
    if isinstance(value, np.datetime64):  # .item() would give bare nanoseconds
        return to_json(pd.Timestamp(value))
    if isinstance(value, np.timedelta64):
        return to_json(pd.Timedelta(value))
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return {"float": repr(value)}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "timestamp" in value:
            return pd.Timestamp(value["timestamp"])
        if "timedelta" in value:
            return pd.Timedelta(value["timedelta"])
        return float(value["float"])
    return value


def json_key(value: Any) -> Any:
    """A NumPy scalar (a class label, say) as the Python value a JSON key or list takes."""
    return value.item() if isinstance(value, np.generic) else value


def json_safe(value: Any) -> Any:
    """Only JSON types: NumPy scalars as Python numbers, NaN/inf (undefined scores) as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
