"""Data parallel scaling: rows per second and seconds per epoch on Adult for 1, 2, ...
processes launched by torchrun, and the parallel efficiency.

Each process trains with one thread on the CPU (one GPU each with ``--device cuda``);
the global batch stays as given (500, GANAugmenter's default, and 1000; each of N
processes draws batch / N rows per step), so an epoch is the same number of steps
whatever N is and the work per epoch is the same.
Efficiency at N processes is (seconds per epoch alone) / (N x seconds per epoch with N).
Seconds per epoch are the median over the epochs after the first (which warms up).

    python benchmarks/distributed_scaling.py                       # CPU: 1 and 2 processes
    python benchmarks/distributed_scaling.py --device cuda --processes 1 2 4 8
    python benchmarks/distributed_scaling.py --quick               # smoke: 600 rows, 2 epochs

On a machine shared with other jobs the wall clock measures the contention more than
the scaling; the CPU time of rank 0 per epoch shows what each process costs.

Writes ``benchmarks/results/distributed_{cpu,cuda}.{md,json}`` (``--quick``: ``*_quick.*``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from _results import GpuMonitor, command_line, write_results  # noqa: E402 (benchmarks/ is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))


def worker(rows: int, epochs: int, batch_size: int, device: str, out: str) -> None:
    """One rank of a torchrun launch: fit Adult, and on rank 0 write the timings."""
    import torch

    from synthaug import GANAugmenter
    from synthaug.datasets import load_adult

    torch.set_num_threads(1)
    X, y = load_adult(return_X_y=True)
    X, y = X[:rows], y[:rows]

    def fit(n_epochs: int, n_rows: int = rows):
        wall, cpu = time.perf_counter(), time.process_time()
        model = GANAugmenter(epochs=n_epochs, batch_size=batch_size, random_state=0,
                             device=device, fidelity=False, match_marginals=False
                             ).fit(X[:n_rows], y[:n_rows])
        return model, time.perf_counter() - wall, time.process_time() - cpu

    fit(1, 1000)  # first calls (lazy imports, allocator, process group) out of the way
    # The same fit with one epoch, to subtract set-up from the CPU time of the long one.
    _, _, setup_cpu = fit(1)
    with GpuMonitor(device) as monitor:
        model, total, cpu = fit(epochs)
    if int(os.environ.get("RANK", 0)) == 0:
        seconds = [h["seconds"] for h in model.history_]
        per_epoch = statistics.median(seconds[1:] or seconds)
        with open(out, "w") as f:
            json.dump({"processes": model.training_plan_.world_size, "rows": len(X),
                       "batch_size": model.training_plan_.batch_size,
                       "steps_per_epoch": model.training_plan_.steps_per_epoch,
                       "epoch_seconds": seconds, "seconds_per_epoch": per_epoch,
                       "rows_per_second": len(X) / per_epoch, "fit_seconds": total,
                       "cpu_seconds_per_epoch": (cpu - setup_cpu) / max(epochs - 1, 1),
                       **monitor.stats()}, f)


def launch(processes: int, rows: int, epochs: int, batch_size: int, device: str) -> dict:
    """One torchrun launch of ``processes`` ranks; rank 0's timings."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "timings.json")
        subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        f"--nproc-per-node={processes}", __file__, "--worker", str(rows),
                        str(epochs), str(batch_size), device, out], check=True)
        with open(out) as f:
            return json.load(f)


def main() -> None:
    parser = argparse.ArgumentParser(description="synthaug data parallel scaling")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[500, 1000],
                        help="global batch sizes (500 is the default of GANAugmenter)")
    parser.add_argument("--rows", type=int, default=None, help="Adult rows (all by default)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        rows, epochs, batch_size, device, out = args.worker
        return worker(int(rows), int(epochs), int(batch_size), device, out)
    rows = 600 if args.quick else args.rows or 32_561
    epochs = 2 if args.quick else args.epochs
    if args.device == "cuda":
        import torch

        available = torch.cuda.device_count()
        skipped = [n for n in args.processes if n > available]
        if skipped:
            print(f"Skipping {skipped} processes: {available} GPU(s) here.")
        args.processes = [n for n in args.processes if n <= available]
    results = []
    for batch_size in args.batch_sizes:
        for n in args.processes:
            results.append(launch(n, rows, epochs, batch_size, args.device))
            print(results[-1], flush=True)
    for r in results:
        alone = next((a for a in results if a["processes"] == 1
                      and a["batch_size"] == r["batch_size"]), None)
        r["efficiency"] = None if alone is None else \
            alone["seconds_per_epoch"] / (r["processes"] * r["seconds_per_epoch"])
        r["cpu_efficiency"] = None if alone is None else \
            alone["cpu_seconds_per_epoch"] / (r["processes"] * r["cpu_seconds_per_epoch"])

    where = f"{os.cpu_count()} CPU cores" + (
        "" if args.device == "cpu" else f", {_gpu_name()}")
    each = "one thread" if args.device == "cpu" else "one GPU and one thread"
    lines = [
        f"# Data parallel scaling on {args.device.upper()} (Adult)",
        "",
        f"Command: `{command_line()}`; {platform.machine()}, {where}. torchrun launches N "
        f"processes, each with {each}; at a global batch B each draws B / N rows per step, "
        "so an epoch is the same number of steps for every N (66 at B = 500). "
        f"Seconds per epoch: median over epochs 2-{epochs}. Efficiency: seconds per epoch "
        "alone / (N x seconds per epoch with N). CPU seconds per epoch: rank 0's CPU time "
        f"of the {epochs}-epoch fit less that of a 1-epoch fit, over {epochs - 1} epochs "
        "(time blocked waiting for the other ranks is not CPU time); the efficiency by CPU "
        "time is what N idle cores would give if waiting cost nothing.",
        "",
        "| Global batch | Processes | Rows per process and step | Seconds per epoch | Rows per second "
        "| Speed-up | Parallel efficiency | CPU seconds per epoch (rank 0) "
        "| Efficiency by CPU time | GPU utilisation |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        speedup = r["efficiency"] and r["efficiency"] * r["processes"]
        lines.append(
            f"| {r['batch_size']} | {r['processes']} | {r['batch_size'] // r['processes']} | "
            f"{r['seconds_per_epoch']:.2f} | {r['rows_per_second']:,.0f} | "
            f"{GpuMonitor.format(speedup, '{:.2f}x')} | "
            f"{GpuMonitor.format(r['efficiency'], '{:.0%}')} | "
            f"{r['cpu_seconds_per_epoch']:.2f} | "
            f"{GpuMonitor.format(r['cpu_efficiency'], '{:.0%}')} | "
            f"{GpuMonitor.format(r['gpu_utilisation'], '{:.0f}%')} |")
    write_results(args.results_dir, f"distributed_{args.device}", args.quick, lines, results)


def _gpu_name() -> str:
    import torch

    return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name()}"


if __name__ == "__main__":
    main()
