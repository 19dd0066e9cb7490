"""The demo and the benchmark stay runnable (tiny settings; no timing assertions)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_quick_mode_writes_a_table(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "adult_speed.py"), "--quick",
                    "--rows", "600", "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    table = (tmp_path / "adult_speed_quick.md").read_text()
    assert "| Seconds per epoch |" in table
    medians = json.loads((tmp_path / "adult_speed_quick.json").read_text())["medians"]
    assert medians["synthaug"]["seconds_per_epoch"] > 0


def test_demo_writes_synthetic_adult_rows(tmp_path):
    out = tmp_path / "adult.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "adult_demo.py"), "--epochs", "1",
         "--rows", "300", "--out", str(out)],
        check=True, cwd=ROOT, capture_output=True, text=True,
    )
    assert "quality (SDMetrics)" in result.stdout and "ML efficacy" in result.stdout
    rows = pd.read_csv(out)
    assert len(rows) == 300 and rows.columns[-1] == "income"
    assert set(rows["income"]) <= {"<=50K", ">50K"}


def test_fidelity_benchmark_quick_mode_writes_a_table(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "adult_fidelity.py"), "--quick",
                    "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    results = json.loads((tmp_path / "adult_fidelity_quick.json").read_text())["results"]
    ceiling, ours = results["real (ceiling)"], results["synthaug"]
    assert 0 <= ours["quality"] <= ceiling["quality"] <= 1
    assert "| QualityReport (SDMetrics) |" in (tmp_path / "adult_fidelity_quick.md").read_text()


def test_time_to_quality_quick_mode_writes_a_curve_per_library(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "adult_time_to_quality.py"),
                    "--quick", "--score-rows", "500", "--results-dir", str(tmp_path)],
                   check=True, cwd=ROOT)
    results = json.loads((tmp_path / "adult_time_to_quality_quick.json").read_text())
    ours = results["curves"]["synthaug"]
    assert [p["epochs"] for p in ours] == [1, 2]
    assert all(0 < p["quality"] <= 1 and p["seconds"] > 0 for p in ours)
    if "ctgan" in results["curves"]:  # the peer is installed with the [bench] extra
        theirs = results["curves"]["ctgan"]
        assert [p["epochs"] for p in theirs] == [1, 2]
        assert theirs[0]["seconds"] < theirs[1]["seconds"]  # checkpoints of one run
        assert results["summary"]["target"] == theirs[-1]["quality"]
    assert "| synthaug | 2 |" in (tmp_path / "adult_time_to_quality_quick.md").read_text()


def test_scaling_quick_mode_measures_each_size_in_its_own_process(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scaling.py"), "--quick",
                    "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    results = json.loads((tmp_path / "scaling_quick.json").read_text())
    assert [(r["rows"], r["columns"]) for r in results] == [(2000, 15), (4000, 15), (2000, 10),
                                                          (2000, 20)]
    assert all(r["seconds_per_epoch"] > 0 and r["peak_rss_mb"] > 0 for r in results)
    widths = [r["encoded_width"] for r in results[2:]]
    assert widths[0] < widths[1]  # more columns, wider encoding


def test_scarce_augmentation_quick_mode_writes_a_table(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scarce_augmentation.py"), "--quick",
                    "--sizes", "200", "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    rows = json.loads((tmp_path / "scarce_augmentation_quick.json").read_text())
    methods = {r["method"] for r in rows}
    assert {"real only", "+ SMOTENC", "+ synthaug"} <= methods
    synthaug = [r for r in rows if r["method"] == "+ synthaug"][0]
    assert synthaug["rows"] > 200 and 0 <= synthaug["f1"] <= 1  # rows were added


def test_few_shot_mnist_quick_mode_writes_a_table_and_a_grid(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "examples" / "few_shot_mnist.py"), "--quick",
                    "--results-dir", str(tmp_path)], check=True, cwd=ROOT, capture_output=True)
    table = (tmp_path / "few_shot_mnist_quick.md").read_text()
    assert "| + classic + synthetic |" in table and "| label agreement |" in table
    results = json.loads((tmp_path / "few_shot_mnist_quick.json").read_text())
    assert set(results["accuracy"]) == {"real only", "+ classic", "+ synthetic",
                                        "+ classic + synthetic"}
    assert all(0 <= arm["mean"] <= 1 for arm in results["accuracy"].values())
    grid = tmp_path / "few_shot_mnist_quick" / "samples.png"
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
