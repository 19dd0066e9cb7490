"""Class labels: the classes a model was fit with, their codes, and the caller's container.

Tables and images share it. The classes are a :class:`~synthaug._schema.DiscreteColumn`
(categories in a fixed order, one code each); the :class:`~synthaug._validation.LabelLayout`
gives generated labels back as the caller passed them (a named Series or an array of
the same dtype). A label kept as a column of a table (``target_column``) has no layout:
it comes back inside the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug._schema import DiscreteColumn
from synthaug._validation import LabelLayout


class Labels:
    """The classes of a fitted model, as a condition column of its generator."""

    def __init__(self, column: DiscreteColumn, layout: LabelLayout | None, index: int):
        self.column = column
        self.layout = layout
        # The label's position among the condition columns.
        self.index = index

    @property
    def classes(self) -> np.ndarray:
        """The classes, sorted (``classes_`` of the estimator)."""
        return np.unique(np.asarray(self.column.categories))

    def code_of(self, value: Any) -> int:
        """The code of one class, or a ValueError that lists the classes."""
        try:
            return self.column.code_of(value)
        except ValueError:
            raise ValueError(f"y={value!r} is not a class seen during fit; classes_ are "
                             f"{self.classes.tolist()}.") from None

    def decode(self, codes: np.ndarray):
        """Labels for category ``codes``, in the caller's container and dtype."""
        values = self.column.decode(np.eye(self.column.n_categories)[codes]).to_numpy()
        return self.layout.restore(values)
