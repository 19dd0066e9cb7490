"""Column spans: how each column of a table is encoded for the GAN and decoded back.

A fitted :class:`TableSchema` turns a DataFrame into one float32 matrix and back.
Each column owns consecutive *spans* of that matrix, each with an output
activation; the same span list drives the generator's output heads, the
conditional loss and the condition sampler, so offsets are computed in exactly
one place (:attr:`TableSchema.spans`).

- Continuous columns (numbers, datetimes, timedeltas) are encoded as normal scores of
  their ranks (:class:`QuantileColumn`, one ``tanh`` span) or by mode-specific
  normalisation (:class:`MixtureColumn`, CTGAN's: a mode one-hot and a position
  inside the mode). Missing values get a two-way ``softmax`` indicator.
- Discrete columns are one-hot over the categories seen in training, with missing
  values as a category of their own.

Decoding restores the original dtypes (integers stay integers, dates stay dates,
categories keep their declared categories) and never leaves the range seen in training.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from scipy.special import ndtr, ndtri
from sklearn.mixture import BayesianGaussianMixture

from synthaug._joints import joint_groups
from synthaug._json import dtype_from_json, dtype_to_json, from_json, to_json
from synthaug._runtime import new_seed
from synthaug._validation import (CATEGORICAL, TEMPORAL, as_numbers, column_kind,
                                  is_integer_column)

# Integer columns with at most this many distinct values are treated as discrete.
MAX_INTEGER_CATEGORIES = 20
# The mixture is fitted on at most this many rows of a column (encoding uses all).
MIXTURE_FIT_ROWS = 5_000
MAX_MODES = 10
# Mixture components lighter than this are dropped.
MIN_MODE_WEIGHT = 0.005
# A mode whose rows hold one value this often is a point mass (zero-inflated columns).
POINT_MASS_SHARE = 0.9
# Quantile encoding: normal scores, divided by SCORE_SCALE, are the tanh feature; levels
# are squeezed into [EDGE, 1 - EDGE], the levels of the scores -0.99 and 0.99 times it.
SCORE_SCALE = 3.0
EDGE = float(ndtr(-0.99 * SCORE_SCALE))
# Calendar units, in nanoseconds, that temporal values may all be whole multiples of.
TEMPORAL_STEPS_NS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3, 1)
# Marginal matching: quantile levels of the map (a resolution of 0.1% of the rows), the
# most distinct values a numeric column may have for generated values to land on the
# training column's own values, and the most decimals a column's values are rounded to.
MARGINAL_LEVELS = 1001
MARGINAL_VALUES = 1000
MAX_DECIMALS = 6
# Per-category corrections: the generated rows they are fitted on, the most rounds, the
# share error they stop at, and their bound (below the 27.6 that separates a fixed
# condition's category from the rest, log 1 against log 1e-12: a condition stays exact).
BIAS_ROWS, BIAS_ROUNDS, BIAS_TOLERANCE, MAX_BIAS = 20_000, 60, 0.002, 20.0


@dataclass(frozen=True)
class Span:
    """A run of ``dim`` consecutive encoded features with one output activation."""

    dim: int
    activation: str  # "tanh" or "softmax"


# ---------------------------------------------------------------- marginals


@dataclass(frozen=True)
class Marginal:
    """A rank-preserving map from the generator's values of a numeric column to the
    training rows' distribution of it: value -> its rank among generated values (its
    quantile level) -> the training values' quantile at that level.

    ``generated`` and ``real`` are quantiles at :data:`MARGINAL_LEVELS` even levels.
    With ``exact``, generated values land on the training column's own values (at
    most :data:`MARGINAL_VALUES` distinct: spikes, round numbers and the value grid come
    back as they were); otherwise between its quantiles, rounded to ``decimals`` (the
    fewest decimals that hold every training value, None when none up to
    :data:`MAX_DECIMALS` do).
    """

    generated: np.ndarray
    real: np.ndarray
    exact: bool
    decimals: int | None

    @classmethod
    def fit(cls, generated: np.ndarray, real: np.ndarray) -> "Marginal":
        levels = np.linspace(0.0, 1.0, MARGINAL_LEVELS)
        exact = len(np.unique(real)) <= MARGINAL_VALUES
        decimals = next((d for d in range(MAX_DECIMALS + 1)
                         if np.allclose(real, np.round(real, d), rtol=0, atol=1e-9)), None)
        return cls(np.quantile(generated, levels),
                   np.quantile(real, levels, method="inverted_cdf" if exact else "linear"),
                   exact, decimals)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        levels = np.linspace(0.0, 1.0, len(self.generated))
        # Tied generated quantiles (a point mass) share the middle of their levels.
        distinct, inverse = np.unique(self.generated, return_inverse=True)
        middle = np.bincount(inverse, weights=levels) / np.bincount(inverse)
        rank = np.interp(values, distinct, middle)
        if self.exact:
            return self.real[np.round(rank * (len(self.real) - 1)).astype(int)]
        mapped = np.interp(rank, levels, self.real)
        return mapped if self.decimals is None else np.round(mapped, self.decimals)

    def to_dict(self) -> dict:
        return {"generated": self.generated.tolist(), "real": self.real.tolist(),
                "exact": self.exact, "decimals": self.decimals}

    @classmethod
    def from_dict(cls, d: dict) -> "Marginal":
        return cls(np.asarray(d["generated"], dtype=float), np.asarray(d["real"], dtype=float),
                   d["exact"], d["decimals"])


# ---------------------------------------------------------------- columns


class ContinuousColumn:
    """A numeric or temporal column. What it shares across encodings: the value's
    decoding (marginal map, clipping to the training range, rounding, dtype) and the
    missing-value indicator; a subclass per encoding (:data:`ENCODINGS`) says how a
    value becomes features and back (:meth:`spans`, :meth:`encode`, :meth:`_raw`,
    :meth:`_unmapped`)."""

    encoding: str

    def __init__(self, name, dtype, *, temporal, integral, has_missing, low, high, step=1):
        self.name = name
        self.dtype = dtype
        self.temporal = temporal
        self.integral = integral
        # Integral values decode to whole multiples of ``step`` (temporal columns: the
        # coarsest calendar unit of the training values, so dates stay dates).
        self.step = step
        self.has_missing = has_missing
        self.low, self.high = low, high
        # Set by match() after training; None decodes the generator's own values.
        self.marginal: Marginal | None = None

    @property
    def value_spans(self) -> list[Span]:
        raise NotImplementedError

    @property
    def spans(self) -> list[Span]:
        return self.value_spans + ([Span(2, "softmax")] if self.has_missing else [])

    @classmethod
    def fit(cls, series: pd.Series, rng: np.random.RandomState,
            encoding: str = "quantile") -> "ContinuousColumn":
        """Fit a column of ``series`` under ``encoding`` (a key of :data:`ENCODINGS`)."""
        temporal = column_kind(series) == TEMPORAL
        values = as_numbers(series)
        present = values[~np.isnan(values)]
        common = dict(temporal=temporal,
                      integral=temporal or bool(np.all(present == np.round(present))),
                      has_missing=bool(len(present) < len(values)),
                      low=float(present.min()), high=float(present.max()),
                      step=_temporal_step(series) if temporal else 1)
        return ENCODINGS[encoding].fitted(series.name, series.dtype, present, rng, common)

    def encode(self, series: pd.Series, rng: np.random.RandomState) -> np.ndarray:
        values = as_numbers(series)
        missing = np.isnan(values)
        blocks = [self.encode_values(values, missing, rng)]
        if self.has_missing:
            blocks.append(np.eye(2)[missing.astype(int)])
        return np.hstack(blocks)

    def encode_values(self, values: np.ndarray, missing: np.ndarray,
                      rng: np.random.RandomState) -> np.ndarray:
        """The value features of ``values`` (any value where ``missing``)."""
        raise NotImplementedError

    def _raw(self, block: np.ndarray) -> np.ndarray:
        """The generator's output for each row as one number that orders the rows as their
        values: what the marginal map ranks."""
        raise NotImplementedError

    def _unmapped(self, raw: np.ndarray) -> np.ndarray:
        """The values ``raw`` decodes to without a marginal map (before clipping and
        rounding)."""
        return raw

    def _missing(self, block: np.ndarray) -> np.ndarray:
        if not self.has_missing:
            return np.zeros(len(block), bool)
        width = sum(span.dim for span in self.value_spans)
        return np.argmax(block[:, width:], axis=1) == 1

    def match(self, block: np.ndarray | None, series: pd.Series) -> None:
        """Fit the marginal map from generated rows (encoded, ``block``) to the training
        column ``series``; ``block=None`` removes it."""
        if block is None:
            self.marginal = None
            return
        generated = self._raw(block)[~self._missing(block)]
        real = as_numbers(series)
        real = real[~np.isnan(real)]
        self.marginal = Marginal.fit(generated, real) if len(generated) and len(real) else None

    def decode(self, block: np.ndarray) -> pd.Series:
        raw = self._raw(block)
        values = self.marginal(raw) if self.marginal is not None else self._unmapped(raw)
        values = np.clip(values, self.low, self.high)
        if self.integral:
            values = np.round(values / self.step)
        values[self._missing(block)] = np.nan
        return _from_numbers(values, self.step, self.dtype, self.temporal, self.name)

    def value_of(self, number: float) -> Any:
        """A number of this column (as :func:`as_numbers` gives it) as a value of its dtype."""
        scaled = number / self.step if self.temporal else number
        return _from_numbers(np.array([scaled]), self.step, self.dtype, self.temporal,
                             self.name).iloc[0]

    def to_dict(self) -> dict:
        return {
            "type": "continuous", "encoding": self.encoding, "name": to_json(self.name),
            "dtype": dtype_to_json(self.dtype), "temporal": self.temporal,
            "integral": self.integral, "has_missing": self.has_missing,
            "low": self.low, "high": self.high, "step": self.step,
            "marginal": None if self.marginal is None else self.marginal.to_dict(),
            **self.encoding_dict(),
        }

    def encoding_dict(self) -> dict:
        """What the encoding fitted, for :meth:`to_dict`."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, d: dict) -> "ContinuousColumn":
        # Files written before the quantile encoding hold mixture columns.
        kind = ENCODINGS[d.get("encoding", "mixture")]
        column = kind(from_json(d["name"]), dtype_from_json(d["dtype"]), temporal=d["temporal"],
                      integral=d["integral"], has_missing=d["has_missing"], low=d["low"],
                      high=d["high"], step=d.get("step", 1), **kind.encoding_args(d))
        marginal = d.get("marginal")
        column.marginal = None if marginal is None else Marginal.from_dict(marginal)
        return column


class QuantileColumn(ContinuousColumn):
    """Normal scores: a value is stored as the standard normal quantile of its rank in
    the training column (one ``tanh`` feature, the score over :data:`SCORE_SCALE`).

    Every column, whatever its shape (skewed, spiked, multimodal), becomes one smooth,
    standard normal feature, so that the generator spends its capacity on how columns
    depend on each other rather than on each column's shape (TabDDPM and TabSyn
    encode numbers so too); a repeated value (a spike) takes a random level within its
    share of the ranks. Decoding reads the training quantile at the generated level.
    """

    encoding = "quantile"

    def __init__(self, name, dtype, *, knots, **common):
        super().__init__(name, dtype, **common)
        # The training values' quantiles at MARGINAL_LEVELS even levels.
        self.knots = np.asarray(knots, dtype=float)

    @classmethod
    def fitted(cls, name, dtype, present: np.ndarray, rng, common: dict) -> "QuantileColumn":
        # A column of few values keeps them as knots (each value a run of equal knots).
        few = len(np.unique(present)) <= MARGINAL_VALUES
        return cls(name, dtype, knots=np.quantile(present, np.linspace(0, 1, MARGINAL_LEVELS),
                                                  method="inverted_cdf" if few else "linear"),
                   **common)

    @property
    def value_spans(self) -> list[Span]:
        return [Span(1, "tanh")]

    def encode_values(self, values, missing, rng) -> np.ndarray:
        knots, last = self.knots, len(self.knots) - 1
        values = np.where(missing, knots[last // 2], values)
        # A value that knots equal (a spike), knots [first, stop), takes a random level
        # among theirs, which decodes back to it exactly; any other lies between two.
        first, stop = np.searchsorted(knots, values, "left"), np.searchsorted(knots, values, "right")
        spread = rng.uniform(size=len(values)) * np.maximum(stop - 1 - first, 0)
        level = np.where(stop > first, (first + spread) / last,
                         np.interp(values, knots, np.linspace(0.0, 1.0, last + 1)))
        # Levels squeezed into [EDGE, 1 - EDGE], whose scores lie within +-SCORE_SCALE.
        return (ndtri(EDGE + (1 - 2 * EDGE) * level) / SCORE_SCALE)[:, None]

    def _raw(self, block: np.ndarray) -> np.ndarray:
        # The level, not the value: values of a spike tie, and a map fit on ties would send
        # each generated value to one training value, leaving others never made.
        return np.clip((ndtr(SCORE_SCALE * np.clip(block[:, 0], -1.0, 1.0)) - EDGE)
                       / (1 - 2 * EDGE), 0.0, 1.0)

    def _unmapped(self, raw: np.ndarray) -> np.ndarray:
        return np.interp(raw, np.linspace(0.0, 1.0, len(self.knots)), self.knots)

    def encoding_dict(self) -> dict:
        return {"knots": self.knots.tolist()}

    @staticmethod
    def encoding_args(d: dict) -> dict:
        return {"knots": d["knots"]}


class MixtureColumn(ContinuousColumn):
    """Mode-specific normalisation (CTGAN's): a variational Gaussian mixture finds the
    modes of the column; a value is stored as its mode (one-hot, ``softmax`` span) and
    its position inside that mode (``tanh`` span)."""

    encoding = "mixture"

    def __init__(self, name, dtype, *, mean, std, mode_means, mode_stds, **common):
        super().__init__(name, dtype, **common)
        self.mean, self.std = mean, std
        self.mode_means = np.asarray(mode_means, dtype=float)
        self.mode_stds = np.asarray(mode_stds, dtype=float)

    @classmethod
    def fitted(cls, name, dtype, present: np.ndarray, rng, common: dict) -> "MixtureColumn":
        mean, std = float(present.mean()), float(present.std())
        std = std if std > 0 else 1.0
        mode_means, mode_stds = _fit_modes((present - mean) / std, rng)
        return cls(name, dtype, mean=mean, std=std, mode_means=mode_means,
                   mode_stds=mode_stds, **common)

    @property
    def value_spans(self) -> list[Span]:
        return [Span(1, "tanh"), Span(len(self.mode_means), "softmax")]

    def encode_values(self, values, missing, rng) -> np.ndarray:
        scaled = np.where(missing, 0.0, (values - self.mean) / self.std)[:, None]
        # Draw each value's mode from its posterior (Gumbel-max), as one array op.
        log_post = _log_density(scaled, self.mode_means, self.mode_stds)
        mode = np.argmax(log_post + rng.gumbel(size=log_post.shape), axis=1)
        offset = scaled[:, 0] - self.mode_means[mode]
        alpha = np.clip(offset / (4.0 * np.maximum(self.mode_stds[mode], 1e-9)), -0.99, 0.99)
        return np.hstack([alpha[:, None], np.eye(len(self.mode_means))[mode]])

    def _raw(self, block: np.ndarray) -> np.ndarray:
        mode = np.argmax(block[:, 1 : 1 + len(self.mode_means)], axis=1)
        alpha = np.clip(block[:, 0], -1.0, 1.0)
        return (alpha * 4.0 * self.mode_stds[mode] + self.mode_means[mode]) * self.std + self.mean

    def encoding_dict(self) -> dict:
        return {"mean": self.mean, "std": self.std, "mode_means": self.mode_means.tolist(),
                "mode_stds": self.mode_stds.tolist()}

    @staticmethod
    def encoding_args(d: dict) -> dict:
        return {k: d[k] for k in ("mean", "std", "mode_means", "mode_stds")}


# The encodings of continuous columns (GANAugmenter's ``continuous_encoding``).
ENCODINGS = {"quantile": QuantileColumn, "mixture": MixtureColumn}


class DiscreteColumn:
    """A column one-hot encoded over its training categories (+ a missing slot)."""

    def __init__(self, name, dtype, *, categories, has_missing):
        self.name = name
        self.dtype = dtype
        self.categories = list(categories)
        self.has_missing = has_missing
        # Set by match() after training: log(training share / generated share) per
        # category, added to the generator's log-probabilities before the choice.
        self.bias: np.ndarray | None = None

    @property
    def n_categories(self) -> int:
        return len(self.categories) + int(self.has_missing)

    @property
    def spans(self) -> list[Span]:
        return [Span(self.n_categories, "softmax")]

    @classmethod
    def fit(cls, series: pd.Series) -> "DiscreteColumn":
        present = series.dropna()
        if isinstance(series.dtype, pd.CategoricalDtype):
            seen = set(present.unique())
            categories = [c for c in series.dtype.categories if c in seen]
        else:
            categories = list(pd.unique(present))
            try:
                categories = sorted(categories)
            except TypeError:  # mixed types: keep the order of first appearance
                pass
        return cls(series.name, series.dtype, categories=categories,
                   has_missing=bool(len(present) < len(series)))

    def codes(self, series: pd.Series) -> np.ndarray:
        """Category index of each value; missing values map to the last slot."""
        codes = pd.Categorical(series, categories=self.categories).codes.astype(np.int64)
        codes[codes < 0] = len(self.categories)
        return codes

    def code_of(self, value: Any) -> int:
        """Index of one value, or a ValueError naming the column and the known values."""
        code = int(self.codes(pd.Series([value], dtype=object))[0])
        is_missing = np.ndim(value) == 0 and pd.isna(value)
        if code == len(self.categories) and not (self.has_missing and is_missing):
            raise ValueError(
                f"Value {value!r} of column {self.name!r} was not seen during fit; known "
                f"values: {self.categories[:20]}{' ...' if len(self.categories) > 20 else ''}"
                f"{' and missing (NaN)' if self.has_missing else ''}."
            )
        return code

    def encode(self, series: pd.Series, rng: np.random.RandomState | None = None) -> np.ndarray:
        return np.eye(self.n_categories)[self.codes(series)]

    def match(self, block: np.ndarray | None, series: pd.Series) -> None:
        """Fit the per-category correction from generated rows (``block``) to the training
        column ``series``: categories generated too often are chosen less, and the other
        way round (a category never generated stays so); ``block=None`` removes it."""
        if block is None:
            self.bias = None
            return
        k = self.n_categories
        real = np.bincount(self.codes(series), minlength=k) / len(series)
        scores = np.log(np.maximum(block[:BIAS_ROWS], 1e-12))
        bias = np.zeros(k)
        share = np.bincount(np.argmax(scores, axis=1), minlength=k) / len(scores)
        both = (real > 0) & (share > 0)
        # How far a bias moves the choice depends on how peaked the generator's outputs
        # are (its Gumbel-softmax temperature, among others): rather than assume it, step
        # each category's bias by its log share ratio until the shares match.
        for _ in range(BIAS_ROUNDS):
            if np.abs(share - real)[both].max(initial=0.0) < BIAS_TOLERANCE:
                break
            bias[both] += np.log(real[both] / np.maximum(share[both], 1e-12))
            bias = np.clip(bias, -MAX_BIAS, MAX_BIAS)
            share = np.bincount(np.argmax(scores + bias, axis=1), minlength=k) / len(scores)
        self.bias = bias

    def decode(self, block: np.ndarray) -> pd.Series:
        return self.values(self.choose(block))

    def choose(self, block: np.ndarray) -> np.ndarray:
        """The category index each row of generator output ``block`` decodes to."""
        if self.bias is not None:
            block = np.log(np.maximum(block, 1e-12)) + self.bias
        return np.argmax(block, axis=1)

    def values(self, codes: np.ndarray) -> pd.Series:
        """Category indices (the missing slot's included) as values of the column."""
        values = np.array(self.categories + [np.nan], dtype=object)[codes]
        return pd.Series(values, name=self.name).astype(self.dtype)

    def to_dict(self) -> dict:
        return {
            "type": "discrete", "name": to_json(self.name),
            "dtype": dtype_to_json(self.dtype),
            "categories": [to_json(v) for v in self.categories],
            "has_missing": self.has_missing,
            "bias": None if self.bias is None else self.bias.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "DiscreteColumn":
        column = cls(from_json(d["name"]), dtype_from_json(d["dtype"]),
                     categories=[from_json(v) for v in d["categories"]],
                     has_missing=d["has_missing"])
        bias = d.get("bias")
        column.bias = None if bias is None else np.asarray(bias, dtype=float)
        return column


class JointColumn(DiscreteColumn):
    """Discrete columns modelled as one (:mod:`synthaug._joints`): one-hot over the
    combinations of their categories that training rows hold, so that generated rows
    hold those combinations only, in their proportions (:meth:`match` corrects the
    combinations' shares as it does a column's categories).

    ``members`` are the table's discrete columns (they keep their categories, for
    conditions and decoding); ``combos`` is a ``(n_combinations, n_members)`` matrix of
    their category indices.
    """

    def __init__(self, members: list[DiscreteColumn], combos: np.ndarray):
        self.members = list(members)
        self.combos = np.asarray(combos, dtype=np.int64).reshape(-1, len(self.members))
        self.name = tuple(member.name for member in self.members)
        self.dtype = None
        self.has_missing = False
        self.bias = None
        # A combination's key, as the members' indices in one number, in sorted order.
        self._sizes = [member.n_categories for member in self.members]
        self._keys = np.ravel_multi_index(self.combos.T, self._sizes)
        self._order = np.argsort(self._keys)

    @property
    def categories(self) -> list:
        return [tuple(member.categories[code] if code < len(member.categories) else np.nan
                      for member, code in zip(self.members, row)) for row in self.combos]

    @property
    def n_categories(self) -> int:
        return len(self.combos)

    @classmethod
    def fit(cls, members: list[DiscreteColumn], frame: pd.DataFrame) -> "JointColumn":
        codes = np.stack([member.codes(frame[member.name]) for member in members], axis=1)
        return cls(members, np.unique(codes, axis=0))

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        """Combination index of each row of the members' columns in ``frame``;
        combinations not seen in training get ``n_categories``."""
        codes = np.stack([member.codes(frame[member.name]) for member in self.members])
        sizes = np.asarray(self._sizes)[:, None]
        # A member's value unseen in training has an index past its categories.
        keys = np.ravel_multi_index(np.minimum(codes, sizes - 1), self._sizes)
        sorted_keys = self._keys[self._order]
        at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        known = (sorted_keys[at] == keys) & (codes < sizes).all(axis=0)
        return np.where(known, self._order[at], self.n_categories)

    def matching(self, fixed: dict) -> np.ndarray:
        """Indices of the combinations that hold ``{member index: category index}``."""
        hold = np.ones(self.n_categories, bool)
        for member, code in fixed.items():
            hold &= self.combos[:, member] == code
        return np.flatnonzero(hold)

    def encode(self, frame: pd.DataFrame, rng: np.random.RandomState | None = None) -> np.ndarray:
        return np.eye(self.n_categories)[self.codes(frame)]

    def values(self, codes: np.ndarray) -> pd.DataFrame:
        return pd.concat([member.values(self.combos[codes, j])
                          for j, member in enumerate(self.members)], axis=1)

    def to_dict(self) -> dict:
        return {"names": [to_json(name) for name in self.name], "combos": self.combos.tolist(),
                "bias": None if self.bias is None else self.bias.tolist()}

    @classmethod
    def from_dict(cls, d: dict, columns: dict) -> "JointColumn":
        """A joint column of ``columns`` (the schema's, by name) from :meth:`to_dict`."""
        column = cls([columns[from_json(name)] for name in d["names"]], np.asarray(d["combos"]))
        column.bias = None if d["bias"] is None else np.asarray(d["bias"], dtype=float)
        return column


def _fit_modes(scaled: np.ndarray, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """Means and standard deviations of the modes of a standardised column."""
    distinct = np.unique(scaled)
    if len(distinct) < 2:
        return np.zeros(1), np.ones(1)
    if len(scaled) > MIXTURE_FIT_ROWS:
        scaled = rng.choice(scaled, MIXTURE_FIT_ROWS, replace=False)
    mixture = BayesianGaussianMixture(
        n_components=min(MAX_MODES, len(distinct)),
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=1e-3,
        max_iter=100,
        random_state=new_seed(rng),
    )
    with warnings.catch_warnings():
        # Stopping early still yields usable modes; the encoding does not need convergence.
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(scaled[:, None])
    keep = mixture.weights_ > MIN_MODE_WEIGHT
    if not keep.any():
        keep = mixture.weights_ == mixture.weights_.max()
    means = mixture.means_[keep, 0]
    stds = np.sqrt(mixture.covariances_.reshape(len(keep), -1)[keep, 0])
    # A mode that is (almost) one repeated value becomes an exact point mass (std 0),
    # so that e.g. the zeros of a zero-inflated column decode back to exactly zero.
    assigned = np.argmax(_log_density(scaled[:, None], means, stds), axis=1)
    for k in range(len(means)):
        values, counts = np.unique(scaled[assigned == k], return_counts=True)
        if len(counts) and counts.max() >= POINT_MASS_SHARE * counts.sum():
            means[k], stds[k] = values[counts.argmax()], 0.0
    return means, stds


def _log_density(scaled: np.ndarray, means: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """Unnormalised log N(x; mean, std) per mode; a point mass (std 0) is a very narrow mode."""
    safe = np.maximum(stds, 1e-9)
    return -0.5 * ((scaled - means) / safe) ** 2 - np.log(safe)


def _temporal_step(series: pd.Series) -> int:
    """The coarsest calendar unit (a day ... a nanosecond) that divides every value, in the
    column's own unit; 1 when none does."""
    ticks = series.dropna().array.asi8
    per_tick = pd.Timedelta(1, unit=series.dt.unit).value
    for step_ns in TEMPORAL_STEPS_NS:
        if step_ns % per_tick == 0 and not np.any(ticks % (step_ns // per_tick)):
            return step_ns // per_tick
    return 1


def _from_numbers(values: np.ndarray, step: int, dtype: Any, temporal: bool,
                  name: Any) -> pd.Series:
    """A column of ``dtype`` from numbers (temporal ones counted in units of ``step``)."""
    missing = np.isnan(values)
    if not temporal:
        return pd.Series(values, name=name).astype(dtype)
    ints = np.where(missing, 0, values).astype(np.int64) * step
    if isinstance(dtype, pd.DatetimeTZDtype):
        series = pd.Series(ints.view(f"M8[{dtype.unit}]"), name=name)
        series = series.dt.tz_localize("UTC").dt.tz_convert(dtype.tz)
    else:
        series = pd.Series(ints.view(dtype), name=name)
    return series.mask(missing)


# ---------------------------------------------------------------- the table


class TableSchema:
    """The fitted encoding of a table: an ordered list of columns and their spans.

    ``columns`` holds every modelled column of the table, in its order. Discrete
    columns that nearly determine each other are encoded together, as one
    :class:`JointColumn` of ``joints``, where the first of them stands. A class label
    given apart from the table (``y``) is encoded as one more discrete column,
    ``label``, after the table's columns: it is the last condition column.
    """

    def __init__(self, columns: list, label: DiscreteColumn | None = None,
                 joints: list[JointColumn] = ()):
        self.columns = columns
        self.label = label
        self.joints = list(joints)

    @classmethod
    def fit(cls, frame: pd.DataFrame, discrete: set, rng: np.random.RandomState,
            labels: np.ndarray | None = None, encoding: str = "quantile",
            joint: bool = False, keep_apart: tuple = ()) -> "TableSchema":
        """Fit every column of ``frame`` (columns named in ``discrete`` are one-hot, the
        others continuous under ``encoding``) and, when given, the class ``labels``.
        With ``joint``, discrete columns that nearly determine each other (but none of
        ``keep_apart``) are encoded together (:func:`~synthaug._joints.joint_groups`)."""
        columns = [DiscreteColumn.fit(frame[name]) if name in discrete
                   else ContinuousColumn.fit(frame[name], rng, encoding)
                   for name in frame.columns]
        joints = []
        if joint:
            candidates = [c for c in columns
                          if isinstance(c, DiscreteColumn) and c.name not in keep_apart]
            codes = np.stack([c.codes(frame[c.name]) for c in candidates], axis=1) \
                if candidates else np.zeros((len(frame), 0), np.int64)
            joints = [JointColumn.fit([candidates[i] for i in group], frame)
                      for group in joint_groups(codes)]
        return cls(columns, None if labels is None else DiscreteColumn.fit(pd.Series(labels)),
                   joints)

    @property
    def _encoded(self) -> list:
        """Every column with a block in the encoded matrix, in order: the table's, a
        joint column where its first member stands, then the label."""
        joint_of = {id(member): joint for joint in self.joints for member in joint.members}
        encoded = []
        for column in self.columns:
            block = joint_of.get(id(column), column)
            if block is column or block.members[0] is column:
                encoded.append(block)
        return encoded + ([] if self.label is None else [self.label])

    @property
    def names(self) -> list:
        return [column.name for column in self.columns]

    @property
    def spans(self) -> list[Span]:
        return [span for column in self._encoded for span in column.spans]

    @property
    def width(self) -> int:
        return sum(span.dim for span in self.spans)

    def offsets(self) -> list[tuple[int, int]]:
        """(start, stop) of each encoded column's block in the encoded matrix (the
        label's last), in :attr:`encoded` order."""
        stops = np.cumsum([sum(s.dim for s in column.spans) for column in self._encoded])
        return list(zip([0, *stops[:-1].tolist()], stops.tolist()))

    def blocks(self) -> dict:
        """``{column name: (start, stop)}`` of the block each table column's values are
        in (a joint column's members share theirs)."""
        found = {}
        for column, block in zip(self._encoded, self.offsets()):
            if column is not self.label:
                found.update(dict.fromkeys(
                    column.name if isinstance(column, JointColumn) else [column.name], block))
        return found

    def span_layout(self) -> list[tuple[int, int, str]]:
        """(start, dim, activation) of every span in the encoded matrix."""
        layout = []
        for column, (start, _) in zip(self._encoded, self.offsets()):
            for span in column.spans:
                layout.append((start, span.dim, span.activation))
                start += span.dim
        return layout

    def discrete_blocks(self) -> list[tuple[int, int]]:
        """(start, dim) of each condition column's one-hot block, in :attr:`discrete` order."""
        return [(start, stop - start) for column, (start, stop) in zip(self._encoded, self.offsets())
                if isinstance(column, DiscreteColumn)]

    @property
    def discrete(self) -> list[DiscreteColumn]:
        """The condition columns: the discrete (and joint) columns of the table as
        encoded, then the label."""
        return [c for c in self._encoded if isinstance(c, DiscreteColumn)]

    def column(self, name: Any):
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def condition_of(self, name: Any) -> tuple[int, int | None]:
        """Where a condition on table column ``name`` goes: the index of its condition
        column in :attr:`discrete` and, for a member of a joint column, its index among
        the members (else None)."""
        for index, column in enumerate(self.discrete):
            if column.name == name and column is not self.label:
                return index, None
            names = [m.name for m in getattr(column, "members", [])]
            if name in names:
                return index, names.index(name)
        raise KeyError(name)

    def _values(self, column, frame: pd.DataFrame, labels: np.ndarray | None):
        """What encoded ``column`` is fitted on: its column of ``frame`` (a joint's:
        its members' columns), or the labels."""
        if column is self.label:
            return pd.Series(labels)
        return frame[list(column.name)] if isinstance(column, JointColumn) else frame[column.name]

    def encode(self, frame: pd.DataFrame, rng: np.random.RandomState,
               labels: np.ndarray | None = None) -> np.ndarray:
        # Each column's block goes straight into one float32 matrix: stacking float64
        # blocks first would hold the table three times over at the peak.
        encoded = np.empty((len(frame), self.width), dtype=np.float32)
        for column, (start, stop) in zip(self._encoded, self.offsets()):
            encoded[:, start:stop] = column.encode(self._values(column, frame, labels), rng)
        return encoded

    def discrete_codes(self, frame: pd.DataFrame, labels: np.ndarray | None = None) -> np.ndarray:
        """An (n_rows, n_discrete) int64 matrix of category indices (the label's last)."""
        codes = [c.codes(self._values(c, frame, labels)) for c in self.discrete]
        return np.stack(codes, axis=1) if codes else np.zeros((len(frame), 0), np.int64)

    def match_marginals(self, matrix: np.ndarray | None, frame: pd.DataFrame,
                        labels: np.ndarray | None = None) -> None:
        """Fit every column's marginal map (:meth:`ContinuousColumn.match`,
        :meth:`DiscreteColumn.match`) from generated rows (encoded, ``matrix``) to the
        training rows ``frame`` and ``labels``; ``matrix=None`` removes the maps."""
        for column, (start, stop) in zip(self._encoded, self.offsets()):
            column.match(None if matrix is None else matrix[:, start:stop],
                         self._values(column, frame, labels))

    def decode(self, matrix: np.ndarray) -> tuple[pd.DataFrame, np.ndarray | None]:
        """The table's columns as a DataFrame, and the labels (or None) as an array."""
        series = [column.decode(matrix[:, start:stop])
                  for column, (start, stop) in zip(self._encoded, self.offsets())]
        labels = None if self.label is None else series.pop().to_numpy()
        frame = pd.concat(series, axis=1)
        return (frame[self.names] if self.joints else frame), labels

    def to_dict(self) -> dict:
        return {"columns": [column.to_dict() for column in self.columns],
                "label": None if self.label is None else self.label.to_dict(),
                "joints": [joint.to_dict() for joint in self.joints]}

    @classmethod
    def from_dict(cls, d: dict) -> "TableSchema":
        kinds = {"continuous": ContinuousColumn, "discrete": DiscreteColumn}
        label = d.get("label")
        columns = [kinds[c["type"]].from_dict(c) for c in d["columns"]]
        by_name = {column.name: column for column in columns}
        # Files written before joint columns have none.
        return cls(columns, None if label is None else DiscreteColumn.from_dict(label),
                   [JointColumn.from_dict(j, by_name) for j in d.get("joints", [])])


def infer_discrete(frame: pd.DataFrame, forced: list | None) -> set:
    """Columns to one-hot: non-numeric ones, plus ``forced`` or few-valued integers.

    With ``forced=None`` integer columns with at most ``MAX_INTEGER_CATEGORIES``
    distinct values are discrete. With a list, exactly the listed numeric columns
    are discrete (non-numeric columns always are).
    """
    if forced is not None:
        unknown = [name for name in forced if name not in frame.columns]
        if unknown:
            raise ValueError(
                f"discrete_columns names {unknown}, which X does not have; "
                f"X's columns are {list(frame.columns)}."
            )
    discrete = set()
    for name in frame.columns:
        series = frame[name]
        if column_kind(series) == CATEGORICAL:
            discrete.add(name)
        elif forced is not None:
            if name in forced:
                discrete.add(name)
        elif is_integer_column(series) and series.nunique() <= MAX_INTEGER_CATEGORIES:
            discrete.add(name)
    return discrete
