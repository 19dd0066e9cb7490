"""Fidelity on UCI Adult: synthaug vs the ctgan package at the same epochs and batch size.

Both fit the Adult training split (32,561 rows), sample as many rows, and are judged by
the same :func:`synthaug.metrics.fidelity_report` against the Adult test split (16,281
rows): SDMetrics QualityReport, ML efficacy (train on synthetic, test on real: TSTR),
distance to closest record (DCR) and exact copies.

    python benchmarks/adult_fidelity.py             # full: the library's default epochs (300)
    python benchmarks/adult_fidelity.py --quick     # smoke: 2,000 rows, 2 epochs

Writes ``benchmarks/results/adult_fidelity.{md,json}`` (``--quick``: ``*_quick.*``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time

from _results import write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = [
    ("fit_seconds", "Fit time (s)", "{:.0f}"),
    ("quality", "QualityReport (SDMetrics)", "{:.3f}"),
    ("column_shapes", "  Column Shapes", "{:.3f}"),
    ("column_pair_trends", "  Column Pair Trends", "{:.3f}"),
    ("tstr_roc_auc", "TSTR ROC AUC (HistGradientBoosting)", "{:.3f}"),
    ("tstr_f1", "TSTR F1 macro", "{:.3f}"),
    ("augmented_roc_auc", "Real + synthetic ROC AUC", "{:.3f}"),
    ("dcr_synthetic", "DCR synthetic -> train (median)", "{:.3f}"),
    ("exact_copy_rate", "Exact copies of training rows", "{:.2%}"),
]


def fit_synthaug(train, epochs, batch_size, seed):
    from synthaug import GANAugmenter

    model = GANAugmenter(epochs=epochs, batch_size=batch_size, random_state=seed, fidelity=False)
    model.fit(train.drop(columns="income"), train["income"])
    X, y = model.sample(len(train))
    return X.assign(income=y)


def fit_ctgan(train, epochs, batch_size, seed):
    import torch
    from ctgan import CTGAN

    torch.manual_seed(seed)
    discrete = [c for c in train.columns if str(train[c].dtype) == "category"]
    model = CTGAN(epochs=epochs, batch_size=batch_size, cuda=False)
    model.fit(train.astype({c: object for c in discrete}), discrete)
    return model.sample(len(train)).astype(train.dtypes.to_dict())


def main() -> None:
    from synthaug import GANAugmenter
    from synthaug.datasets import load_adult
    from synthaug.metrics import fidelity_report

    parser = argparse.ArgumentParser(description="Adult fidelity: synthaug vs ctgan")
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 2 epochs")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=500)  # synthaug's "auto" for tables
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else GANAugmenter().epochs)
    train, test = load_adult().frame, load_adult(subset="test").frame
    if args.quick:
        train, test = train.sample(2000, random_state=0), test.sample(1000, random_state=0)

    libraries = {"synthaug": fit_synthaug}
    if importlib.util.find_spec("ctgan"):
        libraries["ctgan"] = fit_ctgan
    results = {}
    for name, fit in libraries.items():
        started = time.perf_counter()
        synthetic = fit(train, epochs, args.batch_size, args.seed)
        seconds = time.perf_counter() - started
        report = fidelity_report(train, synthetic, target="income", real_test=test)
        results[name] = _scores(report, seconds)
        print(name, results[name], flush=True)
    # The ceiling: the real training rows judged as if they were synthetic.
    ceiling = fidelity_report(train, test, target="income", real_test=test)
    results = {"real (ceiling)": _real_scores(ceiling, report), **results}

    command = " ".join(["python", "benchmarks/adult_fidelity.py", *sys.argv[1:]])
    names = list(results)
    lines = [
        f"# Adult fidelity: synthaug vs ctgan ({len(train):,} training rows, {epochs} epochs, "
        f"batch {args.batch_size})",
        "",
        f"Command: `{command}`; seed {args.seed}; {platform.machine()}, {os.cpu_count()} cores, CPU. "
        f"Each library samples {len(train):,} rows; every score comes from "
        "`synthaug.metrics.fidelity_report` (at most 5,000 rows per table) against the "
        f"Adult test split ({len(test):,} rows). The first column is the ceiling: Quality "
        "compares the real test rows with the training rows, ML efficacy trains on the real "
        "training rows (TRTR), and DCR/copies are those of the test rows.",
        "",
        "| Metric | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, label, fmt in ROWS:
        cells = ["-" if results[n][key] is None else fmt.format(results[n][key]) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    write_results(args.results_dir, "adult_fidelity", args.quick, lines,
                  {"epochs": epochs, "batch_size": args.batch_size, "seed": args.seed,
                   "results": results})


def _scores(report, seconds) -> dict:
    ml = report.ml_efficacy
    return {
        "fit_seconds": seconds,
        "quality": report.quality["score"],
        "column_shapes": report.quality["column_shapes"],
        "column_pair_trends": report.quality["column_pair_trends"],
        "tstr_roc_auc": ml["synthetic"]["roc_auc"],
        "tstr_f1": ml["synthetic"]["f1"],
        "augmented_roc_auc": ml["augmented"]["roc_auc"],
        "dcr_synthetic": report.privacy["dcr_synthetic"],
        "exact_copy_rate": report.privacy["exact_copy_rate"],
    }


def _real_scores(real_vs_test, report) -> dict:
    """Ceiling values: quality of real-vs-real, the TRTR model, held-out DCR and copies."""
    return {
        "fit_seconds": None,
        "quality": real_vs_test.quality["score"],
        "column_shapes": real_vs_test.quality["column_shapes"],
        "column_pair_trends": real_vs_test.quality["column_pair_trends"],
        "tstr_roc_auc": report.ml_efficacy["real"]["roc_auc"],
        "tstr_f1": report.ml_efficacy["real"]["f1"],
        "augmented_roc_auc": None,
        "dcr_synthetic": report.privacy["dcr_real"],
        "exact_copy_rate": report.privacy["real_copy_rate"],
    }


if __name__ == "__main__":
    main()
