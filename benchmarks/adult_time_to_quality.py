"""Time to quality on UCI Adult: SDMetrics QualityReport against wall-clock seconds.

ctgan (the package, at its defaults: 300 epochs, batch 500) is fit once; at a few
checkpoint epochs its clock is paused while it samples ``--score-rows`` rows, so each
point is the time its own run had spent (encoding included) to get there. synthaug is
fit from scratch at each epoch budget in ``--synthaug-epochs`` (the time a user waits
for a model of that budget, encoding included). Every sample is scored with
:func:`synthaug.metrics.quality_scores` against the training table while the clocks stand.

The headline is the time each library needs to reach ctgan's final score: for ctgan,
its first checkpoint at or above that score; for synthaug, its first budget at or
above it.

    python benchmarks/adult_time_to_quality.py                 # full, on the CPU
    python benchmarks/adult_time_to_quality.py --device cuda   # the same on a GPU
    python benchmarks/adult_time_to_quality.py --quick         # smoke: 2,000 rows, 1-2 epochs

Writes ``benchmarks/results/adult_time_to_quality[_cuda].{md,json}`` (``--quick``:
``*_quick.*``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time

from _results import GpuMonitor, write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))


def scored(train, synthetic) -> dict:
    """QualityReport scores of ``synthetic`` against ``train``, named for the table."""
    from synthaug.metrics import quality_scores

    scores = quality_scores(train, synthetic)
    return {"quality": scores["score"], "column_shapes": scores["column_shapes"],
            "column_pair_trends": scores["column_pair_trends"]}


def run_synthaug(train, epochs: int, device: str, rows: int, seed: int) -> dict:
    from synthaug import GANAugmenter

    with GpuMonitor(device) as gpu:
        started = time.perf_counter()
        model = GANAugmenter(epochs=epochs, random_state=seed, device=device, fidelity=False)
        model.fit(train.drop(columns="income"), train["income"])
        seconds = time.perf_counter() - started
    X, y = model.sample(rows, random_state=seed)
    point = {"epochs": epochs, "seconds": seconds, **scored(train, X.assign(income=y)),
             **gpu.stats()}
    print(f"synthaug {epochs} epochs: {seconds:.1f} s, quality {point['quality']:.3f}", flush=True)
    return point


class _Checkpoints:
    """Stands in for ctgan's ``tqdm`` epoch iterator: after each checkpoint epoch it
    pauses the clock and calls ``on_checkpoint(epoch, seconds_so_far)``."""

    def __init__(self, checkpoints, on_checkpoint, started):
        self.checkpoints, self.on_checkpoint, self.started = set(checkpoints), on_checkpoint, started

    def __call__(self, iterable, **_):
        self.iterable = iterable
        return self

    def __iter__(self):
        paused = 0.0
        for epoch in self.iterable:
            yield epoch
            if epoch + 1 in self.checkpoints:
                stopped = time.perf_counter()
                self.on_checkpoint(epoch + 1, stopped - self.started - paused)
                paused += time.perf_counter() - stopped

    def set_description(self, *_):
        pass


def run_ctgan(train, epochs: int, checkpoints, device: str, rows: int, seed: int) -> list:
    import ctgan.synthesizers.ctgan as ctgan_module
    import torch

    torch.manual_seed(seed)
    discrete = [c for c in train.columns if str(train[c].dtype) == "category"]
    model = ctgan_module.CTGAN(epochs=epochs, cuda=device == "cuda")
    points = []

    def on_checkpoint(epoch, seconds):
        if device == "cuda":
            torch.cuda.synchronize()
        synthetic = model.sample(rows).astype(train.dtypes.to_dict())
        points.append({"epochs": epoch, "seconds": seconds, **scored(train, synthetic)})
        print(f"ctgan epoch {epoch}: {seconds:.1f} s, quality {points[-1]['quality']:.3f}",
              flush=True)

    original = ctgan_module.tqdm
    with GpuMonitor(device) as gpu:
        ctgan_module.tqdm = _Checkpoints(checkpoints, on_checkpoint, time.perf_counter())
        try:
            model.fit(train.astype({c: object for c in discrete}), discrete)
        finally:
            ctgan_module.tqdm = original
    for point in points:
        point.update(gpu.stats())
    return points


def first_reaching(points: list, score: float):
    """The first point (in time order) whose quality is at least ``score``, else None."""
    return next((p for p in sorted(points, key=lambda p: p["seconds"]) if p["quality"] >= score),
                None)


def main() -> None:
    import torch

    from synthaug.datasets import load_adult

    parser = argparse.ArgumentParser(description="Adult time to quality: synthaug vs ctgan")
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 1-2 epochs")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--synthaug-epochs", type=int, nargs="+", default=None)
    parser.add_argument("--ctgan-epochs", type=int, default=None)
    parser.add_argument("--ctgan-checkpoints", type=int, nargs="+", default=None)
    parser.add_argument("--score-rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    ours = args.synthaug_epochs or ([1, 2] if args.quick else [5, 10, 20, 40, 80])
    ctgan_epochs = args.ctgan_epochs or (2 if args.quick else 300)
    checkpoints = args.ctgan_checkpoints or (
        [1, 2] if args.quick else [e for e in (10, 25, 50, 100, 200, 300) if e <= ctgan_epochs])
    train = load_adult().frame
    if args.quick:
        train = train.sample(2000, random_state=0)
    rows = min(args.score_rows, len(train))
    torch.set_num_threads(os.cpu_count() or 1)

    # One-epoch fits on a few rows first, so neither curve carries import and start-up costs.
    run_synthaug(train.iloc[:1000], 1, args.device, 10, args.seed)
    if importlib.util.find_spec("ctgan"):
        run_ctgan(train.iloc[:1000], 1, [], args.device, 10, args.seed)
    curves = {"synthaug": []}
    for epochs in ours:
        curves["synthaug"].append(run_synthaug(train, epochs, args.device, rows, args.seed))
    if importlib.util.find_spec("ctgan"):
        curves["ctgan"] = run_ctgan(train, ctgan_epochs, checkpoints, args.device, rows, args.seed)

    summary = {}
    if "ctgan" in curves:
        target = curves["ctgan"][-1]["quality"]
        reached = {lib: first_reaching(points, target) for lib, points in curves.items()}
        summary = {"target": target,
                   "seconds": {lib: p and p["seconds"] for lib, p in reached.items()}}
        if reached["synthaug"]:
            summary["ratio"] = reached["ctgan"]["seconds"] / reached["synthaug"]["seconds"]

    command = " ".join(["python", "benchmarks/adult_time_to_quality.py", *sys.argv[1:]])
    where = (torch.cuda.get_device_name() if args.device == "cuda"
             else f"{platform.machine()}, {os.cpu_count()} cores, CPU")
    lines = [
        f"# Adult time to quality: synthaug vs ctgan ({len(train):,} rows, {where})",
        "",
        f"Command: `{command}`; seed {args.seed}, one run per point. QualityReport "
        f"(SDMetrics) of {rows:,} sampled rows against the training table. synthaug: one fit "
        "from scratch per epoch budget, at its defaults; ctgan: one fit at its defaults, "
        "clock paused while it samples at each checkpoint. Seconds include encoding; both "
        "libraries were warmed up by a one-epoch fit first.",
        "",
    ]
    if summary:
        if summary.get("ratio"):
            verdict = (f"synthaug reaches it in **{summary['seconds']['synthaug']:.1f} s**, "
                       f"**{summary['ratio']:.1f}x** sooner.")
        else:
            verdict = "synthaug does not reach it at any budget tried."
        lines += [f"ctgan's final score is **{summary['target']:.3f}**, reached after "
                  f"{summary['seconds']['ctgan']:.1f} s; {verdict}", ""]
    gpu_columns = args.device == "cuda"
    lines += ["| Library | Epochs | Seconds | QualityReport | Column Shapes | Column Pair Trends"
              + (" | GPU util (mean %) | GPU memory (peak MB) |" if gpu_columns else " |"),
              "|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if gpu_columns else "")]
    for lib, points in curves.items():
        for p in points:
            cells = [lib, str(p["epochs"]), f"{p['seconds']:.1f}", f"{p['quality']:.3f}",
                     f"{p['column_shapes']:.3f}", f"{p['column_pair_trends']:.3f}"]
            if gpu_columns:
                cells += [GpuMonitor.format(p["gpu_utilisation"], "{:.0f}"),
                          GpuMonitor.format(p["gpu_memory_mb"], "{:,.0f}")]
            lines.append("| " + " | ".join(cells) + " |")
    name = "adult_time_to_quality" + ("_cuda" if args.device == "cuda" else "")
    write_results(args.results_dir, name, args.quick, lines,
                  {"rows": len(train), "device": where, "summary": summary, "curves": curves})


if __name__ == "__main__":
    main()
