"""The pooled-pack critic (``pack_pooling=True``): one shared layer per row, then the
pack's mean and spread, so a pack's score does not depend on the order of its rows."""

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug import GANAugmenter
from synthaug.nn.tabular import Discriminator, PooledDiscriminator
from conftest import fast_augmenter


def test_a_packs_score_ignores_row_order_within_the_pack_only():
    torch.manual_seed(0)
    critic = PooledDiscriminator(6, (16, 8), pac=4).eval()
    rows = torch.randn(12, 6)
    scores = critic(rows)
    assert scores.shape == (3, 1)
    within = torch.cat([rows[4 * k:4 * k + 4][torch.tensor([2, 0, 3, 1])] for k in range(3)])
    torch.testing.assert_close(critic(within), scores)
    across = rows.clone()
    across[[0, 4]] = rows[[4, 0]]  # swap a row of the first pack with one of the second
    assert not torch.allclose(critic(across)[:2], scores[:2])


def test_identical_rows_give_finite_gradients():
    critic = PooledDiscriminator(3, (8,), pac=5)
    rows = torch.ones(10, 3, requires_grad=True)
    critic(rows).sum().backward()
    assert torch.isfinite(rows.grad).all()


@pytest.fixture
def small():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=120), "k": rng.choice(["a", "b", "c"], 120)})
    return X, rng.randint(2, size=120)


def test_pooled_models_save_load_and_sample_the_same(small, tmp_path):
    X, y = small
    aug = fast_augmenter(pack_pooling=True).fit(X, y)
    assert isinstance(aug.network_.discriminator, PooledDiscriminator)
    aug.save(tmp_path / "m.pt")
    loaded = GANAugmenter.load(tmp_path / "m.pt")
    assert loaded.pack_pooling is True
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=1)[0],
                                  aug.sample(50, random_state=1)[0])


def test_warm_start_refuses_a_change_of_critic(small):
    X, y = small
    aug = fast_augmenter().fit(X, y).set_params(warm_start=True, pack_pooling=False)
    with pytest.raises(ValueError, match="pack_pooling"):
        aug.fit(X, y)


def test_with_no_hidden_layer_the_critic_scores_the_packs_mean_and_spread(small):
    X, y = small
    aug = fast_augmenter(discriminator_dim=()).fit(X, y)
    critic = aug.network_.discriminator
    assert isinstance(critic, PooledDiscriminator) and len(critic.rows) == 0
    assert len(aug.sample(30, random_state=0)[0]) == 30


def test_the_concatenated_pack_critic_stays_available(small):
    X, y = small
    aug = fast_augmenter(pack_pooling=False).fit(X, y)
    assert isinstance(aug.network_.discriminator, Discriminator)
