"""Bad input fails early with a message that names the column, the value and the fix."""

import numpy as np
import pandas as pd
import pytest

from conftest import fast_augmenter


def frame(**columns):
    base = {"a": np.arange(10.0), "b": list("xyxyxyxyxy")}
    return pd.DataFrame({**base, **columns})


@pytest.mark.parametrize("X, y, error, message", [
    (pd.DataFrame(), None, ValueError, r"0 feature\(s\)"),
    (pd.DataFrame({"a": []}), None, ValueError, "0 samples"),
    (pd.DataFrame({"a": [1.0]}), None, ValueError, "1 sample"),
    (frame(c=[np.nan] * 10), None, ValueError, "Column 'c' contains only missing values; drop it"),
    (frame(c=[1.0] * 9 + [np.inf]), None, ValueError, "Column 'c' contains infinite values .*row 9"),
    (frame(), [0] * 10, ValueError, r"y has only one class \(0\)"),
    (frame(), [0, 1] * 4, ValueError, "X has 10 rows but y has 8 labels"),
    (frame(), [0, 1, None, 1, 0, 1, 0, 1, 0, 1], ValueError, r"y has missing labels at rows \[2\]"),
    (frame(), np.linspace(0, 1, 10), ValueError, "Unknown label type"),
    (np.arange(10.0), None, ValueError, r"reshape\(-1, 1\)"),
    (np.ones((4, 3, 3)), None, ValueError, "2-D table"),
    (np.ones((5, 2)) * 1j, None, ValueError, "Complex data not supported"),
    (frame(c=[{"k": 1}] * 10), None, TypeError, "Column 'c' holds a value of type dict"),
])
def test_bad_fit_input(X, y, error, message):
    with pytest.raises(error, match=message):
        fast_augmenter().fit(X, y)


@pytest.mark.parametrize("params, message", [
    (dict(loss="lsgan"), "'loss' parameter"),
    (dict(epochs=0), "'epochs' parameter"),
    (dict(batch_size=4, pac=5), "batch_size=4 must be at least pac=5"),
    (dict(device="tpu"), "device='tpu' is not a device"),
    (dict(generator_dim=(32, -1)), "must hold positive integers"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        fast_augmenter(**params).fit(frame())


def test_unfitted_model_says_so():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        fast_augmenter().sample(3)
