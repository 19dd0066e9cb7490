"""Rows a step on small tables: the same number of steps at several batch sizes.

For each table a stratified training subset of ``--rows`` rows (seed 0) is fit by
synthaug (the label kept as a column, ``fidelity=False``) for ``--steps`` steps at each
``--batch-sizes`` value, and samples as many rows as the held-out test rows (at most
3,000, stratified). Each is scored against the test rows: SDMetrics' Column Shapes and
Column Pair Trends (:func:`synthaug.metrics.quality_scores`) and the detection score
(:func:`synthaug.metrics.detection_score`; 1 means a classifier cannot tell the rows
apart). The first line of each table scores the real training rows the same way: what a
perfect generator would reach. This is the measurement behind the tabular recipe's
``min_batch_size`` (``synthaug/nn/tabular.py``).

    python benchmarks/small_batch.py --tables HMDA default attrition adult

Writes ``benchmarks/results/small_batch.{md,json}``. Run it alone: fit seconds are
compared within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from _results import command_line, write_results  # noqa: E402 (benchmarks/ is on sys.path)
from _tables import DATA_DIR, HERE, TABLES, split

TEST_ROWS = 3_000


def measure(table: str, rows: int, batch_sizes: list, steps: int, data_dir: str):
    """The real rows' scores, then one record per batch size, printed as they come."""
    from synthaug import GANAugmenter
    from synthaug.metrics import detection_score, quality_scores

    frame, label, _ = TABLES[table](data_dir)
    train, test = split(table, frame, label, seed=0, train_size=rows, max_test=TEST_ROWS)
    yield {"table": table, "batch_size": None, "fit_seconds": None,
           **quality_scores(test, train), "detection": detection_score(test, train)["score"]}
    for batch_size in batch_sizes:
        epochs = steps // -(-rows // batch_size)
        started = time.perf_counter()
        model = GANAugmenter(random_state=0, fidelity=False, batch_size=batch_size,
                             epochs=epochs, target_column=label).fit(train)
        seconds = time.perf_counter() - started
        synthetic = model.sample(len(test), random_state=1)
        yield {"table": table, "batch_size": batch_size, "fit_seconds": seconds,
               **quality_scores(test, synthetic),
               "detection": detection_score(test, synthetic)["score"]}


def markdown(args, command: str, records: list) -> list:
    lines = [f"# Rows a step on tables of {args.rows} rows, {args.steps} steps", "",
             f"Command: `{command}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; seed 0.", "",
             "| table | rows a step | fit s | fit time vs 500 | Column Shapes | Column Pair Trends "
             "| detection |", "|---|---|---|---|---|---|---|"]
    widest = {r["table"]: r["fit_seconds"] for r in records if r["batch_size"] == 500}
    for r in records:
        real = r["batch_size"] is None
        ratio = "" if real or r["table"] not in widest else \
            f"{r['fit_seconds'] / widest[r['table']]:.2f}x"
        lines.append(
            f"| {r['table']} | {'real rows' if real else r['batch_size']} | "
            f"{'' if real else format(r['fit_seconds'], '.0f')} | {ratio} | "
            f"{r['column_shapes']:.3f} | {r['column_pair_trends']:.3f} | {r['detection']:.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=TABLES, default=list(TABLES))
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[500, 250, 100])
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("--name", default="small_batch")
    args = parser.parse_args()
    records = []
    for table in args.tables:
        for record in measure(table, args.rows, args.batch_sizes, args.steps, args.data_dir):
            print(json.dumps(record), flush=True)
            records.append(record)
    command = command_line()
    write_results(args.results_dir, args.name, False, markdown(args, command, records),
                  {"command": command, "rows": args.rows, "steps": args.steps,
                   "records": records})


if __name__ == "__main__":
    main()
