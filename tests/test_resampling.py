"""fit_resample follows imbalanced-learn; transform augments a DataFrame; both work in pipelines."""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from imblearn.utils import check_sampling_strategy
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline as sk_make_pipeline

from synthaug import GANAugmenter
import torch

from synthaug._augmentation import synthesize, synthetic_counts
from synthaug._judges import table_judge
from conftest import fast_augmenter

Y3 = np.array([0] * 50 + [1] * 20 + [2] * 5)


@pytest.mark.parametrize("strategy", [
    "auto", "minority", "not minority", "not majority", "all",
    {1: 30, 2: 40}, lambda y: {2: 10},
])
def test_counts_match_imbalanced_learn(strategy):
    expected = check_sampling_strategy(strategy, Y3, "over-sampling")
    counts = synthetic_counts(Y3, strategy)
    assert {c: n for c, n in counts.items() if n} == {c: n for c, n in expected.items() if n}
    assert set(counts) == {0, 1, 2}


def test_float_strategy_matches_imbalanced_learn():
    y = np.array([0] * 80 + [1] * 20)
    assert synthetic_counts(y, 0.5)[1] == check_sampling_strategy(0.5, y, "over-sampling")[1] == 20


@pytest.mark.parametrize("strategy, message", [
    (0.5, "only applies to two classes"),
    ({7: 10}, "class 7, which y does not have"),
    ({1: 5}, "already has 20"),
    ("most", "is not one of"),
])
def test_bad_strategies_name_the_problem(strategy, message):
    with pytest.raises(ValueError, match=message):
        synthetic_counts(Y3, strategy)


def test_fit_resample_counts_and_containers(imbalanced):
    X, y = imbalanced
    X_res, y_res = fast_augmenter(sampling_strategy={1: 200},
                                  filter_synthetic=False).fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert y_res.name == "target" and y_res.dtype == y.dtype
    assert y_res.value_counts().to_dict() == {0: 240, 1: 200}
    # real rows first, unchanged and in order; then only synthetic rows of class 1
    pd.testing.assert_frame_equal(X_res.iloc[:300], X.reset_index(drop=True))
    assert (y_res.iloc[300:] == 1).all()
    assert X_res.dtypes.equals(X.dtypes)


def test_fit_resample_with_arrays(imbalanced):
    X, y = imbalanced
    X_arr = X[["x1", "x2"]].to_numpy()
    X_res, y_res = fast_augmenter(sampling_strategy="auto",
                                  filter_synthetic=False).fit_resample(X_arr, y.to_numpy())
    assert isinstance(X_res, np.ndarray) and isinstance(y_res, np.ndarray)
    assert np.bincount(y_res).tolist() == [240, 240]
    np.testing.assert_array_equal(X_res[:300], X_arr)


def test_imblearn_pipeline_augments_training_folds_only(imbalanced, monkeypatch):
    X, y = imbalanced
    seen = []
    original = GANAugmenter.fit_resample

    def spy(self, X, y):
        seen.append(len(X))
        return original(self, X, y)

    monkeypatch.setattr(GANAugmenter, "fit_resample", spy)
    pipe = make_pipeline(fast_augmenter(), HistGradientBoostingClassifier(max_iter=20))
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert len(scores) == 3 and np.all((0 <= scores) & (scores <= 1))
    assert seen == [200, 200, 200]  # called on each training fold, never on test folds
    assert np.mean(scores) > 0.7  # the features are informative; augmentation must not wreck it


def test_target_column_mode_transforms_a_frame(imbalanced):
    X, y = imbalanced
    frame = X.assign(target=y)
    aug = fast_augmenter(target_column="target", sampling_strategy="auto", filter_synthetic=False)
    out = aug.fit_transform(frame)
    assert list(out.columns) == list(frame.columns)
    assert out["target"].value_counts().to_dict() == {0: 240, 1: 240}
    pd.testing.assert_frame_equal(out.iloc[:300], frame.reset_index(drop=True))
    assert not hasattr(aug, "fit_resample")
    # sample returns whole rows, label column included
    rows = aug.sample(20, y=1)
    assert list(rows.columns) == list(frame.columns) and (rows["target"] == 1).all()


def test_both_uses_meet_the_pipeline_rules(imbalanced):
    X, y = imbalanced
    sampler = fast_augmenter()
    assert hasattr(sampler, "fit_resample") and not hasattr(sampler, "transform")
    make_pipeline(sampler, HistGradientBoostingClassifier())  # accepted by imblearn
    transformer = fast_augmenter(target_column="target", sampling_strategy="auto",
                                 filter_synthetic=False)
    assert hasattr(transformer, "transform") and not hasattr(transformer, "fit_resample")
    with pytest.raises(TypeError):  # imblearn refuses a step with both; neither mode has both
        make_pipeline(_Both(), HistGradientBoostingClassifier()).fit(X, y)
    # the transformer mode is a plain scikit-learn step that augments a frame
    out = sk_make_pipeline(transformer).fit_transform(X.assign(target=y))
    assert len(out) == 480


class _Both:
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X

    def fit_resample(self, X, y):
        return X, y


def test_target_column_errors(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="do not also pass y"):
        fast_augmenter(target_column="target").fit(X.assign(target=y), y)
    with pytest.raises(ValueError, match="'label' is not a column of X"):
        fast_augmenter(target_column="label").fit(X)
    aug = fast_augmenter(target_column="target").fit(X.assign(target=y))
    with pytest.raises(ValueError, match="differ from those seen in fit"):
        aug.transform(X.assign(target=y)[["x2", "x1", "kind", "target"]])


def _rule_table(n=300, seed=0):
    """The class is a rule of one column (x > 0.8), so every row's true class is known."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                      "c": rng.choice(list("abc"), n)})
    return X, np.where(X["x"] > 0.8, "hi", "lo")


def _noisy_draw(wrong_share: float):
    """A stub generator: rows of the class asked for, except a known share of each draw
    (every k-th row) that breaks the rule and belongs to the other class."""
    def draw(labels: np.ndarray, seed) -> tuple:
        rng = np.random.RandomState(0 if seed is None else seed)
        wrong = (np.arange(len(labels)) % round(1 / wrong_share) == 0) if wrong_share else \
            np.zeros(len(labels), bool)
        hi = (labels == "hi") != wrong
        x = np.where(hi, rng.uniform(1.5, 3, len(labels)), rng.uniform(-3, 0, len(labels)))
        rows = pd.DataFrame({"x": x, "z": rng.normal(size=len(labels)),
                             "c": rng.choice(list("abc"), len(labels))})
        return rows, pd.Series(labels, dtype=object)
    return draw


def _breaks_rule(rows: pd.DataFrame, labels) -> np.ndarray:
    return (rows["x"] > 0.8).to_numpy() != (np.asarray(labels) == "hi")


def test_label_filter_keeps_only_samples_the_judge_assigns_to_their_class():
    X, y = _rule_table()
    judge = table_judge(X, y, seed=0)  # the package's judge, fit on the real rows
    counts = {"hi": 150, "lo": 0}
    (raw, raw_labels), _, _ = synthesize(_noisy_draw(0.25), counts, seed=0)
    (kept, kept_labels), added, refused = synthesize(_noisy_draw(0.25), counts, seed=0,
                                                     vet=(lambda rows: rows, judge))
    assert _breaks_rule(raw, raw_labels).mean() == pytest.approx(0.25, abs=0.01)
    assert len(kept) == 150 and (kept_labels == "hi").all()  # counts kept
    assert added == {"hi": 150, "lo": 0} and refused["hi"] >= 0.2 * 300  # a quarter of 2 x 150
    assert _breaks_rule(kept, kept_labels).mean() < 0.02


def test_label_filter_adds_fewer_samples_rather_than_unvetted_ones():
    X, y = _rule_table()
    judge = table_judge(X, y, seed=0)
    draw = _noisy_draw(0.5)  # half of each draw is of the wrong class

    def hopeless_for_hi(labels, seed):  # every "hi" row it makes breaks the rule
        rows, given = draw(labels, seed)
        rows.loc[given.to_numpy() == "hi", "x"] = -2.0
        return rows, given

    (kept, labels), added, refused = synthesize(hopeless_for_hi, {"hi": 40, "lo": 10}, seed=0,
                                                vet=(lambda rows: rows, judge))
    assert added == {"hi": 0, "lo": 10} and labels.value_counts().to_dict() == {"lo": 10}
    assert refused["hi"] == 5 * 2 * 40  # five draws of twice the rows still wanted
    assert not _breaks_rule(kept, labels).any()


class _TwoRowGenerator(torch.nn.Module):
    """A stub of the sampling path: every row is, at random, a copy of one of two encoded rows,
    whatever the condition (the table sets the conditioned label exactly)."""

    sample_batch = 10_000

    def __init__(self, encoded: np.ndarray):
        super().__init__()
        self.rows = torch.as_tensor(encoded)

    def sample(self, condition):
        return self.rows[torch.randint(len(self.rows), (len(condition),))].clone()


def test_transform_filters_synthetic_rows_and_sample_does_not():
    X, y = _rule_table()
    frame = X.assign(label=y)
    # No marginal maps: they are fit to the trained network's rows, not to the stub's,
    # which must decode to the two real rows it copies.
    aug = fast_augmenter(target_column="label", sampling_strategy="auto",
                         match_marginals=False).fit(frame)
    # One real row of each class: half of whatever the stub makes breaks the rule.
    pair = frame.iloc[[int(np.argmax(y == "hi")), int(np.argmax(y == "lo"))]]
    aug.network_ = _TwoRowGenerator(aug.schema_.encode(pair, np.random.RandomState(0)))
    raw = aug.sample(400, y="hi")
    assert 0.4 < _breaks_rule(raw, raw["label"]).mean() < 0.6  # sample() is the raw generator
    out = aug.transform(frame).iloc[len(frame):]
    assert (out["label"] == "hi").sum() == (y == "lo").sum() - (y == "hi").sum()
    assert not _breaks_rule(out, out["label"]).any()
