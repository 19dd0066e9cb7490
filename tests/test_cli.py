"""The ``synthaug`` command line: every command through click's CliRunner, the installed
console script once as a real subprocess, the CSV dtype round trip, and bad usage
(exit status 2, one error line, no traceback)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from click.testing import CliRunner

from synthaug import GANAugmenter, losses
from synthaug.cli import DataFile, main, parse_value
from conftest import assert_same_model, bce_stopping, fast_augmenter

# A tiny training run: one step per epoch on the 200-row table.
TINY = ["--epochs", "2", "--batch-size", "200", "--seed", "0"]


def people(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A small table with every kind of CSV column and some associations between them."""
    rng = np.random.RandomState(seed)
    group = rng.randint(1, 4, n)
    age = rng.randint(18, 90, n)
    label = np.where(rng.rand(n) < 0.15 + 0.3 * (group == 3), "yes", "no")
    return pd.DataFrame({
        "age": age,
        "group": group,
        "height": (150 + 0.3 * age + rng.normal(0, 5, n)).round(1),
        "member": rng.rand(n) < 0.2 + 0.4 * (label == "yes"),
        "city": rng.choice(["Paris", "Lyon", "Nice"], n),
        "joined": (pd.Timestamp("2020-01-01")
                   + pd.to_timedelta(rng.randint(0, 900, n), unit="D")).strftime("%Y-%m-%d"),
        "visits": np.where(rng.rand(n) < 0.2, np.nan, rng.randint(0, 9, n)),
        "label": label,
    })


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def succeeded(result) -> bool:
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return True


def read(path) -> pd.DataFrame:
    """A table as the CLI reads it."""
    return DataFile().convert(str(path), None, None)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    people().to_csv(folder / "people.csv", index=False)
    people(100, seed=1).to_csv(folder / "test.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def fitted(files):
    """One model fit through the CLI with the label as a column."""
    result = invoke("fit", files / "people.csv", "--target", "label", *TINY, "--no-fidelity",
                    "--out", files / "model.pt")
    return result, files / "model.pt"


# ---------------------------------------------------------------- commands


def test_fit_saves_a_model_with_only_the_given_options(fitted):
    result, model_path = fitted
    assert succeeded(result)
    assert f"Saved model to {model_path} (200 rows x 8 columns, 2 epochs" in result.stdout
    assert "SDMetrics" not in result.stdout  # --no-fidelity
    model = GANAugmenter.load(model_path, device="cpu")
    expected = GANAugmenter(target_column="label", epochs=2, batch_size=200, random_state=0,
                            fidelity=False, device="cpu")
    assert model.get_params() == expected.get_params()  # everything else: library defaults
    assert model.n_samples_fit_ == 200 and model.classes_.tolist() == ["no", "yes"]


def test_sampled_csv_reads_back_with_the_dtypes_of_the_training_csv(fitted, files, tmp_path):
    out = tmp_path / "synthetic.csv"
    assert succeeded(invoke("sample", fitted[1], "-n", 150, "--out", out))
    original, synthetic = read(files / "people.csv"), read(out)
    assert original["joined"].dtype == "datetime64[ns]"  # ISO dates are read as dates
    assert synthetic.dtypes.to_dict() == original.dtypes.to_dict() and len(synthetic) == 150
    # also for a plain pandas reader: dates are written as dates, integers as integers
    plain_original, plain = pd.read_csv(files / "people.csv"), pd.read_csv(out)
    assert plain.dtypes.to_dict() == plain_original.dtypes.to_dict()
    assert plain["joined"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(plain["city"]) <= {"Paris", "Lyon", "Nice"}


def test_sample_reads_class_and_conditions_as_the_column_types(fitted):
    result = invoke("sample", fitted[1], "-n", 40, "--class", "yes", "--condition", "group=3",
                    "--condition", "member=true", "--out", "-")
    assert succeeded(result)
    rows = pd.read_csv(io.StringIO(result.stdout))  # stdout holds the table only
    assert len(rows) == 40
    assert (rows["label"] == "yes").all() and (rows["group"] == 3).all() and rows["member"].all()
    assert "Wrote 40 rows to standard output." in result.stderr


def test_sample_reads_ranges_of_numbers_and_dates(fitted):
    result = invoke("sample", fitted[1], "-n", 30, "--condition", "age=30..40",
                    "--condition", "height=..170", "--condition", "joined=2021-01-01..",
                    "--condition", "city=Lyon", "--out", "-")
    assert succeeded(result)
    rows = pd.read_csv(io.StringIO(result.stdout), parse_dates=["joined"])
    assert len(rows) == 30 and rows["age"].between(30, 40).all()
    assert (rows["height"] <= 170).all() and (rows["joined"] >= "2021-01-01").all()
    assert (rows["city"] == "Lyon").all()


def test_sample_parquet_keeps_the_dtypes(fitted, files, tmp_path):
    out = tmp_path / "synthetic.parquet"
    assert succeeded(invoke("sample", fitted[1], "-n", 20, "--out", out))
    assert pd.read_parquet(out).dtypes.to_dict() == read(files / "people.csv").dtypes.to_dict()


def test_sample_seed_gives_a_reproducible_draw(fitted):
    def draw(seed):
        return invoke("sample", fitted[1], "-n", 30, "--seed", seed, "--out", "-").stdout

    assert draw(1) == draw(1) and draw(1) != draw(2)


def test_model_fit_with_separate_labels_samples_and_evaluates_them_as_a_column(tmp_path):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=200), "kind": rng.choice(["a", "b"], 200)})
    y = pd.Series(pd.Categorical(rng.choice(["no", "yes"], 200)), name="target")
    model_path = tmp_path / "model.pt"
    fast_augmenter().fit(X, y).save(model_path)

    out = tmp_path / "synthetic.parquet"
    assert succeeded(invoke("sample", model_path, "-n", 30, "--class", "yes", "--out", out))
    rows = pd.read_parquet(out)
    assert list(rows.columns) == ["x", "kind", "target"] and (rows["target"] == "yes").all()
    assert rows["target"].dtype == y.dtype  # the label keeps its categories

    X.assign(target=y).to_csv(tmp_path / "real.csv", index=False)
    result = invoke("evaluate", model_path, tmp_path / "real.csv")
    assert succeeded(result) and "ML efficacy" in result.stdout  # the label column was found


def test_augment_keeps_the_real_rows_and_marks_the_synthetic_ones(files, tmp_path):
    out = tmp_path / "augmented.csv"
    result = invoke("augment", files / "people.csv", "--target", "label", "--strategy", "yes=120",
                    "--no-filter", "--mark-synthetic", "synthetic", *TINY, "--no-fidelity",
                    "--out", out)
    assert succeeded(result)
    original, augmented = read(files / "people.csv"), read(out)
    counts = original["label"].value_counts()
    assert len(augmented) == len(original) + 120 - counts["yes"]
    assert augmented["label"].value_counts().to_dict() == {"no": counts["no"], "yes": 120}
    pd.testing.assert_frame_equal(augmented.iloc[:200].drop(columns="synthetic"), original)
    assert augmented["synthetic"].tolist() == [False] * 200 + [True] * (len(augmented) - 200)
    assert f"yes: {counts['yes']} -> 120" in result.stdout


@pytest.mark.parametrize("flag, expected", [([], "auto"), (["--filter"], True),
                                            (["--no-filter"], False)])
def test_augment_label_filter_is_on_unless_switched_off(files, monkeypatch, flag, expected):
    seen = []
    fit_transform = GANAugmenter.fit_transform

    def spy(self, X, y=None):
        seen.append(self.filter_synthetic)
        return fit_transform(self, X, y)

    monkeypatch.setattr(GANAugmenter, "fit_transform", spy)
    result = invoke("augment", files / "people.csv", "--target", "label", *flag, *TINY,
                    "--no-fidelity", "--out", "-")
    assert succeeded(result) and seen == [expected]


@pytest.mark.parametrize("strategy, expected_yes", [("minority", "no"), ("0.5", "half")])
def test_augment_reads_strategy_names_and_floats(files, strategy, expected_yes):
    result = invoke("augment", files / "people.csv", "--target", "label", "--strategy", strategy,
                    "--no-filter", *TINY, "--no-fidelity", "--out", "-")
    assert succeeded(result)
    counts = pd.read_csv(io.StringIO(result.stdout))["label"].value_counts()
    n_no = read(files / "people.csv")["label"].value_counts()["no"]
    assert counts["no"] == n_no
    assert counts["yes"] == (n_no if expected_yes == "no" else round(0.5 * n_no))


def test_evaluate_prints_and_writes_the_fidelity_report(fitted, files, tmp_path):
    result = invoke("evaluate", fitted[1], files / "people.csv", "--test", files / "test.csv",
                    "--json", tmp_path / "report.json", "--plots", tmp_path / "plots")
    assert succeeded(result)
    assert "ML efficacy, ROC AUC" in result.stdout and "privacy" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert 0 <= report["quality"]["score"] <= 1 and report["ml_efficacy"] is not None
    assert "real_test (100 rows)" in " ".join(report["notes"])  # --test was used
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "correlations.png", "losses.png", "marginals.png"]


def test_info_shows_the_model_card(fitted):
    result = invoke("info", fitted[1])
    assert succeeded(result)
    card = result.stdout
    for expected in ["Data: 200 rows x 8 columns", "group   discrete, 3 values, int64",
                     "joined  continuous, datetime64[ns]",
                     "visits  continuous, float64, has missing values",
                     "label   discrete, 2 values, object, the label", "Classes: no, yes",
                     "epochs = 2", "batch_size = 200", "History: 2 of 2 epochs",
                     "Fidelity at fit: not stored (fit with fidelity=False)"]:
        assert expected in card, expected
    versions = ", ".join(f"{library} {version}" for library, version in {
        "synthaug": "0.1.0", "torch": torch.__version__, "numpy": np.__version__,
        "pandas": pd.__version__, "scikit-learn": sklearn.__version__}.items())
    assert f"Saved with:          {versions}\nInstalled versions:  {versions}" in card
    assert "differ" not in card and "Identifiers" not in card


def test_info_shows_the_versions_an_older_file_recorded():
    card = invoke("info", Path(__file__).parent / "data" / "model_v1_table.pt")
    assert succeeded(card)
    saved = card.stdout.split("Saved with:")[1].splitlines()[0]
    assert saved.strip().startswith("synthaug 0.1.0, torch ")
    assert saved.endswith("(numpy, pandas, scikit-learn: not recorded)")


def test_info_names_the_identifier_columns(files, tmp_path):
    table = read(files / "people.csv")
    table.insert(0, "rownames", np.arange(1, len(table) + 1))
    table.to_csv(tmp_path / "with_ids.csv", index=False)
    with pytest.warns(UserWarning, match=r"Column \['rownames'\] holds a distinct value"):
        result = invoke("fit", tmp_path / "with_ids.csv", "--target", "label", *TINY,
                        "--no-fidelity", "--out", tmp_path / "m.pt")
    assert succeeded(result)
    card = invoke("info", tmp_path / "m.pt").stdout
    assert "Identifiers (not modelled; synthetic rows get fresh values): rownames" in card
    assert "rownames  continuous" not in card
    sampled = invoke("sample", tmp_path / "m.pt", "-n", 5, "--out", tmp_path / "s.csv")
    assert succeeded(sampled)
    assert pd.read_csv(tmp_path / "s.csv")["rownames"].tolist() == [201, 202, 203, 204, 205]


@pytest.mark.parametrize("command", ["fit", "sample", "augment", "evaluate", "info"])
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert succeeded(result)
    assert "Example" in result.stdout and f"synthaug {command} " in result.stdout


def test_only_given_options_reach_the_library(files, tmp_path):
    result = invoke("fit", files / "people.csv", "--discrete", "age", "--epochs", 1,
                    "--no-fidelity", "--quiet", "--out", tmp_path / "m.pt")
    assert succeeded(result)
    stored = GANAugmenter.load(tmp_path / "m.pt", device="cpu").get_params()
    expected = GANAugmenter(discrete_columns=["age"], epochs=1, fidelity=False, device="cpu")
    assert stored == expected.get_params()


def test_a_terminal_shows_a_progress_bar_without_changing_the_stored_parameters(files,
                                                                                tmp_path):
    """The console script with its standard error on a pseudo-terminal, as a user runs it."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # A terminal 100 columns wide (a new pseudo-terminal has none, and tqdm draws nothing).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    script = Path(sys.executable).with_name("synthaug")
    run = subprocess.run([str(script), "fit", str(files / "people.csv"), "--epochs", "2",
                          "--batch-size", "200", "--no-fidelity", "--out", "m.pt"],
                         stderr=follower, stdout=subprocess.PIPE, cwd=tmp_path, timeout=300)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert run.returncode == 0, shown.decode(errors="replace")
    assert b"synthaug" in shown and b"epoch" in shown  # the progress bar was drawn
    assert GANAugmenter.load(tmp_path / "m.pt", device="cpu").get_params()["verbose"] is False


# ---------------------------------------------------------------- reading CSV


def test_csv_columns_of_iso_dates_are_read_as_datetimes(tmp_path):
    path = tmp_path / "dates.csv"
    pd.DataFrame({
        "day": ["2024-01-31", "2024-02-29", None],
        "stamp": ["2024-01-31T10:00:00+01:00", "2024-02-29T23:59:59+01:00", None],
        "summer_time": ["2024-01-01T10:00+01:00", "2024-06-01T10:00+02:00", "2024-06-01T08:00Z"],
        "local": ["2024-01-31 10:00", "2024-01-31 10:00:30.5", "2024-02-01 00:00"],
        "not_a_date": ["2024-13-45", "2024-01-01", "2024-01-02"],
        "text": ["2024-01-01", "soon", "2024-01-03"],
        "number": [2024, 2025, 2026],
    }).to_csv(path, index=False)
    frame = read(path)
    assert frame["day"].dtype == "datetime64[ns]" and frame["day"].isna().sum() == 1
    assert str(frame["stamp"].dtype) == "datetime64[ns, UTC+01:00]"
    assert str(frame["summer_time"].dtype) == "datetime64[ns, UTC]"  # several offsets: UTC
    assert frame["summer_time"][1] == frame["summer_time"][2]  # the same instant
    assert frame["local"].dtype == "datetime64[ns]"
    for name in ["not_a_date", "text"]:
        assert frame[name].dtype == object, name
    assert frame["number"].dtype == "int64"


@pytest.mark.parametrize("text, dtype, known, expected", [
    ("3", np.dtype("int64"), (), 3),
    ("3", np.dtype("float64"), (), 3.0),
    ("3", pd.Int64Dtype(), (), 3),
    ("TRUE", np.dtype("bool"), (), True),
    ("no", np.dtype("bool"), (), False),
    ("3", pd.CategoricalDtype([1, 2, 3]), (), 3),
    ("7", np.dtype(object), (7, "a"), 7),   # a column of mixed Python objects
    ("x", np.dtype(object), (7, "a"), "x"),  # unseen text: the library says so
    ("yes", np.dtype("<U3"), (), "yes"),
    ("2024-01-02", np.dtype("datetime64[ns]"), (), pd.Timestamp("2024-01-02")),
])
def test_command_line_values_take_the_fitted_column_type(text, dtype, known, expected):
    value = parse_value(text, dtype, known, what="test", param_hint="--x")
    assert value == expected and isinstance(value, str) == isinstance(expected, str)


@pytest.mark.parametrize("text, dtype", [("x", "int64"), ("3.5", "int64"), ("maybe", "bool")])
def test_command_line_values_of_the_wrong_type_are_refused(text, dtype):
    import click

    with pytest.raises(click.BadParameter, match=repr(text)):
        parse_value(text, np.dtype(dtype), what="test", param_hint="--x")


# ---------------------------------------------------------------- bad usage


def assert_usage_error(result, fragment: str) -> None:
    """Exit status 2 and exactly one error line (the last one) naming the problem."""
    assert result.exit_code == 2, f"{result.output}\n{result.exception!r}"
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error")]
    assert errors == [lines[-1]], result.stderr
    assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.output


FIT = ["fit", "{csv}", "--out", "{tmp}/m.pt", "--epochs", "1"]
SAMPLE = ["sample", "{model}", "-n", "5", "--out", "-"]
AUGMENT = ["augment", "{csv}", "--target", "label", "--out", "-"]
BAD_USAGE = {
    "unknown target column": ([*FIT, "--target", "nope"], "'nope'"),
    "missing data file": (["fit", "{tmp}/missing.csv", "--out", "{tmp}/m.pt"], "does not exist"),
    "unreadable data file": (["fit", "{garbage}", "--out", "{tmp}/m.pt"], "cannot read"),
    "unknown discrete column": ([*FIT, "--discrete", "nope"], "nope"),
    "epochs out of range": ([*FIT, "--epochs", "0"], "epochs"),  # the last --epochs counts
    "unknown loss": ([*FIT, "--loss", "l2"], "l2"),
    "unknown class": ([*SAMPLE, "--class", "maybe"], "'maybe'"),
    "condition without =": ([*SAMPLE, "--condition", "group3"], "COL=VALUE"),
    "condition of the wrong type": ([*SAMPLE, "--condition", "group=abc"], "'abc'"),
    "condition value never seen": ([*SAMPLE, "--condition", "group=7"], "7"),
    "condition on an unknown column": ([*SAMPLE, "--condition", "nope=1"], "nope"),
    "one value of a continuous column": ([*SAMPLE, "--condition", "height=170.05"], "range"),
    "range of the wrong type": ([*SAMPLE, "--condition", "age=30..old"], "'old'"),
    "range out of reach": ([*SAMPLE, "--condition", "age=200..300"], "training range"),
    "negative row count": ([*SAMPLE, "-n", "-1"], "n_samples"),
    "unknown output format": ([*SAMPLE, "--out", "{tmp}/s.txt"], ".csv or .parquet"),
    "output folder is a file": ([*SAMPLE, "--out", "{csv}/s.csv"], "cannot write"),
    "model folder is a file": ([*FIT, "--out", "{csv}/m.pt"], "cannot write"),
    "not a model file": (["sample", "{garbage}", "-n", "5", "--out", "-"], "model file"),
    "marker column exists": ([*AUGMENT, "--mark-synthetic", "city"], "'city'"),
    "unknown strategy": ([*AUGMENT, "--strategy", "most"], "sampling_strategy"),
    "strategy count not a number": ([*AUGMENT, "--strategy", "yes=lots"], "'lots'"),
    "strategy for an unknown class": ([*AUGMENT, "--strategy", "maybe=300", *TINY,
                                       "--no-fidelity"], "'maybe'"),
    "evaluate data lacking a column": (["evaluate", "{model}", "{narrow}"], "['label']"),
    "resume with other settings": (["fit", "{csv}", "--resume", "{model}", "--epochs", "3",
                                    "--out", "{tmp}/m.pt"], "leave out epochs"),
    "resume a finished fit": (["fit", "{csv}", "--resume", "{model}", "--out", "{tmp}/m.pt"],
                              "Nothing to resume"),
    "an unknown identifier column": ([*FIT, "--id-column", "nope"], "id_columns names ['nope']"),
    "checkpoint folder is a file": ([*FIT, "--checkpoint", "{csv}/c.ckpt"], "cannot write"),
}


@pytest.mark.parametrize("args, fragment", BAD_USAGE.values(), ids=BAD_USAGE.keys())
def test_bad_usage_is_one_error_line_with_exit_status_2(args, fragment, fitted, files, tmp_path):
    (tmp_path / "garbage.csv").write_bytes(b"\x00\xff\xfe binary \x00" * 50)
    read(files / "people.csv").drop(columns="label").to_csv(tmp_path / "narrow.csv", index=False)
    places = dict(csv=files / "people.csv", model=fitted[1], tmp=tmp_path,
                  garbage=tmp_path / "garbage.csv", narrow=tmp_path / "narrow.csv")
    assert_usage_error(invoke(*[arg.format(**places) for arg in args]), fragment)


def test_parquet_without_pyarrow_says_how_to_get_it(files, tmp_path, monkeypatch):
    read(files / "people.csv").to_parquet(tmp_path / "people.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    assert_usage_error(invoke("fit", tmp_path / "people.parquet", "--out", tmp_path / "m.pt"),
                       "pip install 'synthaug[parquet]'")
    assert not (tmp_path / "m.pt").exists()


# ---------------------------------------------------------------- the installed command


def test_console_script_runs_fit_sample_evaluate_info(files, tmp_path):
    script = Path(sys.executable).with_name("synthaug")
    assert script.exists(), "the synthaug console script is not installed (pip install -e .)"

    def run(*args):
        return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)

    fit = run("fit", files / "people.csv", "--epochs", "1", "--batch-size", "200",
              "--out", "model.pt")
    assert fit.returncode == 0, fit.stderr
    assert "Saved model to model.pt" in fit.stdout and "quality (SDMetrics)" in fit.stdout
    sample = run("sample", "model.pt", "-n", "50", "--out", "synthetic.csv")
    assert sample.returncode == 0, sample.stderr
    assert len(pd.read_csv(tmp_path / "synthetic.csv")) == 50
    evaluate = run("evaluate", "model.pt", files / "people.csv", "--json", "report.json")
    assert evaluate.returncode == 0, evaluate.stderr
    assert json.loads((tmp_path / "report.json").read_text())["n_synthetic"] == 200
    info = run("info", "model.pt")
    assert info.returncode == 0 and "Data: 200 rows x 8 columns" in info.stdout
    assert "Fidelity at fit:\n  Fidelity of 200 synthetic vs 140 real rows" in info.stdout

    bad = run("sample", "model.pt", "-n", "5", "--condition", "city=Rome", "--out", "-")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].startswith("Error: ") and "'Rome'" in bad.stderr


# ---------------------------------------------------------------- images and standard input


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory):
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("digits")
    digits = load_digits()
    X, y = np.round(digits.images[:300] * 255 / 16).astype(np.uint8), digits.target[:300]
    np.savez(folder / "digits.npz", X=X, y=y)
    np.save(folder / "unlabelled.npy", X)
    result = invoke("fit", folder / "digits.npz", "--epochs", 1, "--batch-size", 100, "--seed", 0,
                    "--out", folder / "digits.pt")
    return folder, X, y, result


def test_image_model_fits_samples_and_shows_its_card(digit_files, tmp_path):
    folder, X, y, fit = digit_files
    assert succeeded(fit)
    assert "(300 images of 8x8 pixels, 1 channel, 1 epochs" in fit.stdout
    assert succeeded(invoke("sample", folder / "digits.pt", "-n", 20, "--class", 7,
                            "--out", tmp_path / "sevens.npz"))
    with np.load(tmp_path / "sevens.npz") as written:
        assert written["X"].shape == (20, 8, 8) and written["X"].dtype == np.uint8
        assert written["y"].tolist() == [7] * 20
    card = invoke("info", folder / "digits.pt")
    assert succeeded(card)
    for expected in ["Data: 300 images of 8x8 pixels, 1 channel",
                     "Classes (labels given separately as y): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9",
                     "image_model = 'sngan'", "History: 1 of 1 epochs"]:
        assert expected in card.stdout, expected


def test_image_model_evaluates_and_augments(digit_files, tmp_path):
    folder, X, y, _ = digit_files
    report = invoke("evaluate", folder / "digits.pt", folder / "digits.npz",
                    "--json", tmp_path / "report.json")
    assert succeeded(report) and "Image fidelity of 300 synthetic" in report.stdout
    assert json.loads((tmp_path / "report.json").read_text())["label_agreement"] is not None
    out = tmp_path / "augmented.npz"
    result = invoke("augment", folder / "digits.npz", "--strategy", "7=60", "--no-filter",
                    "--epochs", 1,
                    "--batch-size", 100, "--mark-synthetic", "synthetic", "--out", out)
    assert succeeded(result)
    with np.load(out) as written:
        extra = 60 - int(np.sum(y == 7))
        np.testing.assert_array_equal(written["X"][:300], X)  # the real images first, unchanged
        assert written["X"].shape == (300 + extra, 8, 8)
        assert np.sum(written["y"] == 7) == 60
        assert written["synthetic"].tolist() == [False] * 300 + [True] * extra
    assert f"7: {np.sum(y == 7)} -> 60" in result.stdout


def test_fit_resumes_from_a_checkpoint_what_a_crash_stopped(files, tmp_path, monkeypatch):
    table, path = read(files / "people.csv"), tmp_path / "run.ckpt"
    settings = dict(target_column="label", loss="bce", epochs=4, batch_size=100,
                    random_state=0, fidelity=False, device="cpu")
    whole = GANAugmenter(**settings).fit(table)
    with monkeypatch.context() as patch:  # a crash in epoch 3 (two steps an epoch)
        patch.setitem(losses.OBJECTIVES, "bce", bce_stopping(4, OSError("power cut")))
        with pytest.raises(OSError):
            GANAugmenter(**settings, checkpoint_path=path, checkpoint_every=2).fit(table)
    result = invoke("fit", files / "people.csv", "--resume", path, "--out", tmp_path / "m.pt")
    assert succeeded(result) and "4 epochs" in result.stdout
    assert_same_model(GANAugmenter.load(tmp_path / "m.pt", device="cpu"), whole)
    # Its checkpoint now holds the finished fit: nothing is left to resume.
    assert_usage_error(invoke("fit", files / "people.csv", "--resume", path,
                              "--out", tmp_path / "again.pt"), "Nothing to resume")


def test_fit_writes_checkpoints_into_a_new_folder(files, tmp_path):
    path = tmp_path / "runs" / "people.ckpt"
    result = invoke("fit", files / "people.csv", "--target", "label", *TINY, "--no-fidelity",
                    "--checkpoint", path, "--checkpoint-every", 1, "--out", tmp_path / "m.pt")
    assert succeeded(result)
    checkpoint = GANAugmenter.load(path, device="cpu")
    assert len(checkpoint.history_) == 2 and checkpoint.get_params()["checkpoint_every"] == 1


def test_fit_reads_a_csv_from_standard_input(files, tmp_path):
    text = (files / "people.csv").read_text()
    result = invoke("fit", "-", "--target", "label", *TINY, "--no-fidelity",
                    "--out", tmp_path / "m.pt", input=text)
    assert succeeded(result) and "(200 rows x 8 columns" in result.stdout
    model = GANAugmenter.load(tmp_path / "m.pt", device="cpu")
    assert model.schema_.column("joined").temporal  # ISO dates read as dates, as from a file


IMAGE_BAD_USAGE = {
    "target for images": (["fit", "{npz}", "--target", "y", "--out", "{tmp}/m.pt"], "--target"),
    "images to a csv": (["sample", "{model}", "-n", "3", "--out", "{tmp}/s.csv"], ".npz"),
    "a table for an image model": (["evaluate", "{model}", "{csv}"], "fit on images"),
    "augment images without labels": (["augment", "{npy}", "--out", "{tmp}/a.npz"], "labels"),
    "conditions for images": ([*SAMPLE[:1], "{model}", "-n", "3", "--condition", "a=1",
                               "--out", "{tmp}/s.npz"], "conditions= fixes columns of a table"),
    "augment a table without --target": (["augment", "{csv}", "--out", "-"], "--target"),
    "a table to a npz": (["sample", "{table_model}", "-n", "3", "--out", "{tmp}/s.npz"], ".csv"),
    "empty standard input": (["fit", "-", "--out", "{tmp}/m.pt"], "standard input"),
}


@pytest.mark.parametrize("args, fragment", IMAGE_BAD_USAGE.values(), ids=IMAGE_BAD_USAGE.keys())
def test_bad_image_usage_is_one_error_line_with_exit_status_2(args, fragment, digit_files, fitted,
                                                              files, tmp_path):
    folder = digit_files[0]
    places = dict(npz=folder / "digits.npz", npy=folder / "unlabelled.npy",
                  model=folder / "digits.pt", csv=files / "people.csv", tmp=tmp_path,
                  table_model=fitted[1])
    assert_usage_error(invoke(*[arg.format(**places) for arg in args], input=""), fragment)
