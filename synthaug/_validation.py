"""The input gate: every table, image batch and label vector enters the package here.

Each check fails with a message that names the column (or row, image, or value) at
fault and says how to fix it. Arrays are turned into DataFrames once, here, so that
the rest of the package has a single data path for tables; images become one
(n, C, H, W) array. The layouts returned alongside know how to give the caller back
the container (or image layout, dtype and value range) they passed in.
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


def is_number(series: pd.Series) -> bool:
    """Numbers (booleans aside), datetimes and timedeltas: columns measured on a scale."""
    dtype = series.dtype
    return (ptypes.is_numeric_dtype(dtype) and not ptypes.is_bool_dtype(dtype)) or \
        ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype)


def as_numbers(series: pd.Series) -> np.ndarray:
    """A numeric or temporal column as floats (datetimes and timedeltas in their own
    ticks), with NaN for missing values."""
    if ptypes.is_datetime64_any_dtype(series.dtype) or ptypes.is_timedelta64_dtype(series.dtype):
        numbers = series.array.asi8.astype(float)
        numbers[series.isna().to_numpy()] = np.nan
        return numbers
    return series.to_numpy(dtype=float, na_value=np.nan)


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

    def to_frame(self, table: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """A table in this layout (as :meth:`restore` returns it) as a DataFrame.

        Not a check: for the package's own output and input already through the gate.
        """
        return pd.DataFrame(table, columns=list(self.columns)) if self.kind == "array" else table

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


# ---------------------------------------------------------------- images

MIN_IMAGE_SIDE, MAX_IMAGE_SIDE = 8, 128
IMAGE_CHANNELS = (1, 3)


@dataclass(frozen=True)
class ImageLayout:
    """How the caller's images looked, so that generated ones come back the same way.

    ``axes`` is ``"nhw"``, ``"nhwc"`` or ``"nchw"``; ``dtype`` the array's dtype;
    ``low``/``high`` the value range pixels map to [-1, 1] from (0-255 for uint8,
    the observed range otherwise).
    """

    axes: str
    height: int
    width: int
    channels: int
    dtype: str
    low: float
    high: float

    @property
    def scale(self) -> float:
        """Pixels map to [-1, 1] as ``pixels * scale + shift``."""
        return 2.0 / (self.high - self.low)

    @property
    def shift(self) -> float:
        return -1.0 - self.low * self.scale

    def to_unit(self, pixels):
        """Float pixels (a NumPy array or a tensor) -> values in [-1, 1]."""
        return pixels * self.scale + self.shift

    def unit(self, images: np.ndarray) -> np.ndarray:
        """Images in this layout (as :meth:`restore` returns them) -> (n, C, H, W)
        float32 values in [-1, 1]. Not a check, like :meth:`TableLayout.to_frame`."""
        return self.to_unit(to_nchw(np.asarray(images, dtype=np.float32), self.axes))

    def restore(self, unit: np.ndarray) -> np.ndarray:
        """(n, C, H, W) values in [-1, 1] -> the caller's layout, dtype and value range."""
        dtype = np.dtype(self.dtype)
        values = np.clip((unit.astype(np.float64) - self.shift) / self.scale, self.low, self.high)
        if np.issubdtype(dtype, np.integer):
            values = np.round(values)
        values = values.astype(dtype)
        if self.axes == "nhw":
            return values[:, 0]
        if self.axes == "nhwc":
            return values.transpose(0, 2, 3, 1)
        return values

    def to_dict(self) -> dict:
        return {"axes": self.axes, "height": self.height, "width": self.width,
                "channels": self.channels, "dtype": self.dtype, "low": self.low,
                "high": self.high}

    @classmethod
    def from_dict(cls, d: dict) -> "ImageLayout":
        return cls(**d)


def image_axes(shape: tuple) -> str:
    """``"nhw"``, ``"nhwc"`` or ``"nchw"`` for a 3-D or 4-D shape.

    A 4-D array is channels-last when its last axis has 1 or 3 entries, else
    channels-first when axis 1 has. Images are at least 8 pixels on each side, so an
    array that could be read both ways is not a valid image batch either way.
    """
    if len(shape) == 3:
        return "nhw"
    if shape[3] in IMAGE_CHANNELS:
        return "nhwc"
    if shape[1] in IMAGE_CHANNELS:
        return "nchw"
    raise ValueError(
        f"X of shape {shape} is read as a batch of images, but neither axis 3 (n, H, W, C) "
        f"nor axis 1 (n, C, H, W) holds 1 or 3 channels (grey or RGB). Convert other "
        "channel counts (e.g. drop an alpha channel) first."
    )


def to_nchw(images: np.ndarray, axes: str) -> np.ndarray:
    """A batch of images laid out as ``axes`` (see :func:`image_axes`), as (n, C, H, W)."""
    if axes == "nhw":
        return images[:, None]
    if axes == "nhwc":
        return images.transpose(0, 3, 1, 2)
    return images


def check_images(X: Any, *, min_images: int = 2) -> tuple[np.ndarray, ImageLayout]:
    """Validate a batch of images; return them as an (n, C, H, W) array plus the layout.

    Accepts uint8, other integer and float arrays of shape ``(n, H, W)``,
    ``(n, H, W, C)`` or ``(n, C, H, W)`` with 1 or 3 channels and sides of 8 to 128
    pixels. The returned pixels keep uint8 as uint8 (a quarter of the memory on the
    training device); other dtypes become float32.
    """
    if hasattr(X, "toarray") or isinstance(X, pd.DataFrame):
        raise TypeError("Images must be a dense 3-D or 4-D array; got a table.")
    array = np.asarray(X)
    if array.ndim not in (3, 4):
        raise ValueError(
            f"Expected images of shape (n, H, W), (n, H, W, C) or (n, C, H, W); got an array "
            f"of shape {array.shape}."
        )
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(
            f"Images must hold integer or float pixel values; got dtype {array.dtype}."
        )
    axes = image_axes(array.shape)
    pixels = to_nchw(array, axes)
    n, channels, height, width = pixels.shape
    if not (MIN_IMAGE_SIDE <= height <= MAX_IMAGE_SIDE and MIN_IMAGE_SIDE <= width <= MAX_IMAGE_SIDE):
        raise ValueError(
            f"X of shape {array.shape} is read as {n} images of {height}x{width} pixels "
            f"({axes} layout; 3-D and 4-D input are images, a 2-D table goes to the MLP "
            f"backbone), but images must be {MIN_IMAGE_SIDE} to {MAX_IMAGE_SIDE} pixels high "
            "and wide. Resize them first (or add a leading axis for a single image)."
        )
    if n < min_images:
        raise ValueError(
            f"X has {n} image{'s' if n != 1 else ''} (shape {array.shape}); GANAugmenter "
            f"needs at least {min_images} to learn a distribution."
        )
    if array.dtype == np.uint8:
        low, high = 0.0, 255.0
    else:
        if np.issubdtype(array.dtype, np.floating):
            bad = ~np.isfinite(pixels.reshape(n, -1)).all(axis=1)
            if bad.any():
                raise ValueError(
                    f"Images contain NaN or infinite values (first in image "
                    f"{int(np.flatnonzero(bad)[0])}); replace or drop those images."
                )
        low, high = float(array.min()), float(array.max())
        if low == high:
            raise ValueError(f"Every pixel of every image is {low}; there is nothing to learn.")
        pixels = pixels.astype(np.float32)
    layout = ImageLayout(axes, int(height), int(width), int(channels), array.dtype.str, low, high)
    return np.ascontiguousarray(pixels), layout
