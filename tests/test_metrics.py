"""The fidelity report behaves as a metric should: real-vs-real at the ceiling, broken
synthetic data scored lower, copies and collapse flagged."""

import json

import numpy as np
import pandas as pd
import pytest

from synthaug import GANAugmenter
from synthaug.metrics import FidelityReport, detection_score, fidelity_report
from conftest import fast_augmenter


@pytest.fixture(scope="module")
def table():
    """A table with strong column dependencies, so shuffling them is visible."""
    rng = np.random.RandomState(0)
    n = 1200
    label = rng.choice(["a", "b"], n, p=[0.7, 0.3])
    x = rng.normal(size=n) + 3 * (label == "b")
    return pd.DataFrame({
        "x": x,
        "z": 2 * x + rng.normal(scale=0.3, size=n),
        "k": np.where(x > 1, "high", np.where(x > -0.5, "mid", "low")),
        "count": rng.poisson(3, n) + (label == "b") * 4,
        "label": label,
    })


def halves(frame):
    return frame.iloc[: len(frame) // 2].reset_index(drop=True), \
        frame.iloc[len(frame) // 2:].reset_index(drop=True)


def test_real_vs_real_is_near_the_ceiling_and_every_field_is_there(table):
    real, other = halves(table)
    report = fidelity_report(real, other, target="label")
    assert report.quality["score"] > 0.9 and report.diagnostic["score"] > 0.95
    for section in (report.quality, report.diagnostic):
        assert all(0 <= v <= 1 for v in section.values())
    for scores in (report.ml_efficacy[k] for k in ("real", "synthetic", "augmented")):
        assert set(scores) == {"accuracy", "f1", "roc_auc"}
        assert all(0 <= v <= 1 for v in scores.values())
    assert report.ml_efficacy["synthetic"]["roc_auc"] > 0.9  # another real sample is as good
    assert set(report.column_scores["column"]) == set(table.columns)
    assert report.privacy["exact_copy_rate"] == 0 and report.warnings == []
    assert report.mode_collapse["missing_categories"] == {}
    assert all(0.7 < r < 1.4 for r in report.mode_collapse["class_diversity"].values())


def test_shuffled_columns_score_clearly_lower(table):
    real, other = halves(table)
    rng = np.random.RandomState(1)
    shuffled = other.apply(lambda column: column.sample(frac=1, random_state=rng).to_numpy())
    good = fidelity_report(real, other, target="label")
    bad = fidelity_report(real, shuffled, target="label")
    # marginals are intact, so the drop is in the pair trends and in ML efficacy
    assert bad.quality["column_shapes"] > 0.9
    assert bad.quality["column_pair_trends"] < good.quality["column_pair_trends"] - 0.15
    assert bad.ml_efficacy["synthetic"]["roc_auc"] < 0.65 < good.ml_efficacy["synthetic"]["roc_auc"]


def test_detection_tells_broken_rows_apart_and_not_real_or_copied_ones(table):
    real, other = halves(table)
    rng = np.random.RandomState(1)
    shuffled = other.apply(lambda column: column.sample(frac=1, random_state=rng).to_numpy())
    noise = other.assign(x=rng.normal(size=len(other)), z=rng.normal(size=len(other)))
    scores = {name: detection_score(real, rows) for name, rows in
              (("real", other), ("shuffled", shuffled), ("noise", noise), ("copy", real.copy()))}
    assert scores["real"]["score"] > 0.8
    # the joint structure is gone, so the classifier finds it: near the floor
    assert scores["shuffled"]["score"] < 0.3 and scores["noise"]["score"] < 0.3
    assert scores["shuffled"]["roc_auc"] > 0.85
    assert scores["copy"]["score"] > 0.99  # copies: an AUC of at most chance
    for s in scores.values():
        assert s["score"] == pytest.approx(1 - (2 * max(s["roc_auc"], 0.5) - 1))


def test_detection_is_seeded_and_needs_the_same_columns(table):
    real, other = halves(table)
    assert detection_score(real, other, max_rows=200, random_state=3) == \
        detection_score(real, other, max_rows=200, random_state=3)
    with pytest.raises(ValueError, match="same columns"):
        detection_score(real, other.drop(columns="k"))
    tiny = detection_score(real[:4], other[:4])  # too few rows for 5 folds: undefined
    assert np.isnan(tiny["score"]) and np.isnan(tiny["roc_auc"])


def test_a_generator_that_copies_training_rows_is_flagged(table):
    real, holdout = halves(table)
    copies = real.sample(600, replace=True, random_state=0).reset_index(drop=True)
    report = fidelity_report(real, copies, target="label", real_test=holdout)
    assert report.privacy["exact_copy_rate"] == 1.0
    assert report.privacy["real_copy_rate"] == 0.0
    assert report.privacy["dcr_synthetic"] == 0.0 < report.privacy["dcr_real"]
    assert any("exact copies" in w for w in report.warnings)
    assert any("memorisation" in w for w in report.warnings)


def test_collapsed_modes_are_flagged(table):
    real, other = halves(table)
    collapsed = other[other["k"] != "low"].copy()
    b_rows = collapsed["label"] == "b"
    collapsed.loc[b_rows, ["x", "z", "count"]] = collapsed.loc[b_rows, ["x", "z", "count"]].iloc[0].values
    report = fidelity_report(real, collapsed.reset_index(drop=True), target="label")
    assert report.mode_collapse["missing_categories"] == {"k": ["low"]}
    assert report.mode_collapse["class_diversity"]["b"] < 0.5
    assert any("'k': 1 categories never generated (low)" in w for w in report.warnings)
    assert any("class 'b'" in w and "mode collapse" in w for w in report.warnings)


def test_report_exports(table, tmp_path):
    real, other = halves(table)
    report = fidelity_report(real, other, target="label",
                             history=[{"epoch": 1, "discriminator_loss": 1.0,
                                       "generator_loss": 0.5, "condition_loss": 0.1}])
    as_dict = report.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    again = FidelityReport.from_dict(as_dict)
    assert again.summary() == report.summary()
    tidy = report.to_frame()
    assert list(tidy.columns) == ["section", "metric", "value"]
    sections = set(tidy["section"])
    assert {"quality", "privacy", "ml_efficacy", "column_shapes", "detection"} <= sections
    assert "quality (SDMetrics)" in report.summary()
    detection = report.summary().splitlines()[3]
    assert detection.startswith("  detection              ")
    assert "(real-vs-synthetic ROC AUC" in detection
    assert set(as_dict["detection"]) == {"score", "roc_auc"}
    # a report saved before the detection score existed still loads, without the line
    older = FidelityReport.from_dict({k: v for k, v in as_dict.items() if k != "detection"})
    assert older.detection is None and "detection" not in older.summary()
    paths = report.plot(tmp_path / "plots")
    assert [p.split("/")[-1] for p in paths] == ["marginals.png", "correlations.png", "losses.png"]
    assert all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in paths)
    with pytest.raises(ValueError, match="loaded from a file"):
        again.plot(tmp_path / "again")


def test_plot_without_matplotlib_says_how_to_install(table, tmp_path, monkeypatch):
    import builtins

    real, other = halves(table)
    report = fidelity_report(real, other)
    original = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"pip install 'synthaug\[plot\]'"):
        report.plot(tmp_path)


def test_large_tables_are_subsampled_and_say_so(table):
    big = pd.concat([table] * 5, ignore_index=True)
    report = fidelity_report(big, big, target="label", max_rows=1000)
    assert report.n_real == report.n_synthetic == 1000
    assert any("a random 1000 of" in note for note in report.notes)


def test_estimator_evaluate_and_fit_time_report(table, tmp_path):
    train, test = halves(table)
    X, y = train.drop(columns="label"), train["label"]
    aug = fast_augmenter(fidelity=True, epochs=3).fit(X, y)
    assert isinstance(aug.fidelity_, FidelityReport)
    assert aug.fidelity_.ml_efficacy is not None and aug.fidelity_.n_real <= 2000
    report = aug.evaluate(X, y, X_test=test.drop(columns="label"), y_test=test["label"],
                          n_samples=400)
    assert report.n_synthetic == 400 and report.notes[0].startswith("test rows: real_test")
    assert list(report.real.columns) == list(table.columns)  # the label keeps y's name
    metrics = report.column_scores.set_index("column")["metric"]
    # SDMetrics judges columns as the model encodes them: few-valued integers as categories
    assert metrics["count"] == "TVComplement" and metrics["x"] == "KSComplement"
    assert fast_augmenter().fit(X, y).fidelity_ is None
    path = tmp_path / "m.pt"
    aug.save(path)
    assert GANAugmenter.load(path).fidelity_.to_dict() == aug.fidelity_.to_dict()


def test_evaluate_checks_its_input(table):
    X = table.drop(columns="label")
    aug = fast_augmenter().fit(X)
    with pytest.raises(ValueError, match="fit without y"):
        aug.evaluate(X, table["label"])
    with pytest.raises(ValueError, match="X's columns .* differ"):
        aug.evaluate(X[["z", "x", "k", "count"]])
    report = aug.evaluate(X)
    assert report.ml_efficacy is None and 0 <= report.quality["score"] <= 1


def test_undefined_scores_are_strict_json_and_show_as_na():
    """One column has no pairs: SDMetrics leaves pair trends undefined (NaN)."""
    rng = np.random.RandomState(0)
    real, other = (pd.DataFrame({"x": rng.normal(size=200)}) for _ in range(2))
    report = fidelity_report(real, other)
    as_dict = report.to_dict()
    json.dumps(as_dict, allow_nan=False)  # no NaN tokens that strict parsers reject
    assert as_dict["quality"]["column_pair_trends"] is None
    assert "pair trends n/a" in FidelityReport.from_dict(as_dict).summary()
