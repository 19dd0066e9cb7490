"""What a kind of data (a table, a set of images) must do for the estimator, and which kind X is.

A :class:`Modality` is fitted from validated input and then owns everything that
depends on the kind of data: the gate for later input, encoding, network
construction, what runs after training, generation, decoding, the view the label
filter's judge reads, the report and its own part of the model file. The estimator
holds one and never asks which kind it is; the generation loop below is shared.

Subclasses: :class:`synthaug._tables.TableModality` and
:class:`synthaug._images.ImageModality`, registered in :data:`MODALITIES` by backbone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd
import torch

from synthaug._conditioning import ConditionSpace
from synthaug._containers import concat_rows, take_rows
from synthaug._judges import classification_scores
from synthaug._labels import Labels
from synthaug._recipes import Recipe
from synthaug._runtime import seeded
from synthaug._training import GANModel
from synthaug._validation import LabelLayout


# Rows a row filter may generate to keep n: at least MIN_DRAWN, up to MAX_DRAWN_PER_ROW
# per row asked for (a million rows of a table take seconds on a CPU).
MIN_DRAWN, MAX_DRAWN_PER_ROW = 1_000_000, 1_000


class RowFilter(Protocol):
    """Conditions met by keeping the generated rows that meet them: the kept rows then
    follow the model's own conditional distribution."""

    text: str  # the conditions, as an error message names them

    def __call__(self, output: np.ndarray) -> np.ndarray:
        """Which rows of a batch of network output (encoded) to keep, as booleans."""


@dataclass
class Inputs:
    """Samples through the input gate, for the modality ``kind``.

    ``data`` is in the package's form (a DataFrame for a table, an (n, C, H, W) pixel
    array for images); ``original``, when kept, is the caller's own container.
    """

    kind: type["Modality"]
    data: Any
    layout: Any
    labels: np.ndarray | None
    label_layout: LabelLayout | None
    original: Any = None

    def __len__(self) -> int:
        return len(self.data)

    @property
    def X(self):
        """The samples in the caller's container, as augmentation returns them."""
        return self.layout.restore(self.data) if self.original is None else self.original

    def take(self, rows: np.ndarray) -> "Inputs":
        """The samples at positions ``rows``."""
        return Inputs(self.kind, take_rows(self.data, rows), self.layout,
                      None if self.labels is None else self.labels[rows], self.label_layout,
                      None if self.original is None else take_rows(self.original, rows))


@dataclass
class TrainingSet:
    """What the training loop draws batches from: samples (encoded rows or pixels), their
    category codes per condition column, the batch size, and how a drawn batch becomes
    model input (``prepare(model, batch)``). Every batch drawn, a data-parallel rank's
    share included, is a multiple of ``multiple`` (a table's ``pac``)."""

    samples: np.ndarray
    codes: np.ndarray
    batch_size: int
    prepare: Callable | None = None
    multiple: int = 1


class Modality(ABC):
    """A fitted kind of data.

    Subclasses set ``name`` (as in model files), ``backbone`` (the estimator's
    ``backbone_``), ``fit_report_size`` (samples the report after ``fit`` compares)
    and ``report_size`` (the most that ``evaluate`` makes by default).
    """

    name: str
    backbone: str
    fit_report_size: int
    report_size: int
    space: ConditionSpace
    labels: Labels | None
    recipe: Recipe

    # ---------------------------------------------------------------- fit

    @classmethod
    @abstractmethod
    def accepts(cls, X) -> bool:
        """Whether ``X`` has this kind's shape (a 2-D table, 3-D/4-D images)."""

    @classmethod
    @abstractmethod
    def wrong_shape(cls, X) -> str:
        """The message for ``X`` forced onto this backbone though it has another shape."""

    @classmethod
    @abstractmethod
    def check(cls, X, y, params: dict) -> Inputs:
        """The input gate for fitting: validate ``X`` and the labels."""

    @classmethod
    @abstractmethod
    def fit(cls, inputs: Inputs, params: dict, rng: np.random.RandomState) -> "Modality":
        """Fit the encoding (and condition space) on ``inputs``."""

    @classmethod
    def recipe_for(cls, params: dict) -> Recipe:
        """The recipe that a fit with the estimator's ``params`` trains with."""
        return cls.recipe

    @classmethod
    def batch_size(cls, params: dict, samples: int) -> int:
        """Samples a step of a fit with ``params`` on ``samples`` samples."""
        return cls.recipe_for(params).choose(params, samples)["batch_size"]

    @abstractmethod
    def training_set(self, inputs: Inputs, params: dict, seed: int) -> TrainingSet:
        """``inputs`` encoded for training, the encoding's random draws seeded by ``seed``.

        Samples the encoding was not fit on (a warm start) must fit it: other columns or
        image sizes, unseen categories or classes are refused, naming them.
        """

    def check_labelled(self, inputs: Inputs) -> None:
        """Samples to train on have labels exactly when the fitted model has them."""
        if (inputs.labels is None) != (self.labels is None):
            raise ValueError(
                f"warm_start=True continues a model fit with{'out' * (self.labels is None)} "
                f"labels y; pass {'no' if self.labels is None else 'the'} y, or set "
                "warm_start=False to fit anew.")

    @abstractmethod
    def network(self, params: dict) -> Callable[[torch.device], GANModel]:
        """A builder of this data's networks on a device."""

    @abstractmethod
    def attributes(self) -> dict:
        """The estimator's fitted attributes that only this kind has (``schema_``, ...)."""

    def after_training(self, network: GANModel, inputs: Inputs, params: dict, seed: int,
                       device: torch.device) -> None:
        """What runs once training on ``inputs`` is done (nothing, unless a kind needs it)."""

    # ---------------------------------------------------------------- sample

    def sample(self, network: GANModel, n: int, y, conditions, seed: int,
               device: torch.device):
        """``n`` samples as the estimator's ``sample`` returns them."""
        fixed, keep = self.fixed_codes(conditions), self.row_filter(conditions)
        if y is None:
            return self.decode(*self.generate(network, n, fixed, seed, device, keep))
        if self.labels is None:
            raise ValueError("y= needs a model fit with labels; this one was fit without y.")
        if self.labels.index in fixed:
            raise ValueError(f"The label {self.labels.column.name!r} is given both as y and in "
                             "conditions.")
        if np.ndim(y) == 0:
            fixed[self.labels.index] = self.labels.code_of(y)
            return self.decode(*self.generate(network, n, fixed, seed, device, keep))
        y = np.asarray(y)
        if len(y) != n:
            raise ValueError(f"y has {len(y)} labels but n_samples={n}; they must match.")
        classes = pd.unique(y)
        if len(classes) == 0:
            return self.decode(*self.generate(network, 0, fixed, seed, device, keep))
        codes = [self.labels.code_of(value) for value in classes]
        positions = pd.Categorical(y, categories=classes).codes
        # One generator run per class, in class order; `inverse` puts the samples back in y's order.
        parts = [self.generate(network, int(np.sum(positions == group)),
                               {**fixed, self.labels.index: int(code)}, seed + group, device,
                               keep)
                 for group, code in enumerate(codes)]
        inverse = np.argsort(np.argsort(positions, kind="stable"))
        return self.decode(*(np.concatenate(part)[inverse] for part in zip(*parts)))

    def translate(self, network: GANModel, X, y, seed: int, device: torch.device):
        """``X`` (real samples, in the caller's container) mapped into classes ``y``; only
        translation models can."""
        raise ValueError(f"translate maps images into another class; this is a {self.name} "
                         "model. Fit images with image_model='cyclegan' to translate them.")

    def generate(self, network: GANModel, n: int, fixed: dict, seed: int,
                 device: torch.device, keep: RowFilter | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Network output for ``n`` conditions fixing ``fixed`` (column -> code), and the
        conditions' category codes ``(n, n_columns)``; with ``keep``, only rows it keeps,
        drawn in full batches until there are ``n`` of them (at most
        ``max(MIN_DRAWN, MAX_DRAWN_PER_ROW * n)`` rows are generated)."""
        network.eval()
        outputs, codes, found, drawn = [], [], 0, 0
        budget = max(MIN_DRAWN, MAX_DRAWN_PER_ROW * n)
        with seeded(seed, device), torch.no_grad():
            # An empty request runs one throwaway sample, which gives the output's shape.
            while drawn == 0 or found < n:
                if keep is not None and drawn >= budget:
                    raise ValueError(
                        f"Only {found:,} of the {drawn:,} rows generated met {keep.text} "
                        f"(about {found / drawn:.2g} of the rows this model makes); "
                        f"n_samples={n:,} needs more. Widen the range or ask for fewer rows.")
                rows = network.sample_batch if keep is not None else \
                    max(min(network.sample_batch, n - found), 1)
                condition = (self.space.fixed(rows, fixed, device) if fixed
                             else self.space.draw(rows, device))
                output = self.exact(network.sample(condition), condition,
                                    fixed).float().cpu().numpy()
                batch_codes = condition.codes.cpu().numpy()
                mask = np.ones(rows, bool) if keep is None else keep(output)
                outputs.append(output[mask][: n - found])
                codes.append(batch_codes[mask][: n - found])
                found += len(outputs[-1])
                drawn += rows
        return np.concatenate(outputs), np.concatenate(codes)

    def renumbered(self, X, real: Inputs):
        """Samples drawn by several calls to go with the ``real`` ones, as one call would
        return them (a table's fresh identifiers then differ between all rows, and from
        those of ``real``); as they are, unless a kind needs it."""
        return X

    def exact(self, output: torch.Tensor, condition, fixed: dict) -> torch.Tensor:
        """Generator output with the fixed conditions (the columns ``fixed`` of
        ``condition``) met exactly (as it is, unless a kind encodes its conditions in the
        output)."""
        return output

    @abstractmethod
    def fixed_codes(self, conditions: dict | None) -> dict:
        """The conditions the generator is given: ``conditions=`` as ``{condition column:
        category code}`` (or a :class:`~synthaug._conditioning.Choice` of codes, drawn
        per row)."""

    def row_filter(self, conditions: dict | None) -> RowFilter | None:
        """The conditions generated rows are kept by (none, unless a kind has such)."""
        return None

    @abstractmethod
    def decode(self, output: np.ndarray, codes: np.ndarray):
        """Network output and condition codes as the caller's container(s)."""

    # ---------------------------------------------------------------- real data later on

    @abstractmethod
    def check_real(self, X, y, name: str) -> Inputs:
        """The gate for real samples given after fit (evaluate, transform)."""

    @abstractmethod
    def judge(self, inputs: Inputs, seed: int) -> Callable:
        """The label filter's judge, fit on real ``inputs``: ``predict(view) -> labels``."""

    @abstractmethod
    def judged(self, X):
        """Samples in the caller's container (as ``sample`` returns them) as the judge reads them."""

    @abstractmethod
    def labelled(self, samples: tuple) -> tuple:
        """``(view, labels)`` of synthetic samples as ``sample`` returns them (a tuple)."""

    @abstractmethod
    def proxies(self, features, labels: np.ndarray, seed: int) -> list[Callable]:
        """The proxy models of the validated amount, fit on ``(features, labels)``, each
        as ``predict_proba(features)`` with columns in ``np.unique(labels)`` order."""

    def proxy_scores(self, real: Inputs, synthetic: tuple | None, test: Inputs, focus,
                     seed: int) -> list[dict]:
        """Per proxy model trained on ``real`` plus ``synthetic`` samples: ``roc_auc`` and
        ``f1`` (of class ``focus``, or macro when it is None) on ``test``."""
        features, labels = [self.judged(real.X)], [real.labels]
        if synthetic is not None:
            view, synthetic_labels = self.labelled(synthetic)
            features.append(view)
            labels.append(np.asarray(synthetic_labels, dtype=real.labels.dtype))
        features, labels = concat_rows(features), np.concatenate(labels)
        classes = np.unique(labels)
        scores = []
        for predict_proba in self.proxies(features, labels, seed):
            found = classification_scores(predict_proba(self.judged(test.X)), classes,
                                          test.labels, focus)
            scores.append({"roc_auc": found["roc_auc"],
                           "f1": found["f1"] if focus is None else found["f1_focus"]})
        return scores

    @abstractmethod
    def report(self, network: GANModel, device: torch.device, real: Inputs, test: Inputs | None,
               n: int, seed: int, history: list, feature_extractor=None):
        """A fidelity report of ``n`` fresh samples against the real ones."""

    def report_sample(self, inputs: Inputs, rng: np.random.RandomState) -> Inputs:
        """The training samples the report attached after ``fit`` compares with."""
        return inputs.take(rng.permutation(len(inputs))[: self.fit_report_size])

    # ---------------------------------------------------------------- files

    @abstractmethod
    def to_dict(self) -> dict:
        """This data's part of the model file's metadata (JSON types)."""

    @classmethod
    @abstractmethod
    def from_dict(cls, d: dict) -> "Modality":
        ...

    @classmethod
    @abstractmethod
    def report_from_dict(cls, d: dict):
        """A report saved with a model of this kind."""
