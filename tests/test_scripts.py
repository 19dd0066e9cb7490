"""The demo and the benchmark stay runnable (tiny settings; no timing assertions)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES_DIR = ROOT.parent / "shared" / "data" / "tables"  # not shipped: their licences differ


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


@pytest.mark.skipif(not TABLES_DIR.is_dir(), reason="the six tables live in ../shared only")
def test_each_table_loads_with_its_label_and_a_stratified_split(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from _tables import DATA_DIR, TABLES, split

    assert len(TABLES) == 7 and Path(DATA_DIR) == TABLES_DIR.resolve()  # the default folder
    for name, load in TABLES.items():
        frame, label, class_of_interest = load(str(TABLES_DIR))
        assert "rownames" not in frame.columns and class_of_interest in set(frame[label])
        train, test = split(name, frame, label)
        share = [(t[label] == class_of_interest).mean() for t in (train, test)]
        assert abs(share[0] - share[1]) < 0.01, name
        subset, rest = split(name, frame, label, seed=1, train_size=500, max_test=1000)
        assert len(subset) == 500 and len(rest) == min(1000, len(frame) - 500)


def test_multi_table_fidelity_quick_mode_scores_each_generator(tmp_path):
    """synthaug, and SDV's GaussianCopula where SDV is installed ([bench]): its
    results are then reused by a second run, which fits nothing."""
    script = [sys.executable, str(ROOT / "benchmarks" / "multi_table_fidelity.py"), "--quick",
              "--results-dir", str(tmp_path)]
    peer = ["gaussian_copula"] if importlib.util.find_spec("sdv") else []
    subprocess.run(script + ["--generators", "synthaug", *peer], check=True, cwd=ROOT)
    first = json.loads((tmp_path / "multi_table_fidelity_quick.json").read_text())
    assert [(r["table"], r["generator"]) for r in first["runs"]] == \
        [("adult", g) for g in ["synthaug", *peer]]
    ours = first["runs"][0]
    assert ours["train_rows"] == 600 and ours["fit_seconds"] > 0
    for key in ("column_shapes", "column_pair_trends", "column_pair_trends_all",
                "class_pair_trends", "detection", "tstr_roc_auc", "trtr_roc_auc"):
        assert 0 <= ours[key] <= 1, key
    assert ours["detection"] == pytest.approx(1 - (2 * max(ours["detection_roc_auc"], 0.5) - 1))
    table = (tmp_path / "multi_table_fidelity_quick.md").read_text()
    assert "## Detection score" in table and "| adult | 600 | 1,000 | 15 |" in table
    assert "| mean rank |" in table
    # Assembling fits nothing: synthaug's own record comes back, and a generator no run
    # made (TVAE) is a cell of its own, "-".
    subprocess.run(script + ["--reuse-only", "--generators", "synthaug", "tvae", "--name",
                             "assembled", "--reuse",
                             str(tmp_path / "multi_table_fidelity_quick.json")],
                   check=True, cwd=ROOT)
    assembled = json.loads((tmp_path / "assembled_quick.json").read_text())["runs"]
    assert [r["generator"] for r in assembled] == ["synthaug"]
    assert assembled[0]["fit_seconds"] == ours["fit_seconds"]
    assert assembled[0]["from"] == first["command"]
    assert "| adult | 600 | 1,000 | 15 |" in (tmp_path / "assembled_quick.md").read_text()
    if peer:
        subprocess.run(script + ["--generators", *peer, "--name", "again", "--reuse",
                                 str(tmp_path / "multi_table_fidelity_quick.json")],
                       check=True, cwd=ROOT)
        again = json.loads((tmp_path / "again_quick.json").read_text())["runs"]
        assert again[0]["from"] == first["command"]
        assert again[0]["detection"] == first["runs"][1]["detection"]
        assert " †" in (tmp_path / "again_quick.md").read_text()


def test_fidelity_ablations_pair_synthaug_results_by_table_and_seed(tmp_path):
    """Means over the tables both runs hold (a table only one run holds is left out), the
    peers' records ignored, differences with minus without."""
    def run(path, records):
        runs = [{"table": t, "generator": "synthaug", "seed": 0, "column_pair_trends": trends,
                 "detection": detection, "fit_seconds": seconds}
                for t, trends, detection, seconds in records]
        runs.append({"table": "a", "generator": "tvae", "seed": 0, "column_pair_trends": 0.0,
                     "detection": 0.0, "fit_seconds": 1.0})
        path.write_text(json.dumps({"command": path.stem, "runs": runs}))
        return str(path)

    with_ = run(tmp_path / "with.json", [("a", 0.9, 0.5, 20.0), ("b", 0.8, 0.3, 40.0),
                                          ("c", 0.1, 0.1, 1.0)])
    without = run(tmp_path / "without.json", [("a", 0.7, 0.5, 10.0), ("b", 0.8, 0.1, 20.0)])
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fidelity_ablations.py"),
                    "--change", "joint columns", with_, without, "--results-dir", str(tmp_path)],
                   check=True, cwd=ROOT)
    change, = json.loads((tmp_path / "multi_table_ablations.json").read_text())["changes"]
    assert change["tables"] == ["a", "b"]
    assert change["scores"]["column_pair_trends"] == pytest.approx(
        {"with": 0.85, "without": 0.75, "pairs": 2})
    assert change["per_table"] == pytest.approx({"a": 0.2, "b": 0.0})
    table = (tmp_path / "multi_table_ablations.md").read_text()
    assert "| joint columns | 2: a, b | 0.850 vs 0.750 (+0.100) |" in table
    assert "0.400 vs 0.300 (+0.100)" in table and "30 vs 15 (2.00x) |" in table


def test_augmentation_value_quick_mode_then_a_variant_reusing_the_baselines(tmp_path):
    # A fixed amount: the validated one may rightly be none for a two-epoch model.
    script = [sys.executable, str(ROOT / "benchmarks" / "augmentation_value.py"), "--quick",
              "--results-dir", str(tmp_path)]
    subprocess.run(script + ["--synthaug-params", "sampling_strategy=auto"], check=True, cwd=ROOT)
    first = json.loads((tmp_path / "augmentation_value_quick.json").read_text())
    runs = {r["method"]: r for r in first["runs"]}
    assert {"real only", "class weights", "random oversampling", "SMOTE(NC)",
            "synthaug"} <= set(runs)
    assert runs["real only"]["rows"] == 200 and runs["real only"]["seconds"] is None
    ours = runs["synthaug"]
    assert ours["rows"] > 200 and ours["seconds"] > 0  # rows were added, and timed
    assert all(0 <= v <= 1 for s in ours["scores"].values() for v in s.values())
    table = (tmp_path / "augmentation_value_quick.md").read_text()
    assert "| synthaug | " in table and "Mean F1 across tables" in table

    subprocess.run(script + ["--synthaug-params", "sampling_strategy=auto",
                             "filter_synthetic=False", "--name", "variant",
                             "--reuse", str(tmp_path / "augmentation_value_quick.json")],
                   check=True, cwd=ROOT)
    variant = json.loads((tmp_path / "variant_quick.json").read_text())
    again = {r["method"]: r for r in variant["runs"]}
    assert again["real only"]["from"] == first["command"]
    assert again["real only"]["scores"] == runs["real only"]["scores"]
    assert "from" not in again["synthaug"]  # the method under study is always refit
    assert again["synthaug"]["params"] == {"sampling_strategy": "auto", "filter_synthetic": False}
    assert "filter_synthetic=False" in (tmp_path / "variant_quick.md").read_text()


@pytest.mark.slow
def test_distributed_scaling_quick_mode_times_one_and_two_processes(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "distributed_scaling.py"), "--quick",
                    "--batch-sizes", "100", "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    results = json.loads((tmp_path / "distributed_cpu_quick.json").read_text())
    assert [(r["processes"], r["batch_size"]) for r in results] == [(1, 100), (2, 100)]
    assert all(r["seconds_per_epoch"] > 0 and r["rows_per_second"] > 0 for r in results)
    assert results[0]["efficiency"] == 1.0
    assert "| 100 | 2 | 50 |" in (tmp_path / "distributed_cpu_quick.md").read_text()


@pytest.mark.slow
def test_few_shot_recipes_quick_mode_writes_a_table_per_size(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "few_shot_recipes.py"), "--quick",
                    "--per-class", "10", "--recipes", "stylegan", "cyclegan",
                    "--results-dir", str(tmp_path)], check=True, cwd=ROOT)
    results = json.loads((tmp_path / "few_shot_recipes_quick.json").read_text())
    (size,) = results["sizes"]
    assert size["per_class"] == 10 and size["best"] in ("stylegan", "cyclegan")
    assert set(size["accuracy"]) == {"real only", "+ classic", "+ stylegan", "+ cyclegan",
                                     f"+ classic + {size['best']}"}
    table = (tmp_path / "few_shot_recipes_quick.md").read_text()
    assert "QUICK MODE" in table and "not judged (one seed" in table
