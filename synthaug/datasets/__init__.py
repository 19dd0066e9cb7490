"""Bundled data sets, loaded in scikit-learn's style."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

_ADULT_FILES = {"train": "adult.csv.gz", "test": "adult_test.csv.gz"}
_ADULT_DESCR = """UCI Adult (census income), {subset} split: {n} rows, 14 features and the
target ``income`` ("<=50K" / ">50K"). Categorical columns are pandas categories with the
original files' leading spaces stripped; "?" is read as missing. Source: UCI Machine
Learning Repository (Becker & Kohavi, 1996), CC BY 4.0."""


def load_adult(*, subset: str = "train", return_X_y: bool = False, as_frame: bool = True):
    """Load the UCI Adult census-income table shipped with synthaug.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The 32,561-row training split or the 16,281-row test split.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    as_frame : bool, default=True
        Only ``True`` is supported: the columns have mixed types, which a NumPy array
        would flatten to ``object``.

    Returns
    -------
    data : Bunch with ``data`` (DataFrame), ``target`` (Series), ``frame``,
        ``feature_names``, ``target_names`` and ``DESCR``; or ``(X, y)``.

    Examples
    --------
    >>> from synthaug.datasets import load_adult
    >>> X, y = load_adult(return_X_y=True)
    >>> X.shape, y.value_counts().to_dict()
    ((32561, 14), {'<=50K': 24720, '>50K': 7841})
    """
    if subset not in _ADULT_FILES:
        raise ValueError(f"subset={subset!r} must be 'train' or 'test'.")
    if not as_frame:
        raise ValueError("load_adult supports as_frame=True only (the columns have mixed types).")
    with resources.files(__package__).joinpath("data", _ADULT_FILES[subset]).open("rb") as f:
        frame = pd.read_csv(f, compression="gzip", skipinitialspace=True, na_values=["?"])
    # Text columns are object (pandas 2) or str (pandas 3) dtype: both become categories.
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = frame[name].astype("category")
    X, y = frame.drop(columns="income"), frame["income"]
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, frame=frame, feature_names=list(X.columns),
                 target_names=list(y.cat.categories),
                 DESCR=_ADULT_DESCR.format(subset=subset, n=len(frame)))


_MNIST_DESCR = """MNIST handwritten digits, the 10,000 images of the original test set: uint8
images of 28x28 pixels (0 = background, 255 = ink) and their digit labels 0-9 (uint8),
about 1,000 per class. Source: Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
"The MNIST database of handwritten digits"; licence CC BY-SA 3.0."""


def load_mnist_t10k(*, return_X_y: bool = False):
    """Load the 10,000 MNIST test-set digits shipped with synthaug (28x28, uint8).

    MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges and is
    licensed CC BY-SA 3.0; the bundled file holds the original test set unchanged.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(images, labels)`` instead of a Bunch.

    Returns
    -------
    data : Bunch with ``images`` (uint8, shape (10000, 28, 28)), ``target`` (uint8,
        shape (10000,)), ``target_names`` and ``DESCR``; or ``(images, target)``.

    Examples
    --------
    >>> from synthaug.datasets import load_mnist_t10k
    >>> X, y = load_mnist_t10k(return_X_y=True)
    >>> X.shape, X.dtype, sorted(set(y.tolist())) == list(range(10))
    ((10000, 28, 28), dtype('uint8'), True)
    """
    with resources.files(__package__).joinpath("data", "mnist_t10k.npz").open("rb") as f:
        with np.load(f) as archive:
            images, target = archive["images"], archive["labels"]
    if return_X_y:
        return images, target
    return Bunch(images=images, target=target, target_names=list(range(10)), DESCR=_MNIST_DESCR)
