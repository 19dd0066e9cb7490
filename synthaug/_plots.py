"""Figures for a fidelity report, drawn with matplotlib's object API (no pyplot state)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

TOP_CATEGORIES = 12


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:  # an optional extra
        raise ImportError(
            "Plotting needs matplotlib: pip install 'synthaug[plot]' (or pip install matplotlib)."
        ) from None
    return Figure


def write_report_figures(report, directory) -> list[str]:
    """Write marginals, correlation difference and (if any) loss curves; return the paths."""
    Figure = _figure_class()
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, draw in (("marginals.png", _marginals), ("correlations.png", _correlations),
                       ("losses.png", _losses)):
        if name == "losses.png" and not report.history:
            continue
        figure = draw(Figure, report)
        path = os.path.join(directory, name)
        figure.savefig(path, dpi=90, bbox_inches="tight")
        paths.append(path)
    return paths


def _numeric(series: pd.Series) -> bool:
    return ptypes.is_numeric_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype)


def _marginals(Figure, report):
    real, synthetic = report.real, report.synthetic
    n_cols = 4
    n_rows = -(-len(real.columns) // n_cols)
    figure = Figure(figsize=(4 * n_cols, 2.8 * n_rows), layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for axis, name in zip(axes, real.columns):
        if _numeric(real[name]):
            values = pd.concat([real[name], synthetic[name]]).dropna().astype(float)
            bins = np.histogram_bin_edges(values, bins=30)
            for frame, label in ((real, "real"), (synthetic, "synthetic")):
                axis.hist(frame[name].dropna().astype(float), bins=bins, density=True,
                          alpha=0.5, label=label)
        else:
            top = real[name].astype(str).value_counts(normalize=True).index[:TOP_CATEGORIES]
            shares = pd.DataFrame({
                label: frame[name].astype(str).value_counts(normalize=True).reindex(top).fillna(0)
                for frame, label in ((real, "real"), (synthetic, "synthetic"))})
            positions = np.arange(len(top))
            axis.bar(positions - 0.2, shares["real"], width=0.4, label="real")
            axis.bar(positions + 0.2, shares["synthetic"], width=0.4, label="synthetic")
            axis.set_xticks(positions, [str(t)[:12] for t in top], rotation=60, fontsize=7)
        axis.set_title(str(name), fontsize=9)
    axes[0].legend(fontsize=8)
    for axis in axes[len(real.columns):]:
        axis.set_visible(False)
    figure.suptitle("Real vs synthetic marginals")
    return figure


def _codes(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Every column as numbers: categories by their code in the real data."""
    out = {}
    for name in frame.columns:
        if _numeric(reference[name]):
            out[name] = frame[name].astype(float)
        else:
            categories = reference[name].astype(str).unique()
            out[name] = pd.Categorical(frame[name].astype(str), categories=categories).codes
    return pd.DataFrame(out)


def _correlations(Figure, report):
    real = _codes(report.real, report.real)
    synthetic = _codes(report.synthetic, report.real)
    difference = (real.corr(method="spearman") - synthetic.corr(method="spearman")).abs()
    figure = Figure(figsize=(8, 7), layout="constrained")
    axis = figure.subplots()
    image = axis.imshow(difference.fillna(0).to_numpy(), vmin=0, vmax=1, cmap="Reds")
    labels = [str(c)[:14] for c in difference.columns]
    axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axis.set_yticks(range(len(labels)), labels, fontsize=7)
    figure.colorbar(image, ax=axis, label="|Spearman real - Spearman synthetic|")
    axis.set_title("Correlation difference (0 = same association)")
    return figure


def _losses(Figure, report):
    history = pd.DataFrame(report.history)
    figure = Figure(figsize=(7, 4), layout="constrained")
    axis = figure.subplots()
    for column in ("discriminator_loss", "generator_loss", "condition_loss"):
        axis.plot(history["epoch"], history[column], label=column.replace("_", " "))
    axis.set_xlabel("epoch")
    axis.legend()
    axis.set_title("Training losses")
    return figure


def write_image_figures(report, directory) -> list[str]:
    """Write the sample grid and (if any) loss curves of an image report; return the paths."""
    Figure = _figure_class()
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, draw in (("samples.png", sample_grid), ("losses.png", _losses)):
        if name == "losses.png" and not report.history:
            continue
        path = os.path.join(directory, name)
        draw(Figure, report).savefig(path, dpi=90, bbox_inches="tight")
        paths.append(path)
    return paths


def _mosaic(images: np.ndarray, columns: int) -> np.ndarray:
    """(n, C, H, W) in [-1, 1] -> one (H, columns * (W + 1), C) strip in [0, 1], 1-px gaps."""
    n, channels, height, width = images.shape
    strip = np.ones((height, columns * (width + 1), channels))  # white gaps
    for i in range(min(n, columns)):
        strip[:, i * (width + 1) : i * (width + 1) + width] = images[i].transpose(1, 2, 0)
    return np.clip((strip + 1) / 2, 0, 1)


def sample_grid(Figure, report):
    """One row per class: a strip of real images, then a strip of synthetic ones."""
    real, synthetic = report.grid["real"], report.grid["synthetic"]
    labels = list(real)
    columns = max(len(v) for v in (*real.values(), *synthetic.values()))
    figure = Figure(figsize=(2 * columns * 0.6 + 1, 0.6 * len(labels) + 0.8), layout="constrained")
    axes = figure.subplots(len(labels), 2, squeeze=False)
    for row, label in enumerate(labels):
        for column, (name, images) in enumerate((("real", real), ("synthetic", synthetic))):
            axis = axes[row, column]
            strip = images.get(label)
            if strip is not None and len(strip):
                mosaic = _mosaic(strip, columns)
                axis.imshow(mosaic[..., 0] if mosaic.shape[2] == 1 else mosaic,
                            cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(name, fontsize=9)
            if column == 0:
                axis.set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=9)
    figure.suptitle("Real vs synthetic images per class")
    return figure
