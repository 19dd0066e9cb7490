"""Fidelity of synthetic images, offline: no downloaded Inception weights.

:func:`image_fidelity_report` compares any synthetic images with the real ones they
imitate (so it can judge other generators too); :meth:`GANAugmenter.evaluate` calls
it with fresh samples of an image model. In place of an ImageNet network it trains
a small CNN (:class:`SmallCNN`) on the real training images and uses its
penultimate layer as the feature space (and a user's ``feature_extractor`` too,
when given). The report holds:

- Fréchet distance and kernel inception distance (KID, polynomial kernel, unbiased)
  between feature sets, and precision / recall / density / coverage (k-nearest
  neighbour balls, Naeem et al., 2020), each for the synthetic images and, as the
  yardstick, for held-out real images against the same training images;
- an Inception-Score-style score ``exp(E[KL(p(y|x) || p(y))])`` from the classifier
  (its ceiling is the number of classes);
- label agreement: how often the classifier sees the class each synthetic image
  was asked for (held-out real images give the ceiling);
- classification accuracy score (CAS): the same CNN trained on synthetic images and
  tested on held-out real ones, next to one trained on real images (TRTR);
- memorisation: each image's RMS pixel distance to the nearest training image,
  synthetic against held-out real;
- mode collapse: per class, the real images' k-means clusters ("modes") in feature
  space that synthetic images of that class (almost) never land in, and the
  synthetic images' spread relative to the real ones.

Every part works on at most ``max_images`` images per set (5,000 by default); the
report's ``notes`` say what was subsampled.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.cluster import KMeans
from torch import nn

from synthaug._json import json_key, json_safe
from synthaug._judges import CLASSIFIER_STEPS, SmallCNN, batched, fit_classifier
from synthaug._runtime import new_seed, resolve_device, seeded
from synthaug._scoring import bounded, class_diversity, diversity_warnings, holdout
from synthaug._validation import check_images, check_labels

MAX_IMAGES = 5_000
# k of the k-nearest-neighbour balls behind precision, recall, density and coverage.
NEAREST_K = 5
KID_SUBSETS, KID_SUBSET_SIZE = 10, 1_000
# Mode collapse: up to this many real clusters per class, at least this many images each.
MODES_PER_CLASS, IMAGES_PER_MODE = 10, 10
# A mode is missing when synthetic images land in it this much less often than real ones.
MISSING_MODE_RATIO = 0.25
# Warning: more near-copies than this many times the 5% that real images give.
NEAR_COPY_FACTOR = 3.0
# Images per class kept for the sample grid.
GRID_IMAGES = 8


@dataclass
class ImageFidelityReport:
    """How synthetic images compare with real ones.

    Attributes
    ----------
    features : dict
        Per feature space (``"classifier"``, and ``"custom"`` with a
        ``feature_extractor``): ``{"synthetic": m, "real": m}`` where ``m`` holds
        ``frechet_distance``, ``kid``, ``kid_std`` (lower is better) and
        ``precision``, ``recall``, ``density``, ``coverage`` (higher is better,
        density about 1 for matching sets) against the training images; ``"real"``
        scores held-out real images the same way, the yardstick.
    inception_score : dict or None
        ``{"synthetic", "real", "max"}``: the classifier-based Inception-Score-style
        score of synthetic and held-out real images, and its ceiling (the number of
        classes). None without labels.
    label_agreement : dict or None
        ``{"synthetic", "real", "per_class"}``: the share of synthetic images the
        classifier assigns to the class they were made for, the classifier's
        accuracy on held-out real images, and the synthetic share per class.
    classification : dict or None
        ``{"real", "synthetic"}``: accuracy on held-out real images of the small CNN
        trained on real images (TRTR) and on synthetic ones (CAS, train on
        synthetic, test on real).
    memorisation : dict
        RMS pixel distance (on the [-1, 1] scale) to the nearest training image:
        ``nn_distance_synthetic`` / ``nn_distance_real`` (medians) and their 5th
        percentiles, and ``near_copy_rate``: the share of synthetic images closer to
        a training image than 95% of held-out real images are (about 0.05 when
        nothing is memorised).
    mode_collapse : dict
        ``modes`` and ``missing_modes`` ``{class: count}`` (real k-means clusters,
        and those synthetic images of the class almost never land in) and
        ``class_diversity`` ``{class: synthetic / real nearest-neighbour spread}``.
    warnings, notes : list of str
    n_real, n_synthetic, n_test : int
        Training, synthetic and held-out real images compared.
    seconds : float
    """

    features: dict
    inception_score: dict | None
    label_agreement: dict | None
    classification: dict | None
    memorisation: dict
    mode_collapse: dict
    warnings: list
    notes: list
    n_real: int
    n_synthetic: int
    n_test: int
    seconds: float
    history: list = field(default_factory=list, repr=False)
    # A few images per class in [-1, 1], (n, C, H, W), with labels: for the sample grid.
    grid: dict | None = field(default=None, repr=False)

    def summary(self) -> str:
        """A short human-readable summary."""
        lines = [f"Image fidelity of {self.n_synthetic} synthetic vs {self.n_real} training "
                 f"images ({self.n_test} held-out real images as the yardstick)"]
        for space, scores in self.features.items():
            syn, real = scores["synthetic"], scores["real"]
            lines.append(
                f"  {space} features: FD {syn['frechet_distance']:.2f} (real "
                f"{real['frechet_distance']:.2f}), KID {syn['kid']:.4f} (real {real['kid']:.4f}), "
                f"precision {syn['precision']:.2f}, recall {syn['recall']:.2f}, density "
                f"{syn['density']:.2f}, coverage {syn['coverage']:.2f} (real {real['precision']:.2f}"
                f"/{real['recall']:.2f}/{real['density']:.2f}/{real['coverage']:.2f})")
        if self.inception_score:
            s = self.inception_score
            lines.append(f"  inception-style score {s['synthetic']:.2f} (real {s['real']:.2f}, "
                         f"max {s['max']})")
        if self.label_agreement:
            a = self.label_agreement
            lines.append(f"  label agreement {a['synthetic']:.1%} (classifier on real: "
                         f"{a['real']:.1%})")
        if self.classification:
            c = self.classification
            lines.append(f"  accuracy on real test images: trained on synthetic (CAS) "
                         f"{c['synthetic']:.1%}, on real {c['real']:.1%}")
        m = self.memorisation
        lines.append(f"  nearest training image (RMS): synthetic {m['nn_distance_synthetic']:.3f}"
                     f" vs real {m['nn_distance_real']:.3f}; near copies {m['near_copy_rate']:.1%}")
        missing = self.mode_collapse["missing_modes"]
        lines.append(f"  missing modes: {sum(missing.values())} of "
                     f"{sum(self.mode_collapse['modes'].values())}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Every number and message as JSON-safe types (no images)."""
        return json_safe({
            "features": self.features, "inception_score": self.inception_score,
            "label_agreement": self.label_agreement, "classification": self.classification,
            "memorisation": self.memorisation, "mode_collapse": self.mode_collapse,
            "warnings": self.warnings, "notes": self.notes, "n_real": self.n_real,
            "n_synthetic": self.n_synthetic, "n_test": self.n_test, "seconds": self.seconds,
        })

    @classmethod
    def from_dict(cls, d: dict) -> "ImageFidelityReport":
        """Rebuild a report from :meth:`to_dict` (it cannot plot samples: no images)."""
        return cls(**d)

    def plot(self, directory: str | os.PathLike) -> list[str]:
        """Write ``samples.png`` (real and synthetic images per class) and, with a
        training history, ``losses.png`` into ``directory``; return their paths.

        Needs matplotlib (``pip install synthaug[plot]``).
        """
        from synthaug import _plots

        if self.grid is None:
            raise ValueError(
                "This report holds no images to plot (it was loaded from a file); run "
                "evaluate() again to plot."
            )
        return _plots.write_image_figures(self, directory)


# ---------------------------------------------------------------- the report


def image_fidelity_report(real, synthetic, *, y_real=None, y_synthetic=None, real_test=None,
                          y_test=None, feature_extractor: nn.Module | None = None,
                          history: list | None = None, max_images: int = MAX_IMAGES,
                          classifier_steps: int | None = None, device: str | torch.device = "auto",
                          random_state: int | None = 0) -> ImageFidelityReport:
    """Compare synthetic images with the real (training) images they imitate.

    Parameters
    ----------
    real, synthetic : arrays of images
        ``(n, H, W)``, ``(n, H, W, C)`` or ``(n, C, H, W)``, of the same size,
        channels and value convention (both are scaled by ``real``'s range: 0-255
        for uint8, else the observed range).
    y_real, y_synthetic : array-like, default=None
        Class of each real image, and the class each synthetic image was made for.
        ``y_real`` trains the feature classifier; without it, features come from a
        randomly initialised CNN and the class-based parts are left out.
    real_test, y_test : default=None
        Real images kept out of training: the yardstick for the feature metrics
        and memorisation, and the test set of CAS. Without them a stratified 30% of
        ``real`` plays that part (the generator may have seen those images, which
        flatters it; the report notes it).
    feature_extractor : torch.nn.Module, default=None
        Maps ``(B, C, H, W)`` floats in [-1, 1] to ``(B, d)`` features (more
        dimensions are flattened); the feature metrics are computed on it too.
    history : list of dict, default=None
        A training history (``GANAugmenter.history_``) for the loss plot.
    max_images : int, default=5000
        Images used per set; larger sets are subsampled.
    classifier_steps : int, default=None
        Training steps (of 64 images) of each small CNN; ``None`` uses 400. Fewer
        make a faster, rougher report.
    device : str or torch.device, default="auto"
        Where the classifiers run: CUDA when available, else the CPU.
    random_state : int, default=0
        Seed for subsampling, the splits and the classifiers.

    Returns
    -------
    ImageFidelityReport

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from synthaug.image_metrics import image_fidelity_report
    >>> digits = load_digits()
    >>> X, y = digits.images, digits.target
    >>> report = image_fidelity_report(X[:900], X[900:], y_real=y[:900], y_synthetic=y[900:])
    >>> report.label_agreement["synthetic"] > 0.8
    True
    """
    started = time.perf_counter()
    rng = np.random.RandomState(random_state)
    device = resolve_device(device)
    notes: list = []
    real, layout = check_images(real)
    synthetic, synthetic_layout = check_images(synthetic, min_images=1)
    shape = (layout.height, layout.width, layout.channels)
    if (synthetic_layout.height, synthetic_layout.width, synthetic_layout.channels) != shape:
        raise ValueError(
            f"real and synthetic images differ in size: (H, W, C) = {shape} and "
            f"{(synthetic_layout.height, synthetic_layout.width, synthetic_layout.channels)}."
        )
    y_real = None if y_real is None else check_labels(y_real, len(real))[0]
    y_synthetic = None if y_synthetic is None else _labels(y_synthetic, len(synthetic), "synthetic")
    if real_test is None:
        if y_real is None:
            real, real_test = holdout((real,), None, rng)
            y_test = None
        else:
            real, real_test, y_real, y_test = holdout((real, y_real), y_real, rng)
        notes.append("held-out real images: a stratified 30% of the real images (no real_test "
                     "given); the generator may have seen them")
    else:
        real_test, test_layout = check_images(real_test, min_images=1)
        if (test_layout.height, test_layout.width, test_layout.channels) != shape:
            raise ValueError("real_test images differ in size from the real ones.")
        y_test = None if y_test is None else _labels(y_test, len(real_test), "test")
        notes.append(f"held-out real images: real_test ({len(real_test)} images)")
    sets = {}
    for name, images, labels in (("real", real, y_real), ("synthetic", synthetic, y_synthetic),
                                 ("test", real_test, y_test)):
        images, labels = bounded((images, labels), max_images, rng, name, notes, "images")
        sets[name] = (torch.as_tensor(layout.to_unit(images.astype(np.float32)), device=device),
                      labels)
    (real_x, real_y), (syn_x, syn_y), (test_x, test_y) = sets.values()

    classes = None if real_y is None else np.unique(real_y)
    codes = {name: None if y is None else _codes(y, classes, name)
             for name, (_, y) in sets.items()}
    seed = new_seed(rng)
    steps = CLASSIFIER_STEPS if classifier_steps is None else classifier_steps
    if classes is not None:
        classifier = fit_classifier(real_x, torch.as_tensor(codes["real"], device=device),
                                    len(classes), steps=steps, seed=seed)
    else:
        with seeded(seed, device):
            classifier = SmallCNN(layout.channels, 1).to(device).eval()
        notes.append("classifier features: a randomly initialised CNN (no labels to train one "
                     "on); class-based metrics left out")
    extractors = {"classifier": classifier.features}
    if feature_extractor is not None:
        extractors["custom"] = feature_extractor.to(device).eval()
    features = {}
    for name, extract in extractors.items():
        real_f, syn_f, test_f = (batched(extract, x) for x in (real_x, syn_x, test_x))
        features[name] = {"synthetic": _feature_scores(real_f, syn_f, rng),
                          "real": _feature_scores(real_f, test_f, rng)}

    inception = agreement = classification = None
    if classes is not None:
        probabilities = {name: torch.softmax(batched(classifier, x), dim=1).cpu().numpy()
                         for name, x in (("synthetic", syn_x), ("test", test_x))}
        inception = {"synthetic": _inception_score(probabilities["synthetic"]),
                     "real": _inception_score(probabilities["test"]), "max": len(classes)}
    if classes is not None and codes["test"] is not None and codes["synthetic"] is not None:
        real_accuracy = _accuracy(probabilities["test"], codes["test"])
        agreement = {**_agreement(probabilities["synthetic"], codes["synthetic"], classes),
                     "real": real_accuracy}
        cas = fit_classifier(syn_x, torch.as_tensor(codes["synthetic"], device=device),
                             len(classes), steps=steps, seed=seed)
        classification = {"real": real_accuracy, "synthetic": _accuracy(
            torch.softmax(batched(cas, test_x), dim=1).cpu().numpy(), codes["test"])}
    memorisation = _memorisation(real_x, syn_x, test_x)
    collapse = _mode_collapse(batched(classifier.features, real_x).cpu().numpy(),
                              batched(classifier.features, syn_x).cpu().numpy(),
                              real_y, syn_y, rng)
    return ImageFidelityReport(
        features=features, inception_score=inception, label_agreement=agreement,
        classification=classification, memorisation=memorisation, mode_collapse=collapse,
        warnings=_memorisation_warnings(memorisation) + _missing_mode_warnings(collapse)
        + diversity_warnings(collapse["class_diversity"], "images"), notes=notes,
        n_real=len(real_x),
        n_synthetic=len(syn_x), n_test=len(test_x), seconds=time.perf_counter() - started,
        history=list(history or []), grid=_grid(real_x, real_y, syn_x, syn_y),
    )


# ---------------------------------------------------------------- the parts


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows are samples)."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr(sqrt(A B)) is the sum of the square roots of A B's eigenvalues, which are real
    # and non-negative for covariance matrices (up to rounding, clipped here).
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b).real.clip(min=0)
    trace = np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(eigenvalues).sum()
    return float(max(np.sum((mu_a - mu_b) ** 2) + trace, 0.0))


def kernel_distance(a: np.ndarray, b: np.ndarray, rng: np.random.RandomState) -> tuple[float, float]:
    """KID: unbiased MMD^2 with the kernel ``(x.y / d + 1)^3``, mean and std over subsets."""
    size = min(KID_SUBSET_SIZE, len(a), len(b))
    dim = a.shape[1]
    values = []
    for _ in range(KID_SUBSETS):
        x = a[rng.choice(len(a), size, replace=False)]
        y = b[rng.choice(len(b), size, replace=False)]
        k_xx, k_yy, k_xy = ((p @ q.T / dim + 1) ** 3 for p, q in ((x, x), (y, y), (x, y)))
        off_diagonal = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy))
        values.append(off_diagonal / (size * (size - 1)) - 2 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))


def precision_recall_density_coverage(real: torch.Tensor, fake: torch.Tensor,
                                      k: int = NEAREST_K) -> dict:
    """Naeem et al. (2020): k-NN balls around real (and fake) features."""
    k = min(k, len(real) - 1, len(fake) - 1)
    real_radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values  # +1: itself
    fake_radii = torch.cdist(fake, fake).kthvalue(k + 1, dim=1).values
    distances = torch.cdist(fake, real)  # (fake, real)
    inside = distances <= real_radii.unsqueeze(0)
    return {
        "precision": float(inside.any(dim=1).float().mean()),
        "recall": float((distances <= fake_radii.unsqueeze(1)).any(dim=0).float().mean()),
        "density": float(inside.float().sum() / (k * len(fake))),
        "coverage": float((distances.min(dim=0).values <= real_radii).float().mean()),
    }


def _feature_scores(real: torch.Tensor, other: torch.Tensor, rng) -> dict:
    a, b = real.double().cpu().numpy(), other.double().cpu().numpy()
    kid, kid_std = kernel_distance(a, b, rng)
    return {"frechet_distance": frechet_distance(a, b), "kid": kid, "kid_std": kid_std,
            **precision_recall_density_coverage(real.float(), other.float())}


def _inception_score(probabilities: np.ndarray) -> float:
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = (probabilities * (np.log(probabilities + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
    return float(np.exp(kl.mean()))


def _accuracy(probabilities: np.ndarray, codes: np.ndarray) -> float:
    return float(np.mean(probabilities.argmax(axis=1) == codes))


def _agreement(probabilities: np.ndarray, codes: np.ndarray, classes: np.ndarray) -> dict:
    hits = probabilities.argmax(axis=1) == codes
    per_class = {json_key(c): float(hits[codes == i].mean())
                 for i, c in enumerate(classes) if np.any(codes == i)}
    return {"synthetic": float(hits.mean()), "per_class": per_class}


def _memorisation(real: torch.Tensor, synthetic: torch.Tensor, test: torch.Tensor) -> dict:
    """RMS pixel distance of synthetic and held-out real images to the nearest training one."""
    train = real.flatten(1)
    scale = train.shape[1] ** 0.5

    def nearest(images: torch.Tensor) -> np.ndarray:
        return (batched(lambda x: torch.cdist(x.flatten(1), train).min(dim=1).values, images)
                .flatten().cpu().numpy() / scale)

    synthetic_nn, real_nn = nearest(synthetic), nearest(test)
    threshold = np.percentile(real_nn, 5)
    return {
        "nn_distance_synthetic": float(np.median(synthetic_nn)),
        "nn_distance_real": float(np.median(real_nn)),
        "nn_distance_synthetic_p5": float(np.percentile(synthetic_nn, 5)),
        "nn_distance_real_p5": float(threshold),
        "near_copy_rate": float(np.mean(synthetic_nn < threshold)),
    }


def _mode_collapse(real: np.ndarray, synthetic: np.ndarray, real_y, synthetic_y, rng) -> dict:
    """Per class: real k-means modes that synthetic images miss, and relative spread."""
    if real_y is None or synthetic_y is None:
        groups = [("all", real, synthetic)]
    else:
        groups = [(json_key(c), real[real_y == c], synthetic[synthetic_y == c])
                  for c in np.unique(real_y)]
    modes, missing = {}, {}
    for label, real_f, synthetic_f in groups:
        k = min(MODES_PER_CLASS, len(real_f) // IMAGES_PER_MODE)
        if k >= 2 and len(synthetic_f):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # duplicate points: fewer distinct clusters
                kmeans = KMeans(k, n_init=3, random_state=new_seed(rng)).fit(real_f)
            real_share = np.bincount(kmeans.labels_, minlength=k) / len(real_f)
            synthetic_share = np.bincount(kmeans.predict(synthetic_f), minlength=k) / len(synthetic_f)
            modes[label] = k
            missing[label] = int(np.sum(synthetic_share < MISSING_MODE_RATIO * real_share))
    return {"modes": modes, "missing_modes": missing, "class_diversity": class_diversity(groups)}


def _memorisation_warnings(memorisation: dict) -> list:
    if memorisation["near_copy_rate"] > NEAR_COPY_FACTOR * 0.05:
        return [f"{memorisation['near_copy_rate']:.1%} of synthetic images are closer to a "
                "training image than 95% of held-out real images are: possible memorisation"]
    return []


def _missing_mode_warnings(collapse: dict) -> list:
    return [f"class {label!r}: synthetic images miss {count} of {collapse['modes'][label]} "
            "modes of the real ones: possible mode collapse"
            for label, count in collapse["missing_modes"].items()
            if count > collapse["modes"][label] // 2]


def _grid(real, real_y, synthetic, synthetic_y) -> dict:
    """A few images of each class, real and synthetic, for the sample grid."""
    def pick(images, labels):
        if labels is None:
            return {"all": images[:GRID_IMAGES].cpu().numpy()}
        return {json_key(c): images[torch.as_tensor(np.flatnonzero(labels == c)[:GRID_IMAGES])]
                .cpu().numpy() for c in np.unique(labels)}
    paired = real_y is not None and synthetic_y is not None
    return {"real": pick(real, real_y if paired else None),
            "synthetic": pick(synthetic, synthetic_y if paired else None)}


# ---------------------------------------------------------------- helpers


def _labels(values, n: int, name: str) -> np.ndarray:
    """Labels for a set of images (one class is fine here, unlike for fitting)."""
    labels = np.asarray(values)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"{name} has {n} images but {len(labels)} labels; they must match.")
    return labels


def _codes(labels: np.ndarray, classes: np.ndarray, name: str) -> np.ndarray:
    codes = pd.Categorical(labels, categories=classes).codes.astype(np.int64)
    if (codes < 0).any():
        unseen = sorted(set(pd.unique(labels[codes < 0]).tolist()), key=str)
        raise ValueError(f"{name} labels {unseen} are not classes of the real images.")
    return codes
