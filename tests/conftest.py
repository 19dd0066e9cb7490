"""Shared fixtures: small seeded tables, a tiny, fast augmenter configuration, and helpers
that stop training or compare two fitted models."""

import os

# torch and scikit-learn each load an OpenMP runtime whose idle threads busy-wait. On a
# machine shared with other jobs they starve each other, and a HistGradientBoosting fit
# after a GAN fit (fidelity reports, pipelines) takes minutes instead of a second. Set
# before torch is imported; subprocesses (scripts, the console script) inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug import GANAugmenter, losses

# Small networks and few epochs: each fit takes well under a second on a CPU.
FAST = dict(epochs=2, batch_size=60, embedding_dim=16, generator_dim=(32, 32),
            discriminator_dim=(32, 32), pac=5, random_state=0, fidelity=False)


def fast_augmenter(**overrides) -> GANAugmenter:
    return GANAugmenter(**{**FAST, **overrides})


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """One column of every supported kind, with missing values where a dtype allows them."""
    rng = np.random.RandomState(0)
    n = 240
    income = rng.lognormal(10, 0.5, n)
    nullable = pd.array(rng.randint(0, 500, n), dtype="Int64")
    nullable[rng.rand(n) < 0.2] = pd.NA
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.rand(n) < 0.1] = np.nan
    return pd.DataFrame({
        "height": rng.normal(170, 10, n),
        "age": rng.randint(18, 90, n),
        "visits": nullable,
        "grade": pd.Categorical(rng.choice(["A", "B", "C"], n), categories=["A", "B", "C", "D"]),
        "colour": colour,
        "member": rng.rand(n) < 0.3,
        "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.randint(0, 1000, n), unit="D"),
        "income": income.astype(np.float32),
        "label": rng.choice(["yes", "no"], n, p=[0.25, 0.75]),
    })


@pytest.fixture
def imbalanced() -> tuple[pd.DataFrame, pd.Series]:
    """Two informative features, one categorical, and a 4:1 imbalanced binary label."""
    rng = np.random.RandomState(1)
    n = 300
    y = np.r_[np.zeros(240, int), np.ones(60, int)]
    X = pd.DataFrame({
        "x1": rng.normal(size=n) + 2 * y,
        "x2": rng.normal(size=n) - y,
        "kind": pd.Categorical(rng.choice(["a", "b", "c"], n)),
    })
    return X, pd.Series(y, name="target")


# Image models: tiny networks, a couple of epochs on 8x8 digits (seconds on a CPU).
FAST_IMAGES = dict(epochs=2, batch_size=64, embedding_dim=16, conv_width=8, random_state=0,
                   fidelity=False)


def fast_image_augmenter(**overrides) -> GANAugmenter:
    return GANAugmenter(**{**FAST_IMAGES, **overrides})


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as uint8 images (0-255) and their labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return np.round(data.images * 255 / 16).astype(np.uint8), data.target


def bce_stopping(after_calls: int, error: BaseException):
    """The bce objective, which raises ``error`` from its generator loss after some calls
    (Ctrl-C, or a crash, in the middle of training)."""
    calls = {"n": 0}

    def generator_loss(fake):
        calls["n"] += 1
        if calls["n"] > after_calls:
            raise error
        return losses.bce_generator(fake)

    return dataclasses.replace(losses.OBJECTIVES["bce"], generator_loss=generator_loss)


def assert_same_model(a: GANAugmenter, b: GANAugmenter) -> None:
    """Bit-identical weights, losses and samples."""
    assert a.network_.state_dict().keys() == b.network_.state_dict().keys()
    for name, tensor in a.network_.state_dict().items():
        assert torch.equal(tensor, b.network_.state_dict()[name]), name
    losses_of = [{k: v for k, v in h.items() if k != "seconds"} for h in a.history_]
    assert losses_of == [{k: v for k, v in h.items() if k != "seconds"} for h in b.history_]
    for left, right in zip(a.sample(50), b.sample(50)):
        np.testing.assert_array_equal(np.asarray(left), np.asarray(right))
