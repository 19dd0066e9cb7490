"""What each change to synthaug's defaults did across tables (issue 14's ablation table).

Each ``--change`` names a change and two results JSON of ``multi_table_fidelity.py``: a
run at the defaults with the change, and one at the same commit without it (an ablation
run with ``--synthaug-params``). synthaug's results of the two are paired by table and
seed; for every score the table gives the mean over the paired tables with the change,
without it, and the difference, and then the difference on each table. Nothing is fit.

    python benchmarks/fidelity_ablations.py \\
        --change "joint columns" WITH.json WITHOUT.json \\
        --change "normal-score encoding" WITH.json MIXTURE.json

Writes ``benchmarks/results/NAME.{md,json}`` (NAME: ``--name``, default
``multi_table_ablations``).
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from _results import command_line, write_results
from _tables import HERE

# Higher is better for every score but fit seconds, shown as a ratio.
SCORES = {"column_pair_trends": "Column Pair Trends",
          "column_pair_trends_all": "Pair Trends over every pair",
          "class_pair_trends": "Pair Trends within the class of interest",
          "detection": "Detection score",
          "column_shapes": "Column Shapes",
          "tstr_roc_auc": "TSTR ROC AUC"}


def synthaug_runs(path: str) -> tuple[str, dict]:
    """The command and the successful synthaug records of one results JSON, keyed by
    (table, seed)."""
    with open(path) as f:
        results = json.load(f)
    runs = {(r["table"], r["seed"]): r for r in results["runs"]
            if r["generator"] == "synthaug" and "error" not in r}
    return results["command"], runs


def compare(name: str, with_path: str, without_path: str) -> dict:
    """One change: its paired records' per-score means with and without it."""
    with_command, with_runs = synthaug_runs(with_path)
    without_command, without_runs = synthaug_runs(without_path)
    pairs = sorted(set(with_runs) & set(without_runs))
    if not pairs:
        raise SystemExit(f"--change {name!r}: {with_path} and {without_path} share no "
                         "synthaug (table, seed) result; run the ablation on the same tables")
    change = {"change": name, "with": with_command, "without": without_command,
              "tables": sorted({table for table, _ in pairs}), "scores": {}, "per_table": {}}
    for key in [*SCORES, "fit_seconds"]:
        both = [(with_runs[p].get(key), without_runs[p].get(key)) for p in pairs]
        both = [(a, b) for a, b in both if a is not None and b is not None]
        if both:
            a, b = np.mean(both, axis=0)
            change["scores"][key] = {"with": float(a), "without": float(b), "pairs": len(both)}
    for table in change["tables"]:
        seeds = [p for p in pairs if p[0] == table]
        change["per_table"][table] = float(np.mean(
            [with_runs[p]["column_pair_trends"] - without_runs[p]["column_pair_trends"]
             for p in seeds]))
    return change


def markdown(command: str, changes: list[dict]) -> list[str]:
    lines = ["# What each default did: synthaug with and without it, across tables", "",
             f"Command: `{command}`. Each change pairs synthaug's results at the defaults "
             "with those of an ablation run at the same commit on the same machine, by table "
             "and seed; means are over the tables both runs cover (listed), differences "
             "are with minus without (fit seconds: with over without).", ""]
    header = "| Change | Tables | " + " | ".join(SCORES.values()) + " | Fit seconds |"
    lines += [header, "|---|---|" + "---:|" * (len(SCORES) + 1)]
    for change in changes:
        cells = []
        for key in SCORES:
            s = change["scores"].get(key)
            cells.append("-" if s is None else
                         f"{s['with']:.3f} vs {s['without']:.3f} ({s['with'] - s['without']:+.3f})")
        s = change["scores"].get("fit_seconds")
        cells.append("-" if s is None else
                     f"{s['with']:.0f} vs {s['without']:.0f} ({s['with'] / s['without']:.2f}x)")
        lines.append(f"| {change['change']} | {len(change['tables'])}: "
                     f"{', '.join(change['tables'])} | " + " | ".join(cells) + " |")
    tables = sorted({t for c in changes for t in c["per_table"]})
    lines += ["", "## Column Pair Trends, with minus without, per table", "",
              "| Change | " + " | ".join(tables) + " |", "|---|" + "---:|" * len(tables)]
    for change in changes:
        lines.append(f"| {change['change']} | " + " | ".join(
            f"{change['per_table'][t]:+.3f}" if t in change["per_table"] else "-"
            for t in tables) + " |")
    lines += ["", "Runs compared:", ""]
    lines += [f"- {c['change']}: with `{c['with']}`; without `{c['without']}`" for c in changes]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--change", nargs=3, action="append", required=True,
                        metavar=("NAME", "WITH_JSON", "WITHOUT_JSON"))
    parser.add_argument("--name", default="multi_table_ablations")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    changes = [compare(*change) for change in args.change]
    command = command_line()
    write_results(args.results_dir, args.name, False, markdown(command, changes),
                  {"command": command, "changes": changes})


if __name__ == "__main__":
    main()
