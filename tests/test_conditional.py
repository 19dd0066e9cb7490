"""Class-conditional and column-conditional sampling is exact."""

import numpy as np
import pandas as pd
import pytest

from conftest import fast_augmenter


@pytest.fixture(scope="module")
def fitted(request):
    rng = np.random.RandomState(0)
    n = 300
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.6, 0.3, 0.1]),
        "flag": rng.rand(n) < 0.5,
    })
    y = pd.Series(rng.choice(["cat", "dog", "eel"], n, p=[0.7, 0.2, 0.1]), name="animal")
    return fast_augmenter().fit(X, y), X, y


def test_sample_returns_x_and_y_when_fit_with_labels(fitted):
    aug, X, y = fitted
    X_new, y_new = aug.sample(200)
    assert isinstance(y_new, pd.Series) and y_new.name == "animal" and len(y_new) == 200
    assert set(y_new) <= {"cat", "dog", "eel"}
    assert list(X_new.columns) == list(X.columns)
    assert aug.classes_.tolist() == ["cat", "dog", "eel"]


@pytest.mark.parametrize("label", ["cat", "eel"])
def test_sample_of_one_class_returns_only_that_class(fitted, label):
    aug, _, _ = fitted
    _, y_new = aug.sample(1000, y=label)
    assert (y_new == label).all() and len(y_new) == 1000


def test_sample_with_per_row_labels_keeps_their_order(fitted):
    aug, _, _ = fitted
    wanted = np.array(["dog", "cat", "eel", "dog", "cat"] * 20)
    _, y_new = aug.sample(len(wanted), y=wanted)
    assert y_new.tolist() == wanted.tolist()


def test_conditions_are_met_exactly(fitted):
    aug, _, _ = fitted
    X_new, y_new = aug.sample(500, y="eel", conditions={"city": "Pune", "flag": True})
    assert (X_new["city"] == "Pune").all()
    assert X_new["flag"].all()
    assert (y_new == "eel").all()


def test_conditioning_steers_unconditioned_columns():
    """The generator learns the link between the label and the other columns."""
    rng = np.random.RandomState(0)
    n = 600
    y = rng.choice(["lo", "hi"], n)
    X = pd.DataFrame({"v": np.where(y == "hi", 5.0, -5.0) + rng.normal(size=n)})
    aug = fast_augmenter(epochs=60, batch_size=100, generator_dim=(128, 128),
                         discriminator_dim=(128, 128)).fit(X, y)
    hi, _ = aug.sample(400, y="hi")
    lo, _ = aug.sample(400, y="lo")
    assert hi["v"].mean() > lo["v"].mean() + 2.0


def test_sample_is_reproducible_and_seed_dependent(fitted):
    aug, _, _ = fitted
    a, _ = aug.sample(50)
    b, _ = aug.sample(50)
    c, _ = aug.sample(50, random_state=123)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("kwargs, message", [
    (dict(y="cow"), r"y='cow' is not a class seen during fit; classes_ are \['cat', 'dog', 'eel'\]"),
    (dict(conditions={"city": "Rome"}), r"Value 'Rome' of column 'city' was not seen during fit"),
    (dict(conditions={"x": 1.0}), r"discrete columns only, and 'x' is continuous"),
    (dict(conditions={"nope": 1}), r"column 'nope', which was not seen during fit"),
    (dict(y=["cat", "dog"]), r"y has 2 labels but n_samples=10"),
])
def test_bad_sampling_requests_name_the_problem(fitted, kwargs, message):
    aug, _, _ = fitted
    with pytest.raises(ValueError, match=message):
        aug.sample(10, **kwargs)


def test_y_needs_a_model_fit_with_labels():
    aug = fast_augmenter().fit(np.random.RandomState(0).normal(size=(50, 2)))
    with pytest.raises(ValueError, match="fit without y"):
        aug.sample(5, y=1)
