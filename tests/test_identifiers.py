"""Identifier columns: found at fit, named, left out of the model, filled with fresh values."""

import warnings

import numpy as np
import pandas as pd
import pytest

from synthaug import GANAugmenter
from conftest import fast_augmenter


def table(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Two identifiers (a row number, a text key) among columns that only look like them."""
    rng = np.random.RandomState(seed)
    return pd.DataFrame({
        "rownames": np.arange(1, n + 1),
        "x": rng.normal(size=n),  # distinct floats: a measurement
        "key": [f"K{i:05d}" for i in rng.permutation(n)],
        "weight": rng.choice(10**7, n, replace=False),  # distinct integers, a wide range
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.permutation(n), unit="D"),
        "k": rng.choice(["a", "b", "c"], n),
    })


def labels(n: int = 120, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed + 1).randint(2, size=n)


def fitted(X, y=None, **params) -> GANAugmenter:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fast_augmenter(**params).fit(X, y)


def test_identifiers_are_found_named_in_a_warning_and_not_modelled():
    X = table()
    with pytest.warns(UserWarning, match=r"Columns \['rownames', 'key'\] hold a distinct value "
                                         "in every row"):
        aug = fast_augmenter().fit(X, labels())
    assert aug.id_columns_ == ["rownames", "key"]
    assert aug.schema_.names == ["x", "weight", "when", "k"]


def test_synthetic_identifiers_are_fresh_in_the_columns_place_and_dtype():
    X = table().astype({"rownames": "int32"})
    X["key"] = X["key"].astype("string")
    X_new, _ = fitted(X, labels()).sample(30)
    assert list(X_new.columns) == list(X.columns) and X_new.dtypes.equals(X.dtypes)
    assert X_new["rownames"].tolist() == list(range(121, 151))  # on past the largest
    assert X_new["key"].is_unique and not X_new["key"].isin(X["key"]).any()


def test_text_identifiers_take_a_prefix_no_real_value_has():
    X = table()
    X.loc[:9, "key"] = [f"synthetic-{i}" for i in range(1, 11)]
    X_new, _ = fitted(X, labels()).sample(20)
    assert X_new["key"].str.startswith("synthetic-2-").all()
    assert not X_new["key"].isin(X["key"]).any()


def test_an_augmented_table_has_no_identifier_twice():
    """Augmenting draws several times (class by class, redraws for the label filter)."""
    X, y = table(), labels()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X_res, _ = fast_augmenter(sampling_strategy="all").fit_resample(X, y)
    assert len(X_res) > len(X)
    assert X_res["rownames"].is_unique and X_res["key"].is_unique


def test_augmenting_new_rows_gives_identifiers_none_of_them_has():
    X, y = table(), labels()
    X["label"] = np.where(y == 1, "yes", "no")
    aug = fitted(X, target_column="label", sampling_strategy="all")
    later = X.assign(rownames=X["rownames"] + 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the label filter's, on 2 epochs
        augmented = aug.transform(later)
    assert len(augmented) > len(later) and augmented["rownames"].is_unique
    assert augmented["rownames"].iloc[len(later):].min() == 1121


def test_the_identifiers_position_is_kept_for_an_array():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 5, 80), np.arange(80), rng.randint(0, 5, 80)])
    aug = fitted(X)
    assert aug.id_columns_ == [1]
    X_new = aug.sample(10)
    assert X_new.dtype == X.dtype and X_new[:, 1].tolist() == list(range(80, 90))


@pytest.mark.parametrize("n, found", [(49, []), (50, ["rownames", "key"])])
def test_a_small_table_has_no_identifiers(n, found):
    """In under 50 rows, distinct values are too likely to be chance."""
    assert fitted(table(n), labels(n)).id_columns_ == found


def test_integers_far_from_a_run_count_only_when_named_like_an_identifier():
    X = table()[["x", "weight"]]
    assert fitted(X).id_columns_ == []
    assert fitted(X.rename(columns={"weight": "customerId"})).id_columns_ == ["customerId"]
    assert fitted(X.rename(columns={"weight": "Unnamed: 0"})).id_columns_ == ["Unnamed: 0"]


def test_id_columns_none_models_every_column_and_a_list_chooses():
    X, y = table(), labels()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about identifiers
        everything = fast_augmenter(id_columns=None).fit(X, y)
        chosen = fast_augmenter(id_columns=["k"]).fit(X, y)  # not even distinct
    assert everything.id_columns_ == [] and "rownames" in everything.schema_.names
    assert chosen.id_columns_ == ["k"] and "rownames" in chosen.schema_.names
    assert chosen.sample(5)[0]["k"].str.startswith("synthetic-").all()


@pytest.mark.parametrize("params, fragment", [
    (dict(id_columns=["nope"]), "id_columns names ['nope'], which X does not have"),
    (dict(id_columns=["x"]), "id_columns names 'x', a column of dtype float64"),
    (dict(id_columns=["when"]), "'when', a column of dtype datetime64"),
    (dict(id_columns=["weight"], discrete_columns=["weight"]),
     "id_columns and discrete_columns both name ['weight']"),
    (dict(id_columns=["k"], target_column="k"), "id_columns and target_column both name ['k']"),
    (dict(id_columns=["rownames", "x", "key", "weight", "when", "k"]), None),
])
def test_id_columns_that_cannot_be_identifiers_are_refused(params, fragment):
    X = table()
    if fragment is None:  # every column listed, and x is a float
        fragment = "id_columns names 'x'"
    with pytest.raises(ValueError, match="id_columns") as error:
        fast_augmenter(**params).fit(X)
    assert fragment in str(error.value)


def test_a_table_of_identifiers_only_is_refused():
    with pytest.raises(ValueError, match="Every column of X is an identifier"):
        fitted(table()[["rownames", "key"]])


def test_auto_leaves_the_label_and_listed_discrete_columns_alone():
    X = table()
    assert "rownames" not in fitted(X, discrete_columns=["rownames"]).id_columns_
    X["label"] = [f"L{i}" for i in range(len(X))]  # distinct, but the label
    assert "label" not in fitted(X, target_column="label").id_columns_


def test_identifiers_survive_save_and_load(tmp_path):
    X, y = table(), labels()
    aug = fitted(X, y)
    aug.save(tmp_path / "model.pt")
    loaded = GANAugmenter.load(tmp_path / "model.pt")
    assert loaded.id_columns_ == ["rownames", "key"]
    (X_a, y_a), (X_b, y_b) = aug.sample(40, random_state=2), loaded.sample(40, random_state=2)
    pd.testing.assert_frame_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)


def test_reports_and_conditions_leave_identifiers_out():
    X, y = table(), labels()
    aug = fitted(X, y)
    report = aug.evaluate(X, y)
    assert sorted(report.column_scores["column"]) == ["k", "weight", "when", "x", "y"]
    with pytest.raises(ValueError, match="'rownames', an identifier column"):
        aug.sample(5, conditions={"rownames": 3})


def test_a_warm_start_on_new_rows_keeps_identifiers_fresh():
    X, y = table(), labels()
    aug = fitted(X, y)
    later = X.assign(rownames=X["rownames"] + 1000)
    aug.set_params(warm_start=True, epochs=1).fit(later, y)
    X_new, _ = aug.sample(5)
    assert X_new["rownames"].min() == 1121
