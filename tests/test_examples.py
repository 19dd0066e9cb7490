"""The examples run (tiny settings) and show what they claim."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args, cwd: Path) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name), *map(str, args)],
                            cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pipeline_example_scores_both_pipelines_on_the_same_folds(tmp_path):
    out = run_example("imblearn_pipeline.py", "--epochs", 1, "--rows", 600, "--folds", 2,
                      cwd=tmp_path)
    rows = re.findall(r"^(no augmentation|GANAugmenter \(1 epochs\)) +balanced_accuracy "
                      r"([\d.]+) ± [\d.]+  f1_macro ([\d.]+) ± [\d.]+  roc_auc ([\d.]+)", out, re.M)
    assert [row[0] for row in rows] == ["no augmentation", "GANAugmenter (1 epochs)"], out
    baseline, augmented = ([float(v) for v in row[1:]] for row in rows)
    assert all(0.5 <= v <= 1 for v in baseline + augmented)  # better than chance
    added = re.search(r"synthetic rows added per training fold: \[(\d+), (\d+)\]", out)
    assert added, out
    # Rows added to a training fold reach the classifier's training; none, and the scores
    # are those without the augmenter.
    assert (baseline != augmented) == (sum(map(int, added.groups())) > 0), out


def test_dataframe_example_balances_keeps_real_rows_and_reloads(tmp_path):
    out = run_example("augment_dataframe.py", "--epochs", 1, "--rows", 400,
                      "--out", "model.pt", cwd=tmp_path)
    before = re.search(r"income before: +\{'<=50K': (\d+), '>50K': (\d+)\}", out)
    after = re.search(r"income after: +\{'<=50K': (\d+), '>50K': (\d+)\}", out)
    added = re.search(r"Augmentation \(validated\): (\d+) \S+ synthetic samples added", out)
    assert before and after and added, out
    assert after[1] == before[1] and int(after[2]) == int(before[2]) + int(added[1])
    for claim in ["real rows unchanged: True", "same dtypes: True",
                  "the loaded model makes the same rows: True"]:
        assert claim in out, claim
    assert (tmp_path / "model.pt").stat().st_size > 0


def test_conditional_example_meets_every_condition(tmp_path):
    out = run_example("conditional_sampling.py", "--epochs", 1, "--rows", 400, cwd=tmp_path)
    for claim in ["y='>50K' gives only >50K rows: True",
                  "one class per row keeps the order: True",
                  "met in every row: True"]:
        assert claim in out, claim
    assert re.search(r"synthetic, y='>50K' +1000 rows", out)
