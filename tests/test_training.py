"""Every objective trains; divergence is reported and rolled back, never hidden."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug import GANAugmenter, TrainingDivergedError
from synthaug import losses
from conftest import fast_augmenter


@pytest.fixture
def small():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=100), "k": rng.choice(["a", "b"], 100)})
    return X, rng.randint(2, size=100)


@pytest.mark.parametrize("loss", sorted(losses.OBJECTIVES))
def test_every_objective_trains_to_finite_losses(small, loss):
    X, y = small
    aug = fast_augmenter(loss=loss, epochs=3).fit(X, y)
    assert [h["epoch"] for h in aug.history_] == [1, 2, 3]
    assert all(math.isfinite(h[k]) for h in aug.history_
               for k in ("discriminator_loss", "generator_loss", "condition_loss"))
    X_new, y_new = aug.sample(20)
    assert X_new.notna().all().all() and len(y_new) == 20


def test_wgan_clips_critic_weights(small):
    X, y = small
    aug = fast_augmenter(loss="wgan", epochs=2).fit(X, y)
    weights = torch.cat([p.flatten() for p in aug.network_.discriminator.parameters()])
    assert weights.abs().max() <= 0.01 + 1e-7


def _poisoned(after_calls):
    """The bce objective, whose generator loss turns NaN after some calls."""
    calls = {"n": 0}

    def generator_loss(fake):
        calls["n"] += 1
        loss = losses.bce_generator(fake)
        return loss * float("nan") if calls["n"] > after_calls else loss

    return dataclasses.replace(losses.OBJECTIVES["bce"], generator_loss=generator_loss)


def test_divergence_rolls_back_to_last_good_epoch_and_warns(small, monkeypatch):
    X, y = small
    steps_per_epoch = 2  # 100 rows, batch of 60
    monkeypatch.setitem(losses.OBJECTIVES, "bce", _poisoned(after_calls=2 * steps_per_epoch))
    with pytest.warns(RuntimeWarning, match="diverged at epoch 3.*rolled back to epoch 2"):
        aug = fast_augmenter(loss="bce", epochs=5).fit(X, y)
    assert len(aug.history_) == 2
    assert all(torch.isfinite(p).all() for p in aug.network_.parameters())
    X_new, _ = aug.sample(30)
    assert X_new["x"].notna().all()


def test_divergence_in_first_epoch_raises(small, monkeypatch):
    X, y = small
    monkeypatch.setitem(losses.OBJECTIVES, "bce", _poisoned(after_calls=0))
    with pytest.raises(TrainingDivergedError, match="first epoch"):
        fast_augmenter(loss="bce").fit(X, y)


def test_verbose_shows_a_progress_bar_with_losses(small, capsys):
    X, y = small
    fast_augmenter(verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "synthaug" in err and "D=" in err and "G=" in err


def test_sampling_runs_in_eval_mode_without_autograd(small):
    X, y = small
    aug = fast_augmenter().fit(X, y)
    aug.network_.train()  # even if a user left it in train mode
    seen = []
    aug.network_.sampling_generator().register_forward_hook(
        lambda module, inputs, output: seen.append((module.training, torch.is_grad_enabled())))
    aug.sample(7)
    assert seen == [(False, False)]


@pytest.mark.parametrize("rows, pac, batch_size, steps", [
    (600, 10, 250, 3),     # small tables take steps of at least 250 rows
    (1000, 10, 250, 4),    # a quarter of the rows a step
    (1500, 10, 370, 5),    # 375, rounded down to a multiple of pac
    (3000, 10, 500, 6),    # from 2,000 rows on, the large-data batch
])
def test_auto_batch_size_follows_the_table_size(rows, pac, batch_size, steps):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=rows), "k": rng.choice(["a", "b"], rows)})
    aug = GANAugmenter(epochs=1, pac=pac, fidelity=False, random_state=0).fit(X)
    plan = aug.training_plan_
    assert (plan.batch_size, plan.steps_per_epoch) == (batch_size, steps)


def test_an_explicit_batch_size_is_kept_on_small_tables():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=1000)})
    aug = GANAugmenter(epochs=1, batch_size=500, fidelity=False, random_state=0).fit(X)
    assert (aug.training_plan_.batch_size, aug.training_plan_.steps_per_epoch) == (500, 2)
