"""Discrete columns that nearly determine each other are modelled as one: generated rows
hold only the combinations training rows hold, and conditions on any of them are met."""

import numpy as np
import pandas as pd
import pytest

from conftest import fast_augmenter
from synthaug import GANAugmenter

JOB_GROUP = {"nurse": "care", "doctor": "care", "welder": "trade", "baker": "trade",
             "clerk": "office"}


def _jobs(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``job`` determines ``group`` and ``level`` (a code of the job); ``city`` and
    ``shift`` are independent of everything."""
    rng = np.random.RandomState(seed)
    job = rng.choice(list(JOB_GROUP), n, p=[0.3, 0.1, 0.2, 0.25, 0.15])
    X = pd.DataFrame({
        "pay": rng.normal(30, 5, n),
        "job": job,
        "city": rng.choice(["Oslo", "Lima", "Pune"], n),
        "group": [JOB_GROUP[j] for j in job],
        "level": pd.Series(job).map({j: i for i, j in enumerate(JOB_GROUP)}).to_numpy(),
        "shift": rng.choice(["day", "night"], n),
    })
    y = pd.Series(np.where(rng.rand(n) < 0.3, "yes", "no"), name="left")
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _jobs()
    return fast_augmenter().fit(X, y), X, y


def _combos(frame: pd.DataFrame) -> set:
    return set(map(tuple, frame[["job", "group", "level"]].astype(str).to_numpy()))


def test_columns_that_determine_each_other_are_joined_and_others_not(fitted):
    aug, _, _ = fitted
    assert [joint.name for joint in aug.schema_.joints] == [("job", "group", "level")]
    # The joint block replaces three one-hot blocks: 1 + 5 (joint) + 3 + 2 + 2 (label).
    assert aug.schema_.width == 13


def test_generated_rows_hold_only_training_combinations_in_the_columns_order(fitted):
    aug, X, _ = fitted
    X_new, _ = aug.sample(2000, random_state=1)
    assert list(X_new.columns) == list(X.columns)
    assert (X_new.dtypes == X.dtypes).all()
    assert _combos(X_new) <= _combos(X)
    # The per-combination correction matches the jobs' training shares.
    shares = X_new["job"].value_counts(normalize=True)
    expected = X["job"].value_counts(normalize=True)
    assert np.abs(shares - expected).max() < 0.03


def test_a_condition_on_one_joined_column_draws_combinations_that_hold_it(fitted):
    aug, X, _ = fitted
    X_new, _ = aug.sample(600, conditions={"group": "care"}, random_state=2)
    assert (X_new["group"] == "care").all()
    assert set(X_new["job"]) == {"nurse", "doctor"}
    # Combinations drawn by their training frequencies: nurses are three doctors' worth.
    nurses = (X_new["job"] == "nurse").mean()
    assert 0.65 < nurses < 0.85


def test_conditions_on_two_joined_columns_and_the_label(fitted):
    aug, _, _ = fitted
    X_new, y_new = aug.sample(100, y="yes", conditions={"group": "trade", "level": 3},
                              random_state=3)
    assert (X_new["job"] == "baker").all() and (y_new == "yes").all()


def test_conditions_joined_columns_never_hold_together_are_refused(fitted):
    aug, _, _ = fitted
    with pytest.raises(ValueError, match=r"never occur together.*'job', 'group', 'level'"):
        aug.sample(10, conditions={"group": "care", "job": "welder"})
    with pytest.raises(ValueError, match="'job'.*not seen during fit"):
        aug.sample(10, conditions={"job": "pilot"})


def test_a_range_condition_beside_a_joint_column_filters_the_right_column(fitted):
    aug, _, _ = fitted
    X_new, _ = aug.sample(50, conditions={"pay": (25.0, 35.0), "job": "clerk"}, random_state=4)
    assert X_new["pay"].between(25.0, 35.0).all() and (X_new["group"] == "office").all()


def test_joined_models_save_and_load_with_identical_samples(fitted, tmp_path):
    aug, _, _ = fitted
    aug.save(tmp_path / "jobs.pt")
    loaded = GANAugmenter.load(tmp_path / "jobs.pt")
    assert [joint.name for joint in loaded.schema_.joints] == [("job", "group", "level")]
    for conditions in (None, {"group": "trade"}):
        a, _ = aug.sample(300, conditions=conditions, random_state=5)
        b, _ = loaded.sample(300, conditions=conditions, random_state=5)
        pd.testing.assert_frame_equal(a, b)


def test_the_label_and_independent_columns_are_never_joined():
    X, y = _jobs()
    # The label column determined by a column: still apart (it has a role of its own).
    X = X.assign(left=np.where(X["job"] == "clerk", "yes", "no"))
    aug = fast_augmenter(target_column="left").fit(X)
    assert all("left" not in joint.name for joint in aug.schema_.joints)
    assert all({"city", "shift"}.isdisjoint(joint.name) for joint in aug.schema_.joints)
    assert fast_augmenter(joint_columns=False).fit(X, y).schema_.joints == []


def test_rare_categories_that_never_meet_are_no_relation():
    # Two rare flags that never co-occur in 400 rows: few combinations, but no association.
    rng = np.random.RandomState(0)
    a, b = np.zeros(400, int), np.zeros(400, int)
    a[rng.choice(400, 4, replace=False)] = 1
    b[np.setdiff1d(np.arange(400), np.flatnonzero(a))[:4]] = 1
    X = pd.DataFrame({"a": a, "b": b, "x": rng.normal(size=400)})
    assert fast_augmenter().fit(X).schema_.joints == []


def test_warm_start_with_a_new_combination_names_it():
    X, y = _jobs()
    aug = fast_augmenter(warm_start=True).fit(X, y)
    X.loc[0, ["job", "group", "level"]] = ["nurse", "trade", 0]
    with pytest.raises(ValueError, match=r"together.*\['nurse', 'trade', 0\]"):
        aug.fit(X, y)
