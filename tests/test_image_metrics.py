"""The image report behaves as a metric should: held-out real images score best, noise
worst; copies, collapse and wrong labels are seen; the estimator's evaluate/save use it."""

import json

import numpy as np
import pytest
import torch

from synthaug import GANAugmenter
from synthaug.image_metrics import (ImageFidelityReport, frechet_distance, image_fidelity_report,
                                    kernel_distance)
from conftest import fast_image_augmenter

# Fewer classifier steps than the default 400: the 8x8 digits need no more.
STEPS = 150


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    train, other, test = order[:700], order[700:1200], order[1200:]
    return (X[train], y[train]), (X[other], y[other]), (X[test], y[test])


@pytest.fixture(scope="module")
def reports(split):
    """The same real images against: other real images, pure noise, wrong labels, copies,
    and one image repeated per class."""
    (X, y), (X_other, y_other), (X_test, y_test) = split
    rng = np.random.RandomState(1)
    noise = rng.randint(0, 256, size=X_other.shape).astype(np.uint8)
    copies = X[rng.randint(len(X), size=len(X_other))]
    repeated = np.stack([X[np.flatnonzero(y == label)[0]] for label in y_other])

    def report(synthetic, labels):
        return image_fidelity_report(X, synthetic, y_real=y, y_synthetic=labels, real_test=X_test,
                                     y_test=y_test, classifier_steps=STEPS, random_state=0)

    return {
        "real": report(X_other, y_other),
        "noise": report(noise, y_other),
        "shuffled labels": report(X_other, rng.permutation(y_other)),
        "copies": report(copies, y[rng.randint(len(X), size=len(X_other))]),
        "collapsed": report(repeated, y_other),
    }


def test_other_real_images_score_near_the_real_yardstick(reports):
    report = reports["real"]
    syn, real = report.features["classifier"]["synthetic"], report.features["classifier"]["real"]
    assert syn["frechet_distance"] < 2 * real["frechet_distance"] + 1
    for key in ("precision", "recall", "coverage"):
        assert syn[key] > 0.7 and real[key] > 0.7
    assert report.label_agreement["synthetic"] > 0.85 and report.label_agreement["real"] > 0.85
    assert report.classification["synthetic"] > 0.8
    assert report.inception_score["synthetic"] > 6 and report.inception_score["max"] == 10
    assert report.warnings == []
    assert 0.01 < report.memorisation["near_copy_rate"] < 0.15
    assert all(0.6 < r < 1.6 for r in report.mode_collapse["class_diversity"].values())


def test_noise_scores_worst_on_every_number(reports):
    good, bad = reports["real"], reports["noise"]
    g, b = good.features["classifier"]["synthetic"], bad.features["classifier"]["synthetic"]
    assert b["frechet_distance"] > 10 * g["frechet_distance"] and b["kid"] > 10 * max(g["kid"], 1e-3)
    assert b["precision"] < 0.1 and b["coverage"] < 0.1 and b["density"] < 0.1
    assert bad.label_agreement["synthetic"] < 0.3
    assert bad.classification["synthetic"] < 0.3
    assert bad.inception_score["synthetic"] < good.inception_score["synthetic"]


def test_wrong_labels_lower_agreement_and_cas_but_not_the_feature_scores(reports):
    good, shuffled = reports["real"], reports["shuffled labels"]
    assert shuffled.label_agreement["synthetic"] < 0.3
    assert shuffled.classification["synthetic"] < 0.4
    assert shuffled.features["classifier"]["synthetic"]["frechet_distance"] == pytest.approx(
        good.features["classifier"]["synthetic"]["frechet_distance"])


def test_copies_of_training_images_are_flagged(reports):
    report = reports["copies"]
    assert report.memorisation["nn_distance_synthetic"] == 0.0
    assert report.memorisation["near_copy_rate"] == 1.0
    assert any("possible memorisation" in w for w in report.warnings)


def test_one_image_per_class_is_flagged_as_collapse(reports):
    report = reports["collapsed"]
    collapse = report.mode_collapse
    assert sum(collapse["missing_modes"].values()) >= 0.8 * sum(collapse["modes"].values())
    assert all(ratio < 0.1 for ratio in collapse["class_diversity"].values())
    assert any("mode collapse" in w for w in report.warnings)
    assert report.features["classifier"]["synthetic"]["recall"] < 0.1


def test_distance_functions_are_zero_on_identical_sets_and_grow_with_shift():
    rng = np.random.RandomState(0)
    a = rng.normal(size=(500, 8))
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert frechet_distance(a, a + 1) == pytest.approx(8, rel=0.01)  # squared mean shift
    near, _ = kernel_distance(a, rng.normal(size=(500, 8)), rng)
    far, _ = kernel_distance(a, rng.normal(size=(500, 8)) + 1, rng)
    assert abs(near) < 0.05 < far


def test_report_exports_plots_and_a_custom_feature_extractor(split, tmp_path):
    (X, y), (X_other, y_other), _ = split
    extractor = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 16))
    report = image_fidelity_report(X, X_other, y_real=y, y_synthetic=y_other,
                                   feature_extractor=extractor, classifier_steps=STEPS, history=[
                                       {"epoch": 1, "discriminator_loss": 1.0,
                                        "generator_loss": 0.5, "condition_loss": 0.0}])
    assert set(report.features) == {"classifier", "custom"}
    assert "held-out real images: a stratified 30%" in report.notes[0]
    as_dict = report.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    again = ImageFidelityReport.from_dict(as_dict)
    assert again.summary() == report.summary() and "label agreement" in report.summary()
    paths = report.plot(tmp_path / "plots")
    assert [p.split("/")[-1] for p in paths] == ["samples.png", "losses.png"]
    assert all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in paths)
    with pytest.raises(ValueError, match="loaded from a file"):
        again.plot(tmp_path / "again")


def test_report_without_labels_uses_random_features_and_skips_class_parts(split):
    (X, _), (X_other, _), _ = split
    report = image_fidelity_report(X, X_other)
    assert report.label_agreement is None and report.classification is None
    assert report.inception_score is None
    assert any("randomly initialised CNN" in note for note in report.notes)
    assert report.features["classifier"]["synthetic"]["precision"] > 0.5


def test_report_checks_its_input(split):
    (X, y), (X_other, y_other), _ = split
    with pytest.raises(ValueError, match="differ in size"):
        image_fidelity_report(X, np.zeros((5, 10, 10), np.uint8))
    with pytest.raises(ValueError, match=r"labels \[42\] are not classes"):
        image_fidelity_report(X, X_other, y_real=y, y_synthetic=np.full(len(X_other), 42))


def test_estimator_evaluate_save_and_load(digits, split, tmp_path):
    (X, y), _, (X_test, y_test) = split
    assert fast_image_augmenter(fidelity="auto").fit(X, y).fidelity_ is None  # off for images
    aug = fast_image_augmenter(fidelity=True).fit(X, y)
    assert isinstance(aug.fidelity_, ImageFidelityReport) and aug.fidelity_.n_real <= 1000
    report = aug.evaluate(X, y, X_test=X_test, y_test=y_test, n_samples=200)
    assert report.n_synthetic == 200 and report.notes[0].startswith("held-out real images: real_test")
    assert 0 <= report.label_agreement["synthetic"] <= 1
    path = tmp_path / "images.pt"
    aug.save(path)
    loaded = GANAugmenter.load(path, device="cpu")
    assert loaded.fidelity_.to_dict() == aug.fidelity_.to_dict()
    assert loaded.backbone_ == "conv" and loaded.image_shape_ == (8, 8, 1)
    for a, b in zip(aug.sample(50, y=7, random_state=3), loaded.sample(50, y=7, random_state=3)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="feature_extractor applies to image models"):
        fast_image_augmenter(epochs=1).fit(X.reshape(len(X), -1)[:100], y[:100]).evaluate(
            X.reshape(len(X), -1)[:100], feature_extractor=torch.nn.Identity())
