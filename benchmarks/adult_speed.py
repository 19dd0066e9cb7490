"""Speed on UCI Adult: synthaug vs the ctgan package, same epochs and batch size, one run.

Each library runs in its own subprocess (so peak memory is its own), ``--repeats``
times; the table reports medians and the ctgan/synthaug ratio (> 1: synthaug faster).

    python benchmarks/adult_speed.py                 # full: 32,561 rows, 5 epochs, 3 repeats
    python benchmarks/adult_speed.py --device cuda   # the same on a GPU, with its utilisation
    python benchmarks/adult_speed.py --quick         # smoke: 2,000 rows, 1 epoch, 1 repeat

Writes ``benchmarks/results/adult_speed[_cuda].{md,json}`` (``--quick`` writes ``*_quick.*``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from _results import GpuMonitor, write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
METRICS = [
    ("encode_seconds", "Encoding (s)", False),
    ("seconds_per_epoch", "Seconds per epoch", False),
    ("fit_seconds", "Total fit (s)", False),
    ("sample_rows_per_second", "Sampling (rows/s)", True),
    ("peak_rss_mb", "Peak memory (MB, process RSS)", False),
]
GPU_METRICS = [
    ("gpu_utilisation", "GPU utilisation during fit (mean %)", None),  # context, no ratio
    ("gpu_memory_mb", "Peak GPU memory (MB, torch allocator)", False),
]


def _adult(rows: int):
    from synthaug.datasets import load_adult

    frame = load_adult().frame
    return frame.sample(rows, random_state=0) if rows < len(frame) else frame


def _measure(encode, fit, sample, rows: int, device: str) -> dict:
    """Time ``encode()``, ``model = fit()`` and ``sample(model)``; the model is returned too."""
    started = time.perf_counter()
    encode()
    encoded = time.perf_counter()
    with GpuMonitor(device) as gpu:
        model = fit()
    fitted = time.perf_counter()
    sample(model)
    sampled = time.perf_counter()
    return {"encode_seconds": encoded - started, "fit_seconds": fitted - encoded,
            "sample_rows_per_second": rows / (sampled - fitted), "model": model, **gpu.stats()}


def run_synthaug(frame, epochs: int, batch_size: int, device: str) -> dict:
    import numpy as np

    from synthaug import GANAugmenter
    from synthaug._schema import TableSchema, infer_discrete

    def encode():
        rng = np.random.RandomState(0)
        TableSchema.fit(frame, infer_discrete(frame, None), rng).encode(frame, rng)

    model = GANAugmenter(epochs=epochs, batch_size=batch_size, random_state=0, device=device,
                         fidelity=False)  # ctgan makes no report: time the same work
    result = _measure(encode, lambda: model.fit(frame.drop(columns="income"), frame["income"]),
                      lambda m: m.sample(len(frame)), len(frame), device)
    history = result.pop("model").history_
    result["seconds_per_epoch"] = statistics.median(h["seconds"] for h in history)
    return result


def run_ctgan(frame, epochs: int, batch_size: int, device: str) -> dict:
    from ctgan import CTGAN
    from ctgan.data_transformer import DataTransformer

    discrete = [c for c in frame.columns if str(frame[c].dtype) == "category"]
    frame = frame.astype({c: object for c in discrete})

    def encode():
        transformer = DataTransformer()
        transformer.fit(frame, discrete)
        transformer.transform(frame)

    def fit():
        model = CTGAN(epochs=epochs, batch_size=batch_size, cuda=device == "cuda")
        model.fit(frame, discrete)
        return model

    result = _measure(encode, fit, lambda m: m.sample(len(frame)), len(frame), device)
    result.pop("model")
    # ctgan re-encodes inside fit and reports no epoch times: take its training share.
    result["seconds_per_epoch"] = max(result["fit_seconds"] - result["encode_seconds"], 0) / epochs
    return result


def worker(library: str, rows: int, epochs: int, batch_size: int, device: str) -> None:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    frame = _adult(rows)
    result = {"synthaug": run_synthaug, "ctgan": run_ctgan}[library](frame, epochs, batch_size, device)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description="Adult speed: synthaug vs ctgan")
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 1 epoch, 1 repeat")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("--worker", choices=["synthaug", "ctgan"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.quick else 32_561)
    epochs = args.epochs or (1 if args.quick else 5)
    repeats = args.repeats or (1 if args.quick else 3)
    if args.worker:
        return worker(args.worker, rows, epochs, args.batch_size, args.device)

    libraries = ["synthaug"] + (["ctgan"] if _available("ctgan") else [])
    runs = {lib: [] for lib in libraries}
    for repeat in range(repeats):
        for lib in libraries:  # interleaved, so drift on a shared machine hits both
            out = subprocess.run(
                [sys.executable, __file__, "--worker", lib, "--rows", str(rows), "--epochs",
                 str(epochs), "--batch-size", str(args.batch_size), "--device", args.device],
                check=True, capture_output=True, text=True,
            ).stdout
            runs[lib].append(json.loads(out.strip().splitlines()[-1]))
            print(f"repeat {repeat + 1}/{repeats} {lib}: {runs[lib][-1]}", flush=True)

    metrics = METRICS + (GPU_METRICS if args.device == "cuda" else [])
    medians = {lib: {k: _median([r[k] for r in rs]) for k, *_ in metrics}
               for lib, rs in runs.items()}
    command = " ".join(["python", "benchmarks/adult_speed.py", *sys.argv[1:]])
    lines = [
        f"# Adult speed: synthaug vs ctgan ({rows:,} rows, {epochs} epochs, batch {args.batch_size})",
        "",
        f"Command: `{command}`. Medians of {repeats} interleaved repeats, each library in its own "
        f"process, on {platform.processor() or platform.machine()} with {os.cpu_count()} cores, "
        + (f"device {_gpu_name()}." if args.device == "cuda" else "CPU only."),
        "Ratio = ctgan / synthaug for times and memory, synthaug / ctgan for rows/s: above 1, synthaug is ahead.",
        "",
        "| Metric | synthaug | ctgan | Ratio |",
        "|---|---:|---:|---:|",
    ]
    for key, label, higher_is_better in metrics:
        ours = medians["synthaug"][key]
        if "ctgan" not in medians:
            lines.append(f"| {label} | {GpuMonitor.format(ours, '{:,.2f}')} | not installed | - |")
            continue
        theirs = medians["ctgan"][key]
        ratio = None
        if ours and theirs and higher_is_better is not None:
            ratio = ours / theirs if higher_is_better else theirs / ours
        shown = "n/a" if ratio is None else f"{ratio:.1f}x"
        lines.append(f"| {label} | {GpuMonitor.format(ours, '{:,.2f}')} | "
                     f"{GpuMonitor.format(theirs, '{:,.2f}')} | {shown} |")
    name = "adult_speed" + ("_cuda" if args.device == "cuda" else "")
    write_results(args.results_dir, name, args.quick, lines,
                  {"rows": rows, "epochs": epochs, "batch_size": args.batch_size,
                   "repeats": repeats, "runs": runs, "medians": medians})


def _median(values: list):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _gpu_name() -> str:
    import torch

    return torch.cuda.get_device_name()


if __name__ == "__main__":
    main()
