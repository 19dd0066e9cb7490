"""What every benchmark shares: where results go, the command that made them, and GPU
utilisation while a block runs."""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command_line() -> str:
    """The running script's full command line, as typed from the repository root."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), REPO)
    return shlex.join(["python", script, *sys.argv[1:]])


def write_results(results_dir: str, name: str, quick: bool, lines: list, payload) -> None:
    """Write the markdown table ``lines`` and the raw ``payload`` to ``results/NAME.md`` and
    ``NAME.json`` (``NAME_quick.*`` for ``--quick``), then print the table."""
    stem = os.path.join(results_dir, name + ("_quick" if quick else ""))
    os.makedirs(results_dir, exist_ok=True)
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(stem + ".json", "w") as f:
        json.dump(payload, f, indent=2)
    print("\n".join(lines))


class GpuMonitor:
    """Mean GPU utilisation (NVML, polled every 0.1 s) and peak torch GPU memory of a block.

    On the CPU, or without NVML, the figures are None; ``stats()`` gives
    ``{"gpu_utilisation": percent, "gpu_memory_mb": peak}``.
    """

    def __init__(self, device: str):
        self.cuda = device == "cuda"
        self.samples: list[int] = []
        self.peak_mb = None

    def __enter__(self):
        if self.cuda:
            import torch

            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self) -> None:
        try:
            import pynvml
        except ImportError:
            return
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        while not self._stop.wait(0.1):
            self.samples.append(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)

    def __exit__(self, *exc):
        if self.cuda:
            import torch

            torch.cuda.synchronize()
            self.peak_mb = torch.cuda.max_memory_allocated() / 2**20
            self._stop.set()
            self._thread.join()

    def stats(self) -> dict:
        mean = sum(self.samples) / len(self.samples) if self.samples else None
        return {"gpu_utilisation": mean, "gpu_memory_mb": self.peak_mb}

    @staticmethod
    def format(value, fmt: str) -> str:
        return "n/a" if value is None else fmt.format(value)
