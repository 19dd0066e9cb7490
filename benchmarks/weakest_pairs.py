"""Which relations between columns does synthaug miss? The weakest strongly related pairs.

For each table, synthaug is fit (seed 0, the label kept as a column) under each variant
of its parameters, and samples as many rows as the training split holds. SDMetrics'
Column Pair Trends scores every pair whose real rows relate strongly (a correlation
above 0.5 between numbers, Cramér's V above 0.3 otherwise; the pairs its QualityReport
averages). The table lists, per table, the pairs the first variant scores worst, with
the real correlation (or association) and every variant's synthetic correlation and
score, and every variant's mean over those pairs, its fit seconds and detection score.

    python benchmarks/weakest_pairs.py --tables credit_data attrition \\
        --variant "before:continuous_encoding='mixture',epochs=300" \\
        --variant "mixture:continuous_encoding='mixture'" --variant defaults:

Writes ``benchmarks/results/NAME.{md,json}`` (NAME: ``--name``, default ``weakest_pairs``).
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import time
import warnings

import numpy as np

from _results import command_line, write_results  # noqa: E402 (benchmarks/ is on sys.path)
from _tables import DATA_DIR, HERE, TABLES, split

SHOWN = 8  # pairs listed per table


def variant(text: str) -> tuple[str, dict]:
    """``NAME:KEY=VALUE,KEY=VALUE`` (values as Python literals) as (name, parameters)."""
    name, sep, rest = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME:KEY=VALUE,...")
    params = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise argparse.ArgumentTypeError(f"{item!r} is not KEY=VALUE")
        params[key] = ast.literal_eval(value)
    return name, params


def pair_details(train, synthetic):
    """SDMetrics' Column Pair Trends details: one row per pair, with its score (NaN below
    the thresholds) and the real and synthetic correlation (numbers) or association."""
    from sdmetrics.reports import QualityReport

    from synthaug.metrics import sdmetrics_metadata

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        report.generate({"table": train}, {"table": synthetic},
                        {"tables": {"table": sdmetrics_metadata(train)}}, verbose=False)
    details = report.get_details("Column Pair Trends", table_name="table")
    return details.set_index(["Column 1", "Column 2"])


def fit_and_score(table: str, params: dict, data_dir: str) -> dict:
    from synthaug import GANAugmenter
    from synthaug.metrics import detection_score

    frame, label, _ = TABLES[table](data_dir)
    train, _ = split(table, frame, label)
    started = time.perf_counter()
    model = GANAugmenter(**{"random_state": 0, "target_column": label, "fidelity": False,
                            **params}).fit(train)
    seconds = time.perf_counter() - started
    synthetic = model.sample(len(train))[list(train.columns)].astype(train.dtypes.to_dict())
    details = pair_details(train, synthetic)
    strong = details[details["Score"].notna()]
    pairs = {f"{a} / {b}": {"score": float(row["Score"]),
                            "real": _relation(row, "Real"),
                            "synthetic": _relation(row, "Synthetic")}
             for (a, b), row in strong.iterrows()}
    return {"fit_seconds": seconds, "pairs": pairs,
            "detection": detection_score(train, synthetic)["score"]}


def _relation(row, side: str) -> float | None:
    value = row.get(f"{side} Correlation")
    if value is not None and np.isfinite(value):
        return float(value)
    value = row.get(f"{side} Association") if side == "Real" else None
    return None if value is None or not np.isfinite(value) else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=TABLES, default=["credit_data", "attrition"])
    parser.add_argument("--variant", dest="variants", action="append", type=variant,
                        help="NAME:KEY=VALUE,... (repeatable; default: the defaults)")
    parser.add_argument("--name", default="weakest_pairs")
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    variants = args.variants or [("defaults", {})]

    results = {table: {name: fit_and_score(table, params, args.data_dir)
                       for name, params in variants} for table in args.tables}
    names = [name for name, _ in variants]
    lines = ["# The weakest strongly related pairs", "",
             f"Command: `{command_line()}`; {platform.machine()}, {os.cpu_count()} cores, CPU. "
             "Seed 0; variants: " + "; ".join(f"`{n}`: {p or 'defaults'}" for n, p in variants)
             + ". Pairs: those SDMetrics' Column Pair Trends averages (real correlation above "
             "0.5, or Cramér's V above 0.3); relation: the correlation of two numbers, else the "
             "real rows' association (a synthetic association is not reported). Score: "
             "1 - |real - synthetic correlation| / 2 for numbers, contingency similarity "
             "otherwise.", ""]
    for table, by_variant in results.items():
        first = by_variant[names[0]]["pairs"]
        weakest = sorted(first, key=lambda p: first[p]["score"])[:SHOWN]
        lines += [f"## {table}", "",
                  "| Pair | Real | " + " | ".join(f"{n}: synthetic, score" for n in names) + " |",
                  "|---|---:|" + "---:|" * len(names)]
        for pair in weakest:
            real = first[pair]["real"]
            cells = []
            for name in names:
                found = by_variant[name]["pairs"].get(pair)
                if found is None:
                    cells.append("-")
                    continue
                synthetic = found["synthetic"]
                shown = "" if synthetic is None else f"{synthetic:.2f}, "
                cells.append(f"{shown}{found['score']:.3f}")
            lines.append(f"| {pair} | {'-' if real is None else format(real, '.2f')} | "
                         + " | ".join(cells) + " |")
        lines += ["", "| Variant | Pairs | Mean score (Column Pair Trends) | Detection score | "
                  "Fit seconds |", "|---|---:|---:|---:|---:|"]
        for name in names:
            found = by_variant[name]
            scores = [p["score"] for p in found["pairs"].values()]
            lines.append(f"| {name} | {len(scores)} | {np.mean(scores):.3f} | "
                         f"{found['detection']:.3f} | {found['fit_seconds']:.0f} |")
        lines.append("")
    write_results(args.results_dir, args.name, False, lines,
                  {"command": command_line(), "variants": dict(variants), "results": results})


if __name__ == "__main__":
    main()
