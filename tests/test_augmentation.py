"""The validated amount: internal cross-validation adds what helps a proxy model, and nothing
when the generator is useless (stub generators with known quality stand in for the GAN)."""

import json

import numpy as np
import pandas as pd

from synthaug import GANAugmenter
from conftest import FAST


def disc(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Points in a square; class 1 (about 10%) is a disc in it. A few dozen rows of class 1
    outline the disc poorly, so more real rows of it help any classifier."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(rng.uniform(-3, 3, size=(n, 2)), columns=["a", "b"])
    return X, ((X["a"] ** 2 + X["b"] ** 2) < 1.2).to_numpy().astype(int)


class OracleAugmenter(GANAugmenter):
    """A stub generator that samples held-out real rows (from ``POOL``) of the classes asked for."""

    POOL = disc(20000, seed=99)

    def sample(self, n_samples, *, y=None, conditions=None, random_state=None):
        pool_X, pool_y = self.POOL
        rng = np.random.RandomState(0 if random_state is None else random_state)
        wanted = np.asarray(y, dtype=int) if np.ndim(y) else np.full(n_samples, int(y))
        rows = np.array([rng.choice(np.flatnonzero(pool_y == c)) for c in wanted], dtype=int)
        return pool_X.iloc[rows].reset_index(drop=True), wanted


class NoiseAugmenter(GANAugmenter):
    """A stub generator of noise: rows anywhere in a wide box, labelled as asked."""

    def sample(self, n_samples, *, y=None, conditions=None, random_state=None):
        rng = np.random.RandomState(0 if random_state is None else random_state)
        wanted = np.asarray(y, dtype=int) if np.ndim(y) else np.full(n_samples, int(y))
        return pd.DataFrame(rng.uniform(-6, 6, size=(len(wanted), 2)), columns=["a", "b"]), wanted


def test_validated_amount_adds_rows_when_the_generator_is_an_oracle():
    X, y = disc(300, seed=0)
    aug = OracleAugmenter(**FAST)
    X_res, y_res = aug.fit_resample(X, y)
    report = aug.augmentation_
    assert report.strategy == "validated" and report.share > 0, report.summary()
    assert report.gain["f1_gain"] > 0 and report.gain["roc_auc_gain"] >= -0.002
    added = len(X_res) - len(X)
    assert added == report.added[1] > 0 and report.added[0] == 0
    assert report.requested[1] == round(report.share * (np.sum(y == 0) - np.sum(y == 1)))
    assert aug.sampling_strategy_ == report.requested and np.sum(y_res == 1) == 30 + added


def test_validated_amount_adds_nothing_when_the_generator_makes_noise():
    X, y = disc(300, seed=0)
    aug = NoiseAugmenter(**{**FAST, "filter_synthetic": False})
    X_res, y_res = aug.fit_resample(X, y)
    report = aug.augmentation_
    assert report.share == 0 and len(X_res) == len(X) and report.added == {0: 0, 1: 0}
    assert "nothing was added" in report.reason
    assert all(v["f1_gain"] < 0 for v in report.validation)  # noise hurts, as it should


def test_explicit_strategies_keep_their_imbalanced_learn_meaning():
    X, y = disc(300, seed=0)
    aug = OracleAugmenter(**{**FAST, "sampling_strategy": {1: 80}})
    X_res, y_res = aug.fit_resample(X, y)
    assert np.sum(y_res == 1) == 80 and aug.augmentation_.share is None
    assert aug.augmentation_.validation == []


def test_augmentation_report_says_what_was_added(imbalanced):
    X, y = imbalanced
    aug = GANAugmenter(**{**FAST, "sampling_strategy": "auto"})
    aug.fit_resample(X, y)
    report = aug.augmentation_
    assert set(report.requested) == {0, 1} and report.requested[1] == 180
    assert report.added[1] + 0 <= 180 and report.refused[1] >= 0
    assert f"class 1: {report.added[1]} of 180 added" in report.summary()
    assert json.loads(json.dumps(report.to_dict())) == report.to_dict()


def test_a_class_too_small_to_validate_gets_nothing_and_says_why():
    X, y = disc(60, seed=1)
    y[:] = 0
    y[:1] = 1  # one row of class 1
    aug = GANAugmenter(**FAST)
    X_res, _ = aug.fit_resample(X, y)
    assert len(X_res) == len(X) and "too few to validate" in aug.augmentation_.reason


def test_fit_transform_chooses_and_adds_as_fit_then_transform_does(imbalanced):
    # fit_transform trains the fold models beside the final fit (a second process, on a
    # machine of two cores or more); transform, on a fitted model, after it. Same seeds,
    # same choice, same rows.
    X, y = imbalanced
    frame = X.assign(label=y)
    params = {**FAST, "target_column": "label"}
    at_once = GANAugmenter(**params)
    together = at_once.fit_transform(frame)
    apart = GANAugmenter(**params).fit(frame)
    separately = apart.transform(frame)
    assert at_once.augmentation_.validation == apart.augmentation_.validation != []
    assert at_once.augmentation_.share == apart.augmentation_.share
    pd.testing.assert_frame_equal(together, separately)
    assert at_once.sampling_strategy_ == apart.sampling_strategy_


def test_a_checkpoint_after_fit_resample_is_the_final_model_not_a_fold_model(imbalanced,
                                                                            tmp_path):
    X, y = imbalanced
    path = tmp_path / "run.ckpt"
    aug = GANAugmenter(**{**FAST, "checkpoint_path": path})
    aug.fit_resample(X, y)
    assert aug.augmentation_.validation  # fold models were fit
    loaded = GANAugmenter.load(path)
    assert loaded.n_samples_fit_ == len(X)  # a fold model trains on two thirds of the rows
    pd.testing.assert_frame_equal(loaded.sample(20, random_state=1)[0],
                                  aug.sample(20, random_state=1)[0])


def test_joblib_parallel_still_works_after_fit_resample(imbalanced):
    # The fold models' worker must not take the process-wide executor joblib reuses for
    # its own Parallel calls (scikit-learn's n_jobs, ctgan's mixtures).
    from joblib import Parallel, delayed

    X, y = imbalanced
    GANAugmenter(**FAST).fit_resample(X, y)
    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


def test_the_choice_judges_every_proxy_that_models_the_data_and_only_those():
    from synthaug._augmentation import choose

    # Three folds, two proxies each: (ROC AUC change, F1 change, real-only ROC AUC).
    # One proxy gains what the other loses, so the mean ROC AUC is level. When the
    # losing proxy models the data (real-only 0.80) the amount is refused; when it is
    # near chance (0.52: it cannot tell the classes apart, so its change says nothing)
    # the mean decides.
    def folds(loser_auc):
        return [(+0.010, 0.08, 0.90), (-0.010, 0.08, loser_auc)] * 3

    both_lose = [(-0.004, 0.20, 0.90), (-0.004, 0.20, 0.80)] * 3
    chosen = choose({(0.25, True): folds(0.80), (1.0, True): both_lose}, 3, (True,), 0.0)
    assert chosen.share == 0.0 and "lowered the internal ROC AUC" in chosen.reason
    by_share = {e["share"]: e for e in chosen.estimates}
    assert abs(by_share[0.25]["roc_auc_gain"]) < 1e-12
    assert abs(by_share[0.25]["roc_auc_gain_worst"] + 0.010) < 1e-12
    assert abs(by_share[1.0]["roc_auc_gain_worst"] + 0.004) < 1e-12

    chosen = choose({(0.25, True): folds(0.52), (1.0, True): both_lose}, 3, (True,), 0.0)
    assert chosen.share == 0.25 and chosen.filtered
    by_share = {e["share"]: e for e in chosen.estimates}
    assert abs(by_share[0.25]["roc_auc_gain_worst"] - 0.010) < 1e-12  # the judged proxy's

    # No proxy above chance: the mean alone decides, and there is no least helped one.
    chosen = choose({(0.5, False): [(0.0, 0.1, 0.5), (0.0, 0.1, 0.55)] * 3}, 3, (False,), 0.0)
    assert chosen.share == 0.5 and chosen.estimates[0]["roc_auc_gain_worst"] is None
