"""Marginal maps and the averaged generator: what tables sample from after training."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from conftest import fast_augmenter


@pytest.fixture
def skewed():
    """A skewed column, a column of 40 irregular values, and an unbalanced category."""
    rng = np.random.RandomState(0)
    n = 600
    grid = np.round(rng.normal(50, 20, 40), 3)
    return pd.DataFrame({
        "income": rng.lognormal(10, 0.8, n),
        "score": rng.choice(grid, n),
        "kind": rng.choice(["a", "b", "c"], n, p=[0.7, 0.2, 0.1]),
    }), grid


def test_sampled_marginals_match_the_training_rows(skewed):
    X, _ = skewed
    synthetic = fast_augmenter().fit(X).sample(3000, random_state=1)
    # A two-epoch generator is far from the data; the maps fitted to its own output
    # bring every column's distribution to the training rows'.
    assert ks_2samp(synthetic["income"], X["income"]).statistic < 0.05
    assert ks_2samp(synthetic["score"], X["score"]).statistic < 0.05
    shares = synthetic["kind"].value_counts(normalize=True)
    real = X["kind"].value_counts(normalize=True)
    assert np.abs(shares.reindex(real.index) - real).max() < 0.04


@pytest.mark.parametrize("encoding", ["quantile", "mixture"])
def test_columns_with_few_values_take_every_training_value_at_its_share(skewed, encoding):
    X, grid = skewed
    synthetic = fast_augmenter(continuous_encoding=encoding).fit(X).sample(4000, random_state=1)
    assert set(synthetic["score"]) <= set(grid)
    # Every value, at about its share: a map fitted on generated values that tie (as
    # decoded normal scores do) would send all of one value's rows to one training
    # value and never make some others.
    real = X["score"].value_counts(normalize=True)
    shares = synthetic["score"].value_counts(normalize=True).reindex(real.index, fill_value=0)
    assert (shares > 0).all()
    assert 0.5 * np.abs(shares - real).sum() < 0.08  # total variation distance


def test_the_map_keeps_the_generators_order(skewed):
    # The same networks (match_marginals does not touch training) and the same draw:
    # the mapped values are a monotone function of the generator's own values.
    X, _ = skewed
    raw = fast_augmenter(match_marginals=False).fit(X).sample(1000, random_state=3)
    mapped = fast_augmenter().fit(X).sample(1000, random_state=3)
    for column in ("income", "score"):
        # Raw values clipped to the training range tie: order by raw, then mapped value.
        order = np.lexsort((mapped[column].to_numpy(), raw[column].to_numpy()))
        assert np.all(np.diff(mapped[column].to_numpy()[order]) >= 0), column
    assert not np.allclose(raw["income"], mapped["income"])


def test_conditions_stay_exact_under_the_maps(skewed):
    X, _ = skewed
    aug = fast_augmenter().fit(X)
    # "c" is the rarest category: its correction lowers its odds, never a condition.
    assert (aug.sample(200, conditions={"kind": "c"}, random_state=0)["kind"] == "c").all()


def test_without_maps_the_schema_holds_none(skewed):
    X, _ = skewed
    schema = fast_augmenter(match_marginals=False).fit(X).schema_.to_dict()
    assert all(c.get("marginal") is None and c.get("bias") is None for c in schema["columns"])


def test_tables_sample_from_the_averaged_generator_unless_ema_decay_is_none(skewed):
    X, _ = skewed
    averaged = fast_augmenter().fit(X).network_
    trained = fast_augmenter(ema_decay=None).fit(X).network_
    assert averaged.sampling_generator() is averaged.average
    assert averaged.average_steps == 20  # 600 rows in batches of 60, two epochs
    assert trained.average is None and trained.sampling_generator() is trained.generator
    # Training is the same; only what sampling reads differs.
    assert all(np.array_equal(a.detach(), b.detach()) for a, b in
               zip(averaged.generator.parameters(), trained.generator.parameters()))
    assert not all(np.array_equal(a, b) for a, b in
                   zip(averaged.average.parameters(), averaged.generator.parameters()))
