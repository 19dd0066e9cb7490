"""Fidelity of synthetic tables, measured with SDMetrics.

SDMetrics does the measuring; this module only describes the table to it (the
metadata) and returns the scores as plain numbers.
"""

from __future__ import annotations

import warnings

import pandas as pd
from pandas.api import types as ptypes


def sdmetrics_metadata(frame: pd.DataFrame) -> dict:
    """SDMetrics single-table metadata inferred from a DataFrame's dtypes."""
    columns = {}
    for name in frame.columns:
        dtype = frame[name].dtype
        if ptypes.is_bool_dtype(dtype):
            sdtype = "boolean"
        elif ptypes.is_datetime64_any_dtype(dtype):
            sdtype = "datetime"
        elif ptypes.is_numeric_dtype(dtype):
            sdtype = "numerical"
        else:
            sdtype = "categorical"
        columns[str(name)] = {"sdtype": sdtype}
    return {"columns": columns}


def quality_scores(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    """SDMetrics ``QualityReport`` scores of ``synthetic`` against ``real``, in [0, 1].

    Returns
    -------
    scores : dict
        ``quality`` (the overall score), ``column_shapes`` (per-column marginals)
        and ``column_pair_trends`` (pairwise correlations and contingencies).

    Examples
    --------
    >>> from synthaug.datasets import load_adult
    >>> from synthaug.metrics import quality_scores
    >>> adult = load_adult().frame
    >>> scores = quality_scores(adult.iloc[:5000], adult.iloc[5000:10000])
    >>> scores["quality"] > 0.95  # two halves of the real table agree
    True
    """
    from sdmetrics.reports import QualityReport

    if list(real.columns) != list(synthetic.columns):
        raise ValueError(
            f"real and synthetic must have the same columns; got {list(real.columns)} and "
            f"{list(synthetic.columns)}."
        )
    rename = {name: str(name) for name in real.columns}
    report = QualityReport()
    with warnings.catch_warnings():
        # SDMetrics' own pandas deprecation noise, not the user's concern.
        warnings.simplefilter("ignore", FutureWarning)
        report.generate({"table": real.rename(columns=rename)},
                        {"table": synthetic.rename(columns=rename)},
                        {"tables": {"table": sdmetrics_metadata(real)}}, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return {
        "quality": float(report.get_score()),
        "column_shapes": float(properties["Column Shapes"]),
        "column_pair_trends": float(properties["Column Pair Trends"]),
    }
