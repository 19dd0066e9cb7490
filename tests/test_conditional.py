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
    # 1,200 steps: at 360 the label's effect on `v` has only begun to show (the raw
    # generator still makes one mode, and the marginal map spreads it by rank).
    aug = fast_augmenter(epochs=200, batch_size=100, generator_dim=(128, 128),
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
    (dict(conditions={"x": 1.0}), r"conditions\['x'\] = 1.0: no value the model generates for "
                                  r"'x' lies there \(it makes the values the training column has"),
    (dict(conditions={"x": (9.0, None)}), r"lies outside what the model generates for 'x': the "
                                          r"training range, -\d\.\d+ to \d\.\d+"),
    (dict(conditions={"x": (1.0, 0.0)}), r"low is above high"),
    (dict(conditions={"x": (0, 1, 2)}), r"a range is \(low, high\), with None for an open end"),
    (dict(conditions={"x": "big"}), r"'big' is not a number"),
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


# ---------------------------------------------------------------- ranges


@pytest.fixture(scope="module")
def adults():
    from synthaug.datasets import load_adult

    X = load_adult().frame.sample(2000, random_state=0).reset_index(drop=True)
    return fast_augmenter(target_column="income").fit(X), X


def test_range_conditions_hold_in_every_row_and_follow_the_data(adults):
    aug, X = adults
    rows = aug.sample(1000, conditions={"age": (30, 40)})
    assert len(rows) == 1000 and rows["age"].between(30, 40).all()
    real = X.loc[X["age"].between(30, 40), "age"]
    assert abs(rows["age"].mean() - real.mean()) < 1.0
    assert rows["age"].nunique() == 11  # every age of the range, not a few of them
    assert rows.dtypes.to_dict() == X.dtypes.to_dict()


def test_value_open_and_combined_conditions(adults):
    aug, X = adults
    rows = aug.sample(300, conditions={"age": 40, "sex": "Female", "hours-per-week": (None, 30)},
                      y=None)
    assert (rows["age"] == 40).all() and (rows["sex"] == "Female").all()
    assert (rows["hours-per-week"] <= 30).all()
    by_class = aug.sample(200, conditions={"age": (60, None), "income": ">50K"})
    assert (by_class["age"] >= 60).all() and (by_class["income"] == ">50K").all()


def test_range_conditions_are_reproducible(adults):
    aug, _ = adults
    first, again = (aug.sample(50, conditions={"age": (20, 25)}, random_state=4)
                    for _ in range(2))
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize("conditions, message", [
    ({"age": 40.5}, r"'age' holds whole numbers only"),
    ({"age": (40.2, 40.8)}, r"no value the model generates for 'age' lies there"),
    ({"age": float("nan")}, r"a missing value is no condition"),
    ({"age": (95, 120)}, r"the training range, 17 to 90"),
])
def test_unmeetable_range_conditions_are_refused_at_once(adults, conditions, message):
    aug, _ = adults
    with pytest.raises(ValueError, match=message):
        aug.sample(10, conditions=conditions)


def test_one_value_of_a_column_with_few_values_is_met_exactly(fitted):
    aug, X, _ = fitted
    value = X["x"].iloc[7]  # 300 rows: the model makes the training column's own values
    rows, _ = aug.sample(20, conditions={"x": value})
    assert (rows["x"] == value).all()


@pytest.fixture(scope="module")
def unmapped(fitted):
    _, X, y = fitted
    return fast_augmenter(match_marginals=False).fit(X, y), X


def test_one_value_of_a_continuous_column_asks_for_a_range(unmapped):
    aug, _ = unmapped
    with pytest.raises(ValueError, match=r"conditions\['x'\] = 1.0 asks for one value of a "
                                         r"continuous column.*give a range instead"):
        aug.sample(5, conditions={"x": 1.0})


def test_a_range_the_model_never_reaches_says_how_often_it_does(unmapped):
    aug, X = unmapped
    x = float(X["x"].median())
    with pytest.raises(ValueError, match=r"Only 0 of the 1,000,000 rows generated met 'x': "
                                         r"\(.*\) \(about 0 of the rows this model makes\)"):
        aug.sample(5, conditions={"x": (x, x + 1e-12)})
