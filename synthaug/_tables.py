"""Tables: the modality behind the MLP backbone.

A table goes through :func:`~synthaug._validation.check_table`, is encoded by a
:class:`~synthaug._schema.TableSchema` (the class label, given as ``y``, encoded after
the table's columns; given as ``target_column``, it is one of them), trains the
residual MLP generator and packed critic of :mod:`synthaug.nn.tabular`, and decodes
back to the caller's container, columns and dtypes. Conditions on discrete columns
(the label among them) are met exactly: their one-hot blocks are set to the asked-for
category in the generator's output. Identifier columns (:mod:`synthaug._identifiers`)
are left out of the model and filled with fresh values in synthetic rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from synthaug._conditioning import Choice, Condition, ConditionSpace
from synthaug._identifiers import Identifier, find_identifiers, with_identifiers
from synthaug._judges import label_model, linear_model, table_judge
from synthaug._json import from_json, json_key, to_json
from synthaug._labels import Labels
from synthaug._modality import Inputs, Modality, TrainingSet
from synthaug._runtime import new_seed, seeded
from synthaug._schema import ContinuousColumn, DiscreteColumn, TableSchema, infer_discrete
from synthaug._validation import (LabelLayout, TableLayout, as_numbers, check_labels,
                                  check_table)
from synthaug.metrics import MAX_ROWS, FidelityReport, fidelity_report
from synthaug.nn import TABLE_RECIPE
from synthaug.nn.tabular import TabularGAN


# Batches of conditions whose generated rows set the sampling generator's batch-norm
# statistics, and the fewest and most rows generated to fit the marginal maps.
CALIBRATION_BATCHES, CALIBRATION_BATCH = 8, 1024
MARGINAL_ROWS = (20_000, 50_000)


class TableModality(Modality):
    """A fitted table: its schema, condition space, layouts, label and identifier columns."""

    name, backbone = "table", "mlp"
    fit_report_size, report_size = 2_000, MAX_ROWS
    recipe = TABLE_RECIPE

    def __init__(self, schema: TableSchema, space: ConditionSpace, layout: TableLayout,
                 label_layout: LabelLayout | None, target_column: Any,
                 identifiers: list[Identifier] = ()):
        self.schema, self.space, self.layout = schema, space, layout
        self.target_column = target_column
        self.identifiers = list(identifiers)
        self.labels = None
        if target_column is not None:
            names = [c.name for c in schema.discrete]
            self.labels = Labels(schema.column(target_column), label_layout,
                                 names.index(target_column))
        elif schema.label is not None:
            self.labels = Labels(schema.label, label_layout, len(schema.discrete) - 1)

    # ---------------------------------------------------------------- fit

    @classmethod
    def accepts(cls, X) -> bool:
        return isinstance(X, pd.DataFrame) or np.ndim(X) not in (3, 4)

    @classmethod
    def wrong_shape(cls, X) -> str:
        return (f"backbone='mlp' takes a 2-D table; got X with {np.ndim(X)} dimensions. Use "
                "backbone='auto' or 'conv' for images, or flatten them with "
                "X.reshape(len(X), -1).")

    @classmethod
    def check(cls, X, y, params: dict) -> Inputs:
        frame, layout = check_table(X)
        labels, label_layout = _split_labels(frame, y, params["target_column"])
        return Inputs(cls, frame, layout, labels, label_layout)

    @classmethod
    def fit(cls, inputs: Inputs, params: dict, rng) -> "TableModality":
        target = params["target_column"]
        if any(not isinstance(w, Integral) or w < 1
               for w in (*params["generator_dim"], *params["discriminator_dim"])):
            raise ValueError(
                f"generator_dim={params['generator_dim']} and discriminator_dim="
                f"{params['discriminator_dim']} must hold positive integers."
            )
        frame = inputs.data
        identifiers = find_identifiers(frame, params["id_columns"], {
            "target_column": [] if target is None else [target],
            "discrete_columns": params["discrete_columns"] or []})
        frame = frame.drop(columns=[i.name for i in identifiers])
        discrete = infer_discrete(frame, params["discrete_columns"])
        if target is not None:
            discrete.add(target)
        labels = inputs.labels if target is None else None
        schema = TableSchema.fit(frame, discrete, rng, labels, params["continuous_encoding"],
                                 joint=params["joint_columns"],
                                 keep_apart=() if target is None else (target,))
        codes = schema.discrete_codes(frame, labels)
        space = ConditionSpace.from_codes(codes, [c.n_categories for c in schema.discrete])
        return cls(schema, space, inputs.layout, inputs.label_layout, target, identifiers)

    @classmethod
    def batch_size(cls, params: dict, samples: int) -> int:
        """The recipe's batch, rounded down to a multiple of ``pac``."""
        pac = params["pac"]
        batch_size = super().batch_size(params, samples)
        batch_size -= batch_size % pac
        if batch_size == 0:
            raise ValueError(
                f"batch_size={params['batch_size']} must be at least pac={pac} (the critic "
                f"judges pac rows at a time); raise batch_size or lower pac."
            )
        return batch_size

    def training_set(self, inputs: Inputs, params: dict, seed: int) -> TrainingSet:
        pac = params["pac"]
        batch_size = self.batch_size(params, len(inputs))
        frame = self._fitting(inputs)
        # New rows (a warm start's) may hold ids past those the fresh values start after.
        self.identifiers = [i.covering(inputs.data[i.name]) for i in self.identifiers]
        labels = inputs.labels if self.target_column is None else None
        encoded = self.schema.encode(frame, np.random.RandomState(seed), labels)
        return TrainingSet(encoded, self.schema.discrete_codes(frame, labels), batch_size,
                           multiple=pac)

    def _fitting(self, inputs: Inputs) -> pd.DataFrame:
        """The modelled columns of ``inputs``, which must be those the schema was fit on
        (``inputs`` of a warm start may not be), with no category it has not seen."""
        frame, fitted = inputs.data, list(self.layout.columns)
        if list(frame.columns) != fitted:
            lacking = [c for c in fitted if c not in frame.columns]
            new = [c for c in frame.columns if c not in fitted]
            found = [f"lacks {lacking}"] * bool(lacking) + [f"has new columns {new}"] * bool(new)
            raise ValueError(
                f"warm_start=True continues a model fit on the columns {fitted}; X "
                f"{' and '.join(found) or 'has them in another order'}. Pass the same columns "
                "in the same order, or set warm_start=False to fit anew.")
        self.check_labelled(inputs)
        frame = frame.drop(columns=[i.name for i in self.identifiers])
        table_discrete = [c for c in self.schema.columns if isinstance(c, DiscreteColumn)]
        for column in table_discrete + [self.schema.label] * (self.schema.label is not None):
            label = column is self.schema.label
            values = pd.Series(inputs.labels) if label else frame[column.name]
            missing = values.isna().to_numpy()
            unseen = (column.codes(values) == len(column.categories)) & \
                ~(missing & column.has_missing)
            if unseen.any():
                raise ValueError(
                    f"warm_start=True continues a model whose "
                    f"{'classes are' if label else f'column {column.name!r} has the values'} "
                    f"{[json_key(c) for c in column.categories[:20]]}; {'y' if label else 'X'} "
                    f"has others, such as {pd.unique(values[unseen])[:5].tolist()}. Set "
                    "warm_start=False to fit anew.")
        for joint in self.schema.joints:
            unseen = joint.codes(frame[list(joint.name)]) == joint.n_categories
            if unseen.any():
                raise ValueError(
                    f"warm_start=True continues a model that holds the columns {list(joint.name)} "
                    f"together, in the {joint.n_categories} combinations of their values that "
                    f"its training rows have; X has others, such as "
                    f"{[json_key(v) for v in frame.loc[unseen, list(joint.name)].iloc[0]]}. Set "
                    "warm_start=False to fit anew.")
        return frame

    def network(self, params: dict) -> Callable[[torch.device], TabularGAN]:
        schema, space = self.schema, self.space
        ema_decay = self.recipe.choose(params)["ema_decay"]

        def build(device: torch.device) -> TabularGAN:
            return TabularGAN(
                schema.span_layout(), schema.discrete_blocks(), space.dim,
                noise_dim=params["embedding_dim"],
                generator_dim=tuple(params["generator_dim"]),
                discriminator_dim=tuple(params["discriminator_dim"]),
                pac=params["pac"], pack_pooling=params["pack_pooling"], ema_decay=ema_decay,
            ).to(device)

        return build

    def after_training(self, network: TabularGAN, inputs: Inputs, params: dict, seed: int,
                       device: torch.device) -> None:
        """The sampling generator's batch-norm statistics from its own outputs, then (with
        ``match_marginals``) every column's marginal map, from rows it makes."""
        rng = np.random.RandomState(seed)
        with seeded(new_seed(rng), device):
            network.calibrate([self.space.draw(CALIBRATION_BATCH, device)
                               for _ in range(CALIBRATION_BATCHES)])
        output = None
        if params["match_marginals"]:
            n = min(MARGINAL_ROWS[1], max(MARGINAL_ROWS[0], 5 * len(inputs)))
            output, _ = self.generate(network, n, {}, new_seed(rng), device)
        self.schema.match_marginals(output, self._modelled(inputs),
                                    inputs.labels if self.target_column is None else None)

    def attributes(self) -> dict:
        columns = self.layout.columns
        found = {"schema_": self.schema, "n_features_in_": len(columns),
                 "id_columns_": [identifier.name for identifier in self.identifiers]}
        if self.layout.kind == "frame" and all(isinstance(c, str) for c in columns):
            found["feature_names_in_"] = np.asarray(columns, dtype=object)
        return found

    # ---------------------------------------------------------------- sample

    def fixed_codes(self, conditions: dict | None) -> dict:
        if conditions is None:
            return {}
        if not isinstance(conditions, dict):
            raise TypeError(f"conditions must be a dict {{column: value}}; got "
                            f"{type(conditions).__name__}.")
        fixed, members = {}, {}
        for name, value in conditions.items():
            if name in self._identifier_names:
                raise ValueError(f"conditions names {name!r}, an identifier column: it is not "
                                 "modelled, and synthetic rows get fresh values in it.")
            if name not in self.schema.names:
                raise ValueError(f"conditions names column {name!r}, which was not seen during "
                                 f"fit; columns are {self.schema.names}.")
            column = self.schema.column(name)
            if isinstance(column, DiscreteColumn):
                index, member = self.schema.condition_of(name)
                if member is None:
                    fixed[index] = column.code_of(value)
                else:
                    members.setdefault(index, {})[member] = (column.code_of(value), value)
        for index, asked in members.items():
            fixed[index] = self._joint_choice(index, asked)
        return fixed

    def _joint_choice(self, index: int, asked: dict) -> Choice:
        """The combinations of joint column ``index`` that hold the asked-for members'
        values ``{member: (code, value)}``, to draw by their training frequencies."""
        joint = self.schema.discrete[index]
        combos = joint.matching({member: code for member, (code, _) in asked.items()})
        if not len(combos):
            named = {joint.members[m].name: value for m, (_, value) in asked.items()}
            raise ValueError(
                f"conditions {named} never occur together in the training rows, and the "
                f"model makes only the combinations of the columns {list(joint.name)} that "
                "they hold (they nearly determine each other); condition on fewer of them.")
        return Choice(combos, self.space.frequencies[index][combos])

    def row_filter(self, conditions: dict | None) -> Ranges | None:
        """Value and range conditions on continuous columns (checked, with the names, by
        :meth:`fixed_codes` first)."""
        blocks = self.schema.blocks()
        bounds = [(self.schema.column(name), blocks[name], value)
                  for name, value in (conditions or {}).items()
                  if isinstance(self.schema.column(name), ContinuousColumn)]
        if not bounds:
            return None
        return Ranges([(column, span, *_bounds(column, value)) for column, span, value in bounds],
                      ", ".join(f"{column.name!r}: {value!r}" for column, _, value in bounds))

    def exact(self, output: torch.Tensor, condition: Condition, fixed: dict) -> torch.Tensor:
        blocks = self.schema.discrete_blocks()
        rows = torch.arange(len(output), device=output.device)
        for column in fixed:
            begin, dim = blocks[column]
            output[:, begin : begin + dim] = 0.0
            output[rows, begin + condition.codes[:, column]] = 1.0
        return output

    def decode(self, output: np.ndarray, codes: np.ndarray):
        frame, labels = self.schema.decode(output)
        frame = with_identifiers(frame, self.identifiers)
        if labels is None:
            return self.layout.restore(frame)
        return self.layout.restore(frame), self.labels.layout.restore(labels)

    def renumbered(self, X, real: Inputs):
        if not self.identifiers:
            return X
        frame = self.layout.to_frame(X).drop(columns=self._identifier_names)
        identifiers = [i.covering(real.data[i.name]) for i in self.identifiers]
        return self.layout.restore(with_identifiers(frame, identifiers))

    @property
    def _identifier_names(self) -> list:
        return [identifier.name for identifier in self.identifiers]

    # ---------------------------------------------------------------- real data later on

    def check_real(self, X, y, name: str) -> Inputs:
        frame, _ = check_table(X)
        if tuple(frame.columns) != self.layout.columns:
            raise ValueError(
                f"{name}'s columns {list(frame.columns)} differ from those seen in fit "
                f"{list(self.layout.columns)}; pass the same columns in the same order."
            )
        labels, label_layout = _split_labels(frame, y, self.target_column)
        if labels is not None and self.labels is None:
            raise ValueError(f"y was given for {name}, but the model was fit without y.")
        return Inputs(type(self), frame, self.layout, labels, label_layout)

    def judge(self, inputs: Inputs, seed: int) -> Callable:
        return table_judge(self.judged(inputs.X), inputs.labels, seed)

    def judged(self, X) -> pd.DataFrame:
        # Not through the input gate: a small batch of synthetic rows may well have a
        # column that is all missing.
        frame = self.layout.to_frame(X)
        # Identifiers say nothing about the class (a row number may even follow it).
        return frame.drop(columns=self._identifier_names + (
            [] if self.target_column is None else [self.target_column]))

    def labelled(self, samples: tuple) -> tuple:
        if self.target_column is None:
            return self.judged(samples[0]), np.asarray(samples[1])
        frame = self.layout.to_frame(samples[0])
        return frame.drop(columns=[self.target_column]), frame[self.target_column].to_numpy()

    def proxies(self, features: pd.DataFrame, labels: np.ndarray, seed: int) -> list[Callable]:
        classes, codes = np.unique(labels, return_inverse=True)
        return [model(features, seed).fit(features, codes).predict_proba
                for model in (label_model, linear_model)]

    def report(self, network, device, real: Inputs, test: Inputs | None, n: int, seed: int,
               history: list, feature_extractor=None) -> FidelityReport:
        if feature_extractor is not None:
            raise ValueError("feature_extractor applies to image models; this one models a table.")
        labelled = self.target_column is not None or real.labels is not None
        if test is not None and labelled and self.target_column is None and test.labels is None:
            raise ValueError("X_test needs y_test when X comes with y.")
        # Every column named by a string (SDMetrics' metadata); a label given as y becomes
        # a column named after it.
        names = {c: str(c) for c in self.layout.columns if c not in self._identifier_names}
        target = None if not labelled else str(self.target_column) if self.target_column \
            is not None else _label_name(self.labels.layout, set(names.values()))

        def frame(data: pd.DataFrame, labels) -> pd.DataFrame:
            out = data.rename(columns=names)
            return out.assign(**{target: labels}) if self.target_column is None and labelled \
                else out

        synthetic = self.schema.decode(self.generate(network, n, {}, seed, device)[0])
        discrete = [names[c.name] for c in self.schema.columns if isinstance(c, DiscreteColumn)]
        return fidelity_report(
            frame(self._modelled(real), real.labels), frame(*synthetic),
            real_test=None if test is None else frame(self._modelled(test), test.labels),
            target=target, history=history, random_state=seed,
            discrete_columns=discrete + ([target] if labelled and self.target_column is None
                                         else []))

    def _modelled(self, inputs: Inputs) -> pd.DataFrame:
        """Real rows without their identifiers, which synthetic rows have fresh values of."""
        return inputs.data.drop(columns=self._identifier_names)

    # ---------------------------------------------------------------- files

    def to_dict(self) -> dict:
        labels = self.labels
        return {"schema": self.schema.to_dict(), "conditions": self.space.to_dict(),
                "layout": self.layout.to_dict(), "target_column": to_json(self.target_column),
                "label_layout": None if labels is None or labels.layout is None
                else labels.layout.to_dict(),
                "identifiers": [identifier.to_dict() for identifier in self.identifiers]}

    @classmethod
    def from_dict(cls, d: dict) -> "TableModality":
        label_layout = d["label_layout"]
        return cls(TableSchema.from_dict(d["schema"]), ConditionSpace.from_dict(d["conditions"]),
                   TableLayout.from_dict(d["layout"]),
                   None if label_layout is None else LabelLayout.from_dict(label_layout),
                   from_json(d["target_column"]),
                   [Identifier.from_dict(i) for i in d.get("identifiers", [])])

    @classmethod
    def report_from_dict(cls, d: dict) -> FidelityReport:
        return FidelityReport.from_dict(d)


def _split_labels(frame: pd.DataFrame, y, target_column):
    """The labels and their layout: from ``y``, or from the ``target_column`` of ``frame``."""
    if target_column is None:
        return (None, None) if y is None else check_labels(y, len(frame))
    if y is not None:
        raise ValueError(
            f"target_column={target_column!r} takes the label from X; do not also pass y. "
            "Set target_column=None to pass labels as y."
        )
    if target_column not in frame.columns:
        raise ValueError(f"target_column={target_column!r} is not a column of X; X's columns "
                         f"are {list(frame.columns)}.")
    return check_labels(frame[target_column], len(frame))


def _label_name(layout: LabelLayout, taken: set) -> str:
    """A column name for labels given as ``y``: y's own name (else "y"), not one of ``taken``."""
    name = str(layout.name) if layout.name is not None else "y"
    while name in taken:
        name = f"{name}_"
    return name


# ---------------------------------------------------------------- range conditions


@dataclass(frozen=True)
class Ranges:
    """Value and range conditions on continuous columns: the generated rows whose decoded
    values fall in every range are kept (a row filter of the shared sampling loop).
    ``columns`` holds ``(column, (start, stop) of its block, low, high)``, bounds in the
    column's numbers (:func:`as_numbers`), both included."""

    columns: list
    text: str

    def __call__(self, output: np.ndarray) -> np.ndarray:
        keep = np.ones(len(output), bool)
        for column, (start, stop), low, high in self.columns:
            values = as_numbers(column.decode(output[:, start:stop]))
            keep &= (values >= low) & (values <= high)  # a missing value meets no range
        return keep


def _bounds(column: ContinuousColumn, value: Any) -> tuple[float, float]:
    """A condition on a continuous column as closed bounds: ``(low, high)`` (``None``
    for an open end) or one value, which only a column of whole steps (integers, whole
    days, ...) or of at most 1,000 distinct values can meet exactly."""
    name = column.name
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"conditions[{name!r}] = {value!r}: a range is (low, high), with "
                             "None for an open end.")
        low, high = (_number(column, v, -np.inf if i == 0 else np.inf)
                     for i, v in enumerate(value))
        if low > high:
            raise ValueError(f"conditions[{name!r}] = {value!r}: low is above high.")
    else:
        low = high = _number(column, value, None)
        if column.integral and not column.temporal and low != np.round(low):
            raise ValueError(f"conditions[{name!r}] = {value!r}: {name!r} holds whole numbers "
                             "only; give one, or a range.")
        exact = column.integral or (column.marginal is not None and column.marginal.exact)
        if not exact:
            raise ValueError(
                f"conditions[{name!r}] = {value!r} asks for one value of a continuous column, "
                "which generated rows meet with probability zero; give a range instead, "
                f"e.g. conditions={{{name!r}: (low, high)}}.")
    if high < column.low or low > column.high:
        raise ValueError(
            f"conditions[{name!r}] = {value!r} lies outside what the model generates for "
            f"{name!r}: the training range, {column.value_of(column.low)} to "
            f"{column.value_of(column.high)}.")
    # Columns that decode onto a grid of values: is any of them in the range?
    if column.marginal is not None and column.marginal.exact:
        reachable = np.any((column.marginal.real >= low) & (column.marginal.real <= high))
    else:
        reachable = not column.integral or column.temporal or np.ceil(low) <= np.floor(high)
    if not reachable:
        raise ValueError(f"conditions[{name!r}] = {value!r}: no value the model generates "
                         f"for {name!r} lies there (it makes the values the training column "
                         "has, or whole numbers); widen the range.")
    return low, high


def _number(column: ContinuousColumn, value: Any, open_end: float | None) -> float:
    """``value`` in the column's numbers (dates in its ticks); ``None`` is ``open_end``."""
    if value is None and open_end is not None:
        return open_end
    if not column.temporal:
        if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
            raise ValueError(f"conditions[{column.name!r}]: {value!r} is not a number, as the "
                             "numeric column needs.")
        number = float(value)
    else:
        try:
            number = as_numbers(pd.Series([value]).astype(column.dtype))[0]
        except (TypeError, ValueError) as error:
            raise ValueError(f"conditions[{column.name!r}]: {value!r} is not a value of the "
                             f"column's dtype {column.dtype} ({error}).") from None
    if np.isnan(number):
        raise ValueError(f"conditions[{column.name!r}]: a missing value is no condition; "
                         "give a value or a range.")
    return number
