"""The package's fixed classifiers: they judge synthetic samples and score reports.

- Tables: :func:`label_model`, HistGradientBoosting on the columns' numbers and
  categories. The label filter vets synthetic rows with it, and the fidelity report
  uses it for ML efficacy and the detection score.
- Images: :class:`SmallCNN`, trained by :func:`fit_classifier`. The label filter vets
  synthetic images with it, and the image report uses its features in place of
  Inception's.

:func:`table_judge` and :func:`image_judge` fit one and return it as a ``predict``
function: the label filter's judges.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from torch import nn

from synthaug._runtime import seeded
from synthaug._validation import as_numbers, is_number

# HistGradientBoosting handles at most this many categories per feature.
MAX_MODEL_CATEGORIES = 250
# The small CNN: optimiser steps, images per step, and batch size for inference.
CLASSIFIER_STEPS, CLASSIFIER_BATCH, INFERENCE_BATCH = 400, 64, 512
# Training steps of the image judge of the label filter.
IMAGE_JUDGE_STEPS = 300


# ---------------------------------------------------------------- tables


def label_model(features: pd.DataFrame, seed: int, notes: list | None = None,
                class_weight: str | None = None):
    """The fixed classifier the package judges tables with (unfitted): HistGradientBoosting
    on ``features``' numbers and categories (columns of more than 250 categories are left
    out, with a line in ``notes``); ``class_weight="balanced"`` weighs classes equally."""
    return make_pipeline(_model_encoder(features, [] if notes is None else notes),
                         HistGradientBoostingClassifier(max_iter=100, random_state=seed,
                                                        categorical_features="from_dtype",
                                                        class_weight=class_weight))


def linear_model(features: pd.DataFrame, seed: int):
    """A logistic regression on ``features`` (unfitted): numbers imputed and standardised,
    categories one-hot (missing values a category of their own, unseen ones ignored)."""
    numeric = [c for c in features.columns if is_number(features[c])]
    discrete = [c for c in features.columns if c not in numeric]
    encoder = ColumnTransformer([
        ("numbers", make_pipeline(transformer(frame_as_numbers), SimpleImputer(strategy="median"),
                                  StandardScaler()), numeric),
        ("categories", make_pipeline(transformer(frame_as_strings),
                                     OneHotEncoder(handle_unknown="ignore")), discrete),
    ])
    return make_pipeline(encoder, LogisticRegression(max_iter=1000, random_state=seed))


def classification_scores(probabilities: np.ndarray, classes: np.ndarray, y: np.ndarray,
                          focus=None) -> dict:
    """Accuracy, macro F1 and ROC AUC (macro one-vs-rest for several classes) of class
    ``probabilities`` (columns in ``classes`` order) for true labels ``y``; with
    ``focus``, also ``f1_focus``: the F1 of that one class."""
    y = np.asarray(y)
    predicted = classes[np.argmax(probabilities, axis=1)]
    if len(classes) == 2:
        auc = roc_auc_score(y == classes[1], probabilities[:, 1])
    else:
        present = np.isin(classes, np.unique(y))
        p = probabilities[:, present] / probabilities[:, present].sum(1, keepdims=True).clip(1e-12)
        auc = roc_auc_score(y, p, multi_class="ovr", labels=classes[present])
    scores = {"accuracy": float(accuracy_score(y, predicted)),
              "f1": float(f1_score(y, predicted, average="macro")), "roc_auc": float(auc)}
    if focus is not None:
        scores["f1_focus"] = float(f1_score(y == focus, predicted == focus))
    return scores


def _model_encoder(frame: pd.DataFrame, notes: list) -> ColumnTransformer:
    """Numbers as floats; categories as a pandas category dtype HistGradientBoosting reads."""
    numeric = [c for c in frame.columns if is_number(frame[c])]
    discrete = [c for c in frame.columns if c not in numeric
                and frame[c].nunique() <= MAX_MODEL_CATEGORIES]
    dropped = [c for c in frame.columns if c not in numeric and c not in discrete]
    if dropped:
        notes.append(f"ML efficacy leaves out {dropped}: more than {MAX_MODEL_CATEGORIES} categories")
    return ColumnTransformer(
        [("numbers", transformer(frame_as_numbers), numeric),
         ("categories", transformer(_as_categories), discrete)],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")


def transformer(function) -> FunctionTransformer:
    """A column-wise function as a scikit-learn step that keeps the column names."""
    return FunctionTransformer(function, feature_names_out="one-to-one")


def frame_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats; datetimes and timedeltas as nanoseconds."""
    return pd.DataFrame({name: as_numbers(frame[name]) for name in frame.columns},
                        index=frame.index)


def frame_as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Category-like columns as strings (missing values become a category of their own)."""
    return frame.astype(str)


def _as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(str).astype("category")


# ---------------------------------------------------------------- images


class SmallCNN(nn.Module):
    """Three 3x3 conv layers (batch norm, ReLU, 2x2 max pooling between), global
    average pooling and a linear head: ``(B, C, H, W)`` in [-1, 1] -> class logits.

    :meth:`features` gives the pooled ``4 * width`` features the metrics compare.
    """

    def __init__(self, channels: int, n_classes: int, width: int = 32):
        super().__init__()

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                    nn.ReLU()]

        self.body = nn.Sequential(*block(channels, width), nn.MaxPool2d(2),
                                  *block(width, 2 * width), nn.MaxPool2d(2),
                                  *block(2 * width, 4 * width),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(4 * width, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)


def fit_classifier(images: torch.Tensor, labels: torch.Tensor, n_classes: int, *,
                   steps: int = CLASSIFIER_STEPS, batch_size: int = CLASSIFIER_BATCH,
                   seed: int = 0) -> SmallCNN:
    """Train a :class:`SmallCNN` on ``images`` (float, [-1, 1]) and ``labels`` (class codes).

    Adam with a cosine learning-rate decay to zero (so the last weights are a settled
    model, not one noisy step), ``steps`` steps of ``batch_size`` images drawn at
    random, on the images' device; seeded, without touching the global RNG.
    Returned in eval mode.
    """
    device = images.device
    with seeded(seed, device):
        model = SmallCNN(images.shape[1], n_classes).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        model.train()
        for _ in range(steps):
            batch = torch.randint(len(images), (min(batch_size, len(images)),), device=device)
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    return model.eval()


@torch.no_grad()
def batched(function, images: torch.Tensor, batch_size: int = INFERENCE_BATCH) -> torch.Tensor:
    """``function`` over ``images`` in batches, without autograd; results concatenated."""
    return torch.cat([function(images[i : i + batch_size]).reshape(min(batch_size, len(images) - i), -1)
                      .float() for i in range(0, len(images), batch_size)])


# ---------------------------------------------------------------- the label filter's judges


def table_judge(features: pd.DataFrame, labels: np.ndarray, seed: int) -> Callable:
    """:func:`label_model` fit to ``labels`` with classes weighed equally, returned as
    ``predict(frame) -> labels``. Balanced weights keep a small class's judge from
    assigning most rows to the large one (and refusing that class's samples wholesale)."""
    classes, codes = np.unique(labels, return_inverse=True)
    model = label_model(features, seed, class_weight="balanced").fit(features, codes)
    return lambda X: classes[model.predict(X)]


def image_judge(images: np.ndarray, labels: np.ndarray, seed: int) -> Callable:
    """A :class:`SmallCNN` fit to ``labels`` on (n, C, H, W) images in [-1, 1], returned as
    ``predict(images) -> labels``."""
    classes, codes = np.unique(labels, return_inverse=True)
    model = fit_classifier(torch.as_tensor(images, dtype=torch.float32),
                           torch.as_tensor(codes, dtype=torch.int64), len(classes),
                           steps=IMAGE_JUDGE_STEPS, seed=seed)
    return lambda X: classes[batched(model, torch.as_tensor(X, dtype=torch.float32))
                             .argmax(dim=1).numpy()]
