"""Scaling: encoding time, seconds per epoch and peak memory as rows and columns grow.

The tables are shaped like UCI Adult: rows are drawn with replacement from it (numeric
columns jittered, so no two draws are equal), and wider tables repeat its columns
under new names, each copy drawn independently. Each size runs in its own process, so
its peak memory (RSS) is its own; one epoch at the default batch size (500).

    python benchmarks/scaling.py            # rows 10k -> 1M (15 columns); columns 10 -> 200 (30k rows)
    python benchmarks/scaling.py --quick    # smoke: 2k and 4k rows; 10 and 20 columns

Writes ``benchmarks/results/scaling.{md,json}`` (``--quick``: ``*_quick.*``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

from _results import write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))


def adult_like(rows: int, columns: int, seed: int = 0):
    """``rows`` x ``columns`` table drawn from Adult; the label ``income`` is the last column."""
    import numpy as np
    import pandas as pd

    from synthaug.datasets import load_adult

    rng = np.random.RandomState(seed)
    adult = load_adult().frame
    features = [c for c in adult.columns if c != "income"]
    out = {}
    for i in range(columns - 1):
        name = features[i % len(features)]
        column = adult[name].to_numpy()[rng.randint(len(adult), size=rows)]
        if adult[name].dtype.kind in "if":
            column = column + rng.normal(0, 0.01 * adult[name].std(), rows)
        else:
            column = pd.Categorical(column, categories=adult[name].cat.categories)
        out[name if i < len(features) else f"{name}_{i // len(features)}"] = column
    out["income"] = adult["income"].to_numpy()[rng.randint(len(adult), size=rows)]
    return pd.DataFrame(out)


def worker(rows: int, columns: int) -> None:
    import torch

    from synthaug import GANAugmenter

    torch.set_num_threads(os.cpu_count() or 1)
    frame = adult_like(rows, columns)
    started = time.perf_counter()
    model = GANAugmenter(epochs=1, random_state=0, device="cpu", fidelity=False)
    model.fit(frame.drop(columns="income"), frame["income"])
    total = time.perf_counter() - started
    epoch = model.history_[0]["seconds"]
    print(json.dumps({
        "rows": rows, "columns": columns, "encoded_width": model.schema_.width,
        "encode_seconds": total - epoch, "seconds_per_epoch": epoch,
        "microseconds_per_row": 1e6 * epoch / rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description="synthaug scaling in rows and columns")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    if args.quick:
        by_rows, by_columns = [(2_000, 15), (4_000, 15)], [(2_000, 10), (2_000, 20)]
    else:
        by_rows = [(n, 15) for n in (10_000, 30_000, 100_000, 300_000, 1_000_000)]
        by_columns = [(30_000, c) for c in (10, 25, 50, 100, 200)]
    results = []
    for rows, columns in by_rows + by_columns:
        out = subprocess.run([sys.executable, __file__, "--worker", str(rows), str(columns)],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(results[-1], flush=True)

    command = " ".join(["python", "benchmarks/scaling.py", *sys.argv[1:]])
    lines = [
        "# Scaling in rows and columns (synthaug, one epoch, batch 500)",
        "",
        f"Command: `{command}`; {platform.machine()}, {os.cpu_count()} cores, CPU. Adult-shaped "
        "tables (rows drawn from Adult with jitter; wider tables repeat its columns). "
        "Encoding and set-up is the whole fit less its epoch (validation, mixture fits, "
        "encoding, building the networks); peak memory is the process's RSS.",
        "",
        "| Rows | Columns | Encoded width | Encoding and set-up (s) | Seconds per epoch "
        "| µs per row | Peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['rows']:,} | {r['columns']} | {r['encoded_width']} | "
                     f"{r['encode_seconds']:.1f} | {r['seconds_per_epoch']:.1f} | "
                     f"{r['microseconds_per_row']:.0f} | {r['peak_rss_mb']:,.0f} |")
    write_results(args.results_dir, "scaling", args.quick, lines, results)


if __name__ == "__main__":
    main()
