"""Fidelity across seven tables: synthaug vs ctgan and SDV's GaussianCopula and TVAE (issue 14).

For each table of ``_tables.py`` (Adult and six of other sizes, widths and imbalances)
each generator fits the training split, the label kept as a column, at its library's
defaults, and samples as many rows (at most 32,561). Every sample is judged against the
training rows by :func:`synthaug.metrics.fidelity_report` (at most 5,000 rows a side):
SDMetrics Column Shapes and Column Pair Trends (SDMetrics 0.32's QualityReport
averages the pairs whose real rows relate strongly: a correlation above 0.5 between
numbers, a Cramér's V above 0.3 otherwise; on credit_data that is one pair of 91), the
same over every pair (as published scores, e.g. TabSyn's, average them), the detection score (1 = a classifier
cannot tell real rows from synthetic ones), and TSTR ROC AUC on the real test split next
to TRTR (HistGradientBoosting; macro one-vs-rest for hpc_data's four classes). The pair
trends are also scored within the class of interest alone, where a table's
near-deterministic relations inside a class show. Each fit runs in a fresh process with
torch's default threads, so no library inherits another's state; fit seconds leave
sampling out. Mean ± std over seeds.

    python benchmarks/multi_table_fidelity.py           # full: 7 tables x 4 generators x 3 seeds
    python benchmarks/multi_table_fidelity.py --quick   # smoke: 600 Adult rows, 1 seed, 2 epochs
    # the tables of runs made in pieces (e.g. over several sessions), nothing fit
    python benchmarks/multi_table_fidelity.py --reuse-only --reuse RUN1.json RUN2.json
    # an ablation: synthaug refit with other parameters, the peers' results reused
    python benchmarks/multi_table_fidelity.py --synthaug-params embedding_dim=64 \\
        --name multi_table_fidelity_embedding_64 \\
        --reuse benchmarks/results/multi_table_fidelity.json

Writes ``benchmarks/results/NAME.{md,json}`` (NAME: ``--name``, default
``multi_table_fidelity``; ``--quick``: ``NAME_quick.*``). The JSON keeps every per-seed
result, so that a later run can ``--reuse`` the peers' ones.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from _results import command_line, write_results  # noqa: E402 (benchmarks/ is on sys.path)
from _tables import (TABLES, epochs_kwargs, fit_ctgan, mean_std, params_text, parse_args,
                     reusable, split, text_as_object, text_columns)

MAX_SAMPLE = 32_561  # Adult's training split, the largest
QUICK_ROWS, QUICK_TEST_ROWS = 600, 1000
KEYS = ("table", "generator", "seed", "epochs", "train_rows")  # what makes a result reusable
METRICS = [  # key, heading, higher is better, format
    ("column_shapes", "Column Shapes (SDMetrics)", True, ".3f"),
    ("column_pair_trends", "Column Pair Trends (SDMetrics: the strongly related pairs)", True,
     ".3f"),
    ("column_pair_trends_all", "Column Pair Trends over every pair", True, ".3f"),
    ("class_pair_trends", "Column Pair Trends within the class of interest", True, ".3f"),
    ("detection", "Detection score (1 = real and synthetic rows cannot be told apart)", True,
     ".3f"),
    ("tstr_roc_auc", "TSTR ROC AUC (HistGradientBoosting trained on synthetic rows, tested "
     "on the real test split)", True, ".3f"),
    ("fit_seconds", "Fit seconds", False, ".0f"),
]


# ---------------------------------------------------------------- the generators
# Each fits the training rows (label included) and returns its ``sample(n)``.


def fit_synthaug(train, label, seed, epochs, params):
    from synthaug import GANAugmenter

    # fidelity=False: the report fit would attach is no part of generating rows, and its
    # seconds would count as fit time.
    model = GANAugmenter(**{"random_state": seed, "target_column": label, "fidelity": False,
                            **epochs_kwargs(epochs), **params})
    return model.fit(train).sample


def fit_ctgan_sampler(train, label, seed, epochs, params):
    return fit_ctgan(train, seed, epochs).sample


def fit_gaussian_copula(train, label, seed, epochs, params):
    from sdv.single_table import GaussianCopulaSynthesizer

    return _fit_sdv(GaussianCopulaSynthesizer, train, label, seed)


def fit_tvae(train, label, seed, epochs, params):
    from sdv.single_table import TVAESynthesizer

    return _fit_sdv(TVAESynthesizer, train, label, seed, **epochs_kwargs(epochs))


def _fit_sdv(synthesizer, train, label, seed, **kwargs):
    """An SDV synthesizer at its defaults on metadata detected from the training rows
    (no keys: these tables have none), with the label and text columns categorical."""
    import torch
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
    metadata.update_columns([c for c in train.columns if c == label or c in text_columns(train)],
                            sdtype="categorical")
    # SDV takes no seed: seed the global generators its fit draws from (this process is
    # the fit's own). It samples from a fixed seed of its own.
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = synthesizer(metadata, **kwargs)
    model.fit({"table": text_as_object(train)})  # SDV 2 takes and returns {table name: rows}
    return lambda n: model.sample(n)["table"]


GENERATORS = {"synthaug": fit_synthaug, "ctgan": fit_ctgan_sampler,
              "gaussian_copula": fit_gaussian_copula, "tvae": fit_tvae}
PACKAGES = {"synthaug": "synthaug", "ctgan": "ctgan", "gaussian_copula": "sdv", "tvae": "sdv"}


def fit_and_sample(generator, train, label, seed, epochs, params, n):
    """Fit, time the fit, and sample ``n`` rows in the training rows' columns and dtypes."""
    importlib.import_module(PACKAGES[generator])  # import time is no part of the fit
    started = time.perf_counter()
    sample = GENERATORS[generator](train, label, seed, epochs, params)
    seconds = time.perf_counter() - started
    return sample(n)[list(train.columns)].astype(train.dtypes.to_dict()), seconds


def in_fresh_process(function, *args):
    """``function(*args)`` in a spawned process: no state of this one (threads, RNG,
    imported libraries) reaches it."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# ---------------------------------------------------------------- scoring


def score(train, test, synthetic, label, class_of_interest) -> dict:
    from synthaug.metrics import fidelity_report

    report = fidelity_report(train, synthetic, target=label, real_test=test)
    ml = report.ml_efficacy
    return {"column_shapes": report.quality["column_shapes"],
            "column_pair_trends": report.quality["column_pair_trends"],
            "column_pair_trends_all": every_pair_trends(train, synthetic),
            "quality": report.quality["score"],
            "detection": report.detection["score"],
            "detection_roc_auc": report.detection["roc_auc"],
            "class_pair_trends": class_pair_trends(train, synthetic, label, class_of_interest),
            "tstr_roc_auc": ml["synthetic"]["roc_auc"],
            "trtr_roc_auc": ml["real"]["roc_auc"]}


def every_pair_trends(train, synthetic) -> float:
    """Column Pair Trends averaged over every pair of columns (no threshold)."""
    import warnings

    from sdmetrics.reports import QualityReport
    from synthaug.metrics import MAX_ROWS, sdmetrics_metadata

    real, fake = (t.sample(min(len(t), MAX_ROWS), random_state=0) for t in (train, synthetic))
    report = QualityReport()
    report.real_correlation_threshold = report.real_association_threshold = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        report.generate({"table": real}, {"table": fake},
                        {"tables": {"table": sdmetrics_metadata(real)}}, verbose=False)
    scores = report.get_properties().set_index("Property")["Score"]
    return float(scores["Column Pair Trends"])


def class_pair_trends(train, synthetic, label, value) -> float | None:
    """Column Pair Trends of one class's synthetic rows against its real rows (the label
    column left out: it is constant there)."""
    from synthaug.metrics import MAX_ROWS, quality_scores

    real, fake = (t[t[label] == value].drop(columns=label) for t in (train, synthetic))
    if len(fake) < 2:
        return None
    real, fake = (t.sample(min(len(t), MAX_ROWS), random_state=0) for t in (real, fake))
    return quality_scores(real, fake)["column_pair_trends"]


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description="Fidelity across tables: synthaug vs peers")
    parser.add_argument("--generators", nargs="+", choices=GENERATORS, default=list(GENERATORS))
    parser.add_argument("--reuse-only", action="store_true",
                        help="fit nothing: the tables of the --reuse runs' results, synthaug's "
                             "included (those with --synthaug-params), '-' where none ran")
    args = parse_args(parser, seeds=[0, 1, 2])
    generators = [g for g in args.generators if importlib.util.find_spec(PACKAGES[g])]
    skipped = sorted(set(args.generators) - set(generators))
    for generator in skipped:
        print(f"note: {generator} skipped: package {PACKAGES[generator]!r} is not installed "
              "(pip install -e '.[bench]')")
    # A failed run is refit, except when only assembling (it shows as "failed").
    earlier = reusable(args.reuse, KEYS, keep=lambda r: ("error" not in r or args.reuse_only)
                       and (r["generator"] != "synthaug"
                            or args.reuse_only and r["params"] == args.synthaug_params))

    tables, runs = {}, []
    for table in args.tables:
        frame, label, class_of_interest = TABLES[table](args.data_dir)
        train, test = (split(table, frame, label, train_size=QUICK_ROWS, max_test=QUICK_TEST_ROWS)
                       if args.quick else split(table, frame, label))
        tables[table] = {"train_rows": len(train), "test_rows": len(test),
                         "columns": frame.shape[1], "label": label,
                         "class_of_interest": class_of_interest}
        for generator in generators:
            for seed in args.seeds:
                key = (table, generator, seed, args.epochs, len(train))
                if key in earlier:
                    runs.append(earlier[key])
                    continue
                if args.reuse_only:
                    continue  # a cell no run filled: "-"
                record = dict(zip(KEYS, key), params=args.synthaug_params
                              if generator == "synthaug" else {})
                try:
                    synthetic, seconds = in_fresh_process(
                        fit_and_sample, generator, train, label, seed, args.epochs,
                        args.synthaug_params, min(len(train), MAX_SAMPLE))
                    record.update(fit_seconds=seconds,
                                  **score(train, test, synthetic, label, class_of_interest))
                except Exception as error:  # one failed run is a missing cell, not a lost run
                    record["error"] = f"{type(error).__name__}: {error}".splitlines()[0]
                runs.append(record)
                print(record, flush=True)

    command = command_line()
    write_results(args.results_dir, args.name or "multi_table_fidelity", args.quick,
                  markdown(args, command, generators, skipped, tables, runs),
                  {"command": command, "seeds": args.seeds, "epochs": args.epochs,
                   "synthaug_params": args.synthaug_params, "generators": generators,
                   "skipped": skipped, "tables": tables, "runs": runs})


# ---------------------------------------------------------------- the tables


def markdown(args, command, generators, skipped, tables, runs) -> list[str]:
    by_cell = {}
    for r in runs:
        by_cell.setdefault((r["table"], r["generator"]), []).append(r)
    reused = sorted({r["from"] for r in runs if "from" in r})
    lines = [
        "# Fidelity across tables: synthaug vs ctgan, GaussianCopula and TVAE",
        "",
        f"Command: `{command}`; {platform.machine()}, {os.cpu_count()} cores, CPU. Seeds "
        f"{' '.join(map(str, args.seeds))}; epochs: "
        f"{'each library default' if args.epochs is None else args.epochs}; synthaug "
        f"parameters: {params_text(args.synthaug_params)}. Each generator fits the training "
        "split (label as a column) and samples as many rows (at most 32,561); scores "
        "compare them with the training rows through `synthaug.metrics.fidelity_report` (at "
        "most 5,000 rows a side); TSTR is tested on the test split. Mean ± std over seeds.",
    ]
    if skipped:
        lines.append(f"Not installed, so skipped: {', '.join(skipped)}.")
    if reused:
        lines.append("† reused from an earlier run (its fit seconds are that run's): "
                     + "; ".join(f"`{c}`" for c in reused) + ".")
    lines += ["", "| Table | Train rows | Test rows | Columns | Label: class of interest |",
              "|---|---:|---:|---:|---|"]
    lines += [f"| {t} | {i['train_rows']:,} | {i['test_rows']:,} | {i['columns']} | "
              f"`{i['label']}`: `{i['class_of_interest']}` |" for t, i in tables.items()]
    for key, heading, _, spec in METRICS:
        extra = ["TRTR (real)"] if key == "tstr_roc_auc" else []
        lines += ["", f"## {heading}", "", "| Table | " + " | ".join(generators + extra) + " |",
                  "|---|" + "---:|" * (len(generators) + len(extra))]
        for table in tables:
            cells = [_cell(by_cell.get((table, g), []), key, spec) for g in generators]
            if extra:  # the same model for every generator: one number per table
                trtr = _values([r for g in generators for r in by_cell.get((table, g), [])],
                               "trtr_roc_auc")
                cells.append(format(trtr[0], spec) if trtr else "-")
            lines.append(f"| {table} | " + " | ".join(cells) + " |")
    lines += _summary(generators, tables, by_cell)
    failed = [r for r in runs if "error" in r]
    if failed:
        lines += ["", "Failed runs: " + "; ".join(
            f"{r['table']} / {r['generator']} / seed {r['seed']}: {r['error']}" for r in failed)]
    return lines


def _summary(generators, tables, by_cell) -> list[str]:
    """synthaug's rank among the generators per table and metric (on the means over seeds),
    and its difference to the best peer (a ratio for seconds)."""
    if "synthaug" not in generators:
        return []
    lines = ["", "## Summary: synthaug's rank and its difference to the best peer", "",
             "Rank 1 is best; the difference is synthaug minus the best peer (for fit "
             "seconds, synthaug's time over the fastest peer's).", "",
             "| Table | " + " | ".join(h.split(" (")[0] for _, h, _, _ in METRICS) + " |",
             "|---|" + "---:|" * len(METRICS)]
    ranks = {key: [] for key, *_ in METRICS}
    for table in tables:
        cells = []
        for key, _, higher, _ in METRICS:
            means = {g: _mean(by_cell.get((table, g), []), key) for g in generators}
            means = {g: m for g, m in means.items() if m is not None}
            if "synthaug" not in means:
                cells.append("-")
                continue
            sign = 1 if higher else -1
            rank = 1 + sum(sign * m > sign * means["synthaug"] for m in means.values())
            ranks[key].append(rank)
            peers = [m for g, m in means.items() if g != "synthaug"]
            if not peers:
                cells.append(f"{rank}/{len(means)}")
            elif higher:
                cells.append(f"{rank}/{len(means)} ({means['synthaug'] - max(peers):+.3f})")
            else:
                cells.append(f"{rank}/{len(means)} ({means['synthaug'] / min(peers):.2f}x)")
        lines.append(f"| {table} | " + " | ".join(cells) + " |")
    lines.append("| mean rank | " + " | ".join(
        f"{np.mean(ranks[key]):.1f}" if ranks[key] else "-" for key, *_ in METRICS) + " |")
    return lines


def _values(records, key) -> list[float]:
    return [r[key] for r in records
            if "error" not in r and r.get(key) is not None and np.isfinite(r[key])]


def _mean(records, key) -> float | None:
    values = _values(records, key)
    return float(np.mean(values)) if values else None


def _cell(records, key, spec) -> str:
    values = _values(records, key)
    if not values:  # every fit failed, or (pair trends in a class) none made that class
        return "failed" if records and all("error" in r for r in records) else "-"
    cell = mean_std(values, spec)
    if len(values) < len(records):
        cell += f" ({len(values)}/{len(records)} seeds)"
    if key == "fit_seconds" and any("from" in r for r in records):
        cell += " †"
    return cell


if __name__ == "__main__":
    main()
