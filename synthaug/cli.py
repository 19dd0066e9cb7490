"""The ``synthaug`` command: click commands over the public Python API.

Each command reads its input, calls :class:`~synthaug.GANAugmenter`, and prints or
writes the result. Defaults live in the library: an option left out is not passed
on. Mistakes in the input (a missing column, an unknown class, a file that cannot
be read) end with a one-line message and exit status 2, never a traceback.

Tables are CSV or Parquet, chosen by the file name's extension. CSV has no types,
so a CSV is read with pandas' inferred dtypes, and text columns that hold only
ISO-8601 dates or datetimes (``2024-05-01``, ``2024-05-01T13:45:00+02:00``) are read
as datetimes. The model keeps a date column's resolution, so synthetic dates are
written back as dates and a CSV written by ``sample`` reads back with the dtypes
of the CSV it was fit on.
"""

from __future__ import annotations

import json
import pickle
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
import sklearn
import torch
from pandas.api import types as ptypes

from synthaug import GANAugmenter, TrainingDivergedError, __version__
from synthaug.losses import OBJECTIVES

# The library's own defaults, quoted in --help (never passed on).
_DEFAULTS = GANAugmenter().get_params()
_PARQUET = (".parquet", ".pq")
_ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


# ---------------------------------------------------------------- tables


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in _PARQUET


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise click.UsageError(
            "Parquet files need pyarrow: pip install 'synthaug[parquet]' (or pyarrow), "
            "or use a .csv file."
        ) from None


def _parse_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns holding only ISO-8601 dates or datetimes, as datetimes.

    A column with one UTC offset keeps it; one with several (daylight saving time)
    is read in UTC. Columns with an impossible date (2024-13-45) stay text.
    """
    for name in frame.columns[frame.dtypes == object]:
        if not frame[name].dropna().astype(str).str.fullmatch(_ISO_DATE).all():
            continue
        for utc in (False, True):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pandas 2 warns on mixed offsets
                    parsed = pd.to_datetime(frame[name], format="ISO8601", utc=utc)
            except ValueError:  # not a calendar date, out of range, or (pandas 3) mixed offsets
                continue
            if ptypes.is_datetime64_any_dtype(parsed.dtype):
                frame[name] = parsed
                break
    return frame


class TableFile(click.ParamType):
    """A CSV or Parquet file to read: the parameter's value is the DataFrame."""

    name = "table"

    def convert(self, value: Any, param, ctx) -> pd.DataFrame:
        if isinstance(value, pd.DataFrame):
            return value
        path = click.Path(exists=True, dir_okay=False, path_type=Path).convert(value, param, ctx)
        try:
            if _is_parquet(path):
                _require_pyarrow()
                return pd.read_parquet(path)
            return _parse_dates(pd.read_csv(path))
        except (OSError, ValueError) as error:  # pandas' parser errors are ValueErrors
            self.fail(f"cannot read {str(path)!r} as a table: {_one_line(error)}", param, ctx)


class OutputFile(click.ParamType):
    """A file to write, checked before any work: its folder may not exist yet (it is
    made), but it must not lie under a file."""

    name = "file"

    def convert(self, value: Any, param, ctx) -> Path:
        path = Path(value)
        if path.is_dir():
            self.fail(f"{value!r} is a folder.", param, ctx)
        folder = next(parent for parent in path.absolute().parents if parent.exists())
        if not folder.is_dir():
            self.fail(f"cannot write {value!r}: {str(folder)!r} is a file.", param, ctx)
        return path


class OutputTable(OutputFile):
    """Where to write a table: a .csv (optionally compressed) or .parquet path, or -."""

    def convert(self, value: Any, param, ctx) -> str | Path:
        if value == "-":
            return value
        path = super().convert(value, param, ctx)
        if _is_parquet(path):
            _require_pyarrow()
        elif ".csv" not in (suffix.lower() for suffix in path.suffixes):
            self.fail(f"{value!r} should end in .csv or .parquet (or be - for CSV on "
                      "standard output).", param, ctx)
        return path


def _status(message: str, out: str | Path) -> None:
    """A message for the user: on stderr when the table itself goes to stdout."""
    click.echo(message, err=out == "-")


@contextmanager
def _writing(path: Path, param_hint: str):
    """Create ``path``'s folder; a path that cannot be written is a usage error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as error:
        raise click.BadParameter(f"cannot write {str(path)!r}: {_one_line(error)}",
                                 param_hint=param_hint) from None


def write_table(frame: pd.DataFrame, out: str | Path) -> str:
    """Write ``frame`` to ``out`` (CSV or Parquet by extension; ``-`` is CSV on stdout)
    and say where it went."""
    if out == "-":
        click.echo(frame.to_csv(index=False), nl=False)
        return "standard output"
    with _writing(out, "--out"):
        if _is_parquet(out):
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
    return str(out)


def _as_table(result) -> pd.DataFrame:
    """One table from ``sample``'s result: a model fit with ``y`` gives ``(X, y)``,
    and ``y`` becomes the last column (named after ``y``, else ``"y"``)."""
    if not isinstance(result, tuple):
        return pd.DataFrame(result)
    X, y = result
    name = y.name if isinstance(y, pd.Series) and y.name is not None else "y"
    table = pd.DataFrame(X)
    if name in table.columns:
        raise click.ClickException(f"The label and a column of the model are both named {name!r}.")
    table.insert(len(table.columns), name, pd.Series(y).array)  # keeps the label's dtype
    return table


# ---------------------------------------------------------------- values and errors


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


@contextmanager
def _user_errors():
    """The library's ValueErrors (bad input) as one-line usage errors (exit status 2)."""
    try:
        yield
    except ValueError as error:
        raise click.UsageError(_one_line(error)) from None
    except TrainingDivergedError as error:
        raise click.ClickException(_one_line(error)) from None


def parse_value(text: str, dtype: Any, known=(), *, what: str, param_hint: str) -> Any:
    """A command-line string as a value of ``dtype`` (a fitted column's or the label's).

    Numbers, booleans (true/false, yes/no, 1/0) and datetimes are converted; text is
    matched against the ``known`` values by its string form (for columns of mixed
    Python objects), else kept as text. Whether the value was seen in training is the
    library's check.
    """
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if ptypes.is_bool_dtype(dtype):
        if text.strip().lower() in _BOOLEANS:
            return _BOOLEANS[text.strip().lower()]
    elif ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        return next((value for value in known if str(value) == text), text)
    else:
        try:
            return pd.Series([text]).astype(dtype).iloc[0]
        except (ValueError, TypeError):
            pass
    raise click.BadParameter(f"{text!r} is not a {dtype} value, as {what} needs.",
                             param_hint=param_hint)


def _pair(item: str, form: str, param_hint: str) -> tuple[str, str]:
    """``KEY=VALUE`` as (key, value)."""
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected {form}, got {item!r}.", param_hint=param_hint)
    return key, text


def _conditions(ctx, param, values: tuple) -> list[tuple[str, str]]:
    return [_pair(item, "COL=VALUE", "--condition") for item in values]


def _load(path: Path, device: str | None) -> GANAugmenter:
    try:
        return GANAugmenter.load(path, **({} if device is None else {"device": device}))
    except ValueError as error:
        raise click.BadParameter(_one_line(error), param_hint="MODEL") from None
    except (RuntimeError, KeyError, EOFError, OSError, pickle.UnpicklingError) as error:
        raise click.BadParameter(
            f"{str(path)!r} is not a synthaug model file ({_one_line(error)}).",
            param_hint="MODEL") from None


def _split_label(model: GANAugmenter, frame: pd.DataFrame, param_hint: str):
    """Real rows as ``(X, y)`` for ``model.evaluate``: X in the fitted column order and, for
    a model fit with separate labels, y from the one column the model does not know
    (as ``sample`` writes it)."""
    if not hasattr(model, "feature_names_in_"):
        return frame, None
    features = list(model.feature_names_in_)
    missing = [name for name in features if name not in frame.columns]
    extra = [name for name in frame.columns if name not in features]
    if missing:
        raise click.BadParameter(f"lacks the model's columns {missing}.", param_hint=param_hint)
    labelled = model.classes_ is not None and model.get_params()["target_column"] is None
    if len(extra) > labelled:
        raise click.BadParameter(f"has columns the model was not fit on: {extra}.",
                                 param_hint=param_hint)
    return frame[features], frame[extra[0]] if extra else None


# ---------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthaug")
def main() -> None:
    """Fit conditional GANs on tables, make synthetic rows, augment data sets.

    \b
    A session:
      synthaug fit train.csv --target label --out model.pt
      synthaug sample model.pt -n 1000 --class yes --out synthetic.csv
      synthaug evaluate model.pt train.csv
      synthaug info model.pt
    """


def _training_options(command):
    """The options that configure training, shared by ``fit`` and ``augment``."""
    options = [
        click.option("--discrete", "discrete_columns", multiple=True, metavar="COL",
                     help="A numeric column to treat as discrete (repeatable). Given at least "
                          "once, exactly the listed numeric columns are discrete; text, "
                          "boolean and category columns always are."),
        click.option("--epochs", type=int,
                     help=f"Passes over the data [library default: {_DEFAULTS['epochs']}]."),
        click.option("--batch-size", type=int,
                     help=f"Rows per step [library default: {_DEFAULTS['batch_size']}]."),
        click.option("--loss", type=click.Choice(sorted(OBJECTIVES)),
                     help=f"Adversarial objective [library default: {_DEFAULTS['loss']}]."),
        click.option("--device", metavar="auto|cpu|cuda",
                     help=f"Where to train [library default: {_DEFAULTS['device']}]."),
        click.option("--seed", "random_state", type=int,
                     help="Seed for reproducible training and sampling."),
        click.option("--fidelity/--no-fidelity", default=None,
                     help="Compare synthetic with training rows after fitting (a few seconds) "
                          f"[library default: {'on' if _DEFAULTS['fidelity'] else 'off'}]."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _augmenter(options: dict, **params) -> GANAugmenter:
    """A GANAugmenter with only the options the user gave (the library supplies the rest)."""
    given = {name: value for name, value in options.items() if value not in (None, ())}
    if "discrete_columns" in given:
        given["discrete_columns"] = list(given["discrete_columns"])
    if not given.pop("quiet", False) and sys.stderr.isatty():
        given["verbose"] = True
    return GANAugmenter(**given, **params)


@main.command()
@click.argument("data", type=TableFile())
@click.option("--out", "-o", "model_path", required=True, metavar="MODEL", type=OutputFile(),
              help="Where to write the model file.")
@click.option("--target", metavar="COL",
              help="The label column: the model keeps it as a column and can make rows "
                   "of a chosen class (sample --class).")
@_training_options
def fit(data: pd.DataFrame, model_path: Path, target: str | None, **options) -> None:
    """Fit a model on DATA (a .csv or .parquet table) and save it as MODEL.

    Shows a progress bar on a terminal, then where the model went and how closely
    its synthetic rows match DATA.

    \b
    Example:
      synthaug fit adult.csv --target income --epochs 60 --out adult.pt
    """
    model = _augmenter(options, **({} if target is None else {"target_column": target}))
    with _user_errors():
        model.fit(data)
    with _writing(model_path, "--out"):
        model.save(model_path)
    seconds = sum(epoch["seconds"] for epoch in model.history_)
    click.echo(f"Saved model to {model_path} ({len(data)} rows x {data.shape[1]} columns, "
               f"{len(model.history_)} epochs in {seconds:.1f} s on {model.device_}).")
    if model.fidelity_ is not None:
        click.echo(model.fidelity_.summary())


@main.command()
@click.argument("model_path", metavar="MODEL",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-n", "--rows", "n_samples", type=int, required=True, metavar="N",
              help="Rows to make.")
@click.option("--out", "-o", required=True, type=OutputTable(),
              help="A .csv or .parquet file, or - for CSV on standard output.")
@click.option("--class", "label", metavar="C", help="Make rows of this class only.")
@click.option("--condition", "conditions", multiple=True, metavar="COL=VALUE",
              callback=_conditions,
              help="Fix a discrete column to a value in every row (repeatable).")
@click.option("--seed", "random_state", type=int,
              help="Seed for this draw [default: the model's own seed].")
@click.option("--device", metavar="auto|cpu|cuda", help="Where to run the model.")
def sample(model_path: Path, n_samples: int, out, label: str | None,
           conditions: list, random_state: int | None, device: str | None) -> None:
    """Make N synthetic rows with MODEL and write them to a table.

    Values on the command line are read as the fitted column's type, so
    --condition age_group=3 works for an integer column. A model fit in Python with
    separate labels y writes them as a last column.

    \b
    Examples:
      synthaug sample adult.pt -n 1000 --out synthetic.csv
      synthaug sample adult.pt -n 200 --class '>50K' --condition sex=Female --out - | head
    """
    model = _load(model_path, device)
    kwargs = {} if random_state is None else {"random_state": random_state}
    if label is not None:
        kwargs["y"] = label if model.classes_ is None else parse_value(
            label, model.classes_.dtype, model.classes_, what="the class", param_hint="--class")
    if conditions:
        columns = {column.name: column for column in model.schema_.columns}
        kwargs["conditions"] = {
            name: text if name not in columns else parse_value(
                text, columns[name].dtype, getattr(columns[name], "categories", ()),
                what=f"column {name!r}", param_hint="--condition")
            for name, text in conditions
        }
    with _user_errors():
        rows = _as_table(model.sample(n_samples, **kwargs))
    where = write_table(rows, out)
    _status(f"Wrote {len(rows)} rows to {where}.", out)


def _strategy(values: tuple, data: pd.DataFrame, target: str) -> Any:
    """``--strategy`` as a sampling_strategy: a name, a float, or {class: rows} pairs."""
    if not values:
        return None
    if all("=" in value for value in values):
        labels = data[target] if target in data.columns else pd.Series(dtype=object)
        pairs = [_pair(value, "CLASS=N", "--strategy") for value in values]
        return {parse_value(key, labels.dtype, pd.unique(labels), what="--target",
                            param_hint="--strategy"): _count(count) for key, count in pairs}
    if len(values) > 1:
        raise click.BadParameter("give one name or float, or CLASS=N pairs.",
                                 param_hint="--strategy")
    try:
        return float(values[0])
    except ValueError:
        return values[0]


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number of rows.",
                                 param_hint="--strategy") from None


@main.command()
@click.argument("data", type=TableFile())
@click.option("--target", required=True, metavar="COL", help="The label column to balance.")
@click.option("--out", "-o", required=True, type=OutputTable(),
              help="A .csv or .parquet file, or - for CSV on standard output.")
@click.option("--strategy", multiple=True, metavar="STRATEGY",
              help="How many rows each class ends with, as imbalanced-learn's "
                   "sampling_strategy: auto, minority, 'not minority', 'not majority', all, a "
                   "float ratio (two classes), or CLASS=N (repeatable) "
                   f"[library default: {_DEFAULTS['sampling_strategy']}].")
@click.option("--mark-synthetic", metavar="COLNAME",
              help="Add a boolean column of this name, true on synthetic rows.")
@click.option("--filter/--no-filter", "filter_synthetic",
              default=_DEFAULTS["filter_synthetic"], show_default=True,
              help="Replace synthetic rows that a classifier of the real rows assigns to "
                   "another class (filter_synthetic).")
@_training_options
def augment(data: pd.DataFrame, target: str, out, strategy: tuple,
            mark_synthetic: str | None, filter_synthetic: bool, **options) -> None:
    """Fit on DATA and write DATA plus synthetic rows that balance its --target column.

    The real rows come first, unchanged and in order, then the synthetic ones.

    \b
    Examples:
      synthaug augment adult.csv --target income --out adult_balanced.csv
      synthaug augment adult.csv --target income --strategy '>50K=20000' \\
          --mark-synthetic synthetic --out adult_more.parquet
    """
    if mark_synthetic is not None and mark_synthetic in data.columns:
        raise click.BadParameter(f"DATA already has a column {mark_synthetic!r}.",
                                 param_hint="--mark-synthetic")
    sampling_strategy = _strategy(strategy, data, target)
    model = _augmenter(options, target_column=target, filter_synthetic=filter_synthetic, **(
        {} if sampling_strategy is None else {"sampling_strategy": sampling_strategy}))
    with _user_errors():
        augmented = model.fit_transform(data)
    if mark_synthetic is not None:
        augmented[mark_synthetic] = augmented.index >= len(data)
    where = write_table(augmented, out)
    before = data[target].value_counts().to_dict()
    after = augmented[target].value_counts().to_dict()
    counts = ", ".join(f"{label}: {before.get(label, 0)} -> {n}" for label, n in after.items())
    _status(f"Wrote {len(augmented)} rows ({len(augmented) - len(data)} synthetic) to "
            f"{where}; rows per class {counts}.", out)
    if model.fidelity_ is not None:
        _status(model.fidelity_.summary(), out)


@main.command()
@click.argument("model_path", metavar="MODEL",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=TableFile())
@click.option("--test", type=TableFile(), metavar="DATA",
              help="Real rows kept out of training, with the same columns: the test set of "
                   "the ML efficacy models and the baseline of the privacy numbers.")
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write comparison plots (PNG) to this folder.")
@click.option("--json", "json_path", type=OutputFile(), metavar="FILE",
              help="Write the report as JSON to this file.")
@click.option("--device", metavar="auto|cpu|cuda", help="Where to run the model.")
def evaluate(model_path: Path, data: pd.DataFrame, test: pd.DataFrame | None,
             plots: Path | None, json_path: Path | None, device: str | None) -> None:
    """Compare fresh synthetic rows of MODEL with the real rows in DATA.

    The fidelity report: SDMetrics quality and diagnostic scores, ML efficacy when
    the model knows a label, privacy (distance to the closest record) and
    mode-collapse signals.

    \b
    Example:
      synthaug evaluate adult.pt adult.csv --test adult_test.csv --json fidelity.json
    """
    model = _load(model_path, device)
    X, y = _split_label(model, data, "DATA")
    X_test, y_test = (None, None) if test is None else _split_label(model, test, "--test")
    with _user_errors():
        report = model.evaluate(X, y, X_test=X_test, y_test=y_test)
    click.echo(report.summary())
    if json_path is not None:
        with _writing(json_path, "--json"):
            json_path.write_text(json.dumps(report.to_dict(), indent=2))
        click.echo(f"Wrote the report to {json_path}.")
    if plots is not None:
        try:
            with _writing(plots, "--plots"):
                written = report.plot(plots)
        except ImportError as error:  # matplotlib is an optional extra
            raise click.UsageError(_one_line(error)) from None
        click.echo(f"Wrote plots: {', '.join(written)}.")


@main.command()
@click.argument("model_path", metavar="MODEL",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def info(model_path: Path) -> None:
    """Show the model card of MODEL: columns, training, history, fidelity, versions.

    \b
    Example:
      synthaug info adult.pt
    """
    model = _load(model_path, "cpu")
    click.echo(_model_card(model, model_path))


def _model_card(model: GANAugmenter, path: Path) -> str:
    params = model.get_params()
    rows = "rows not recorded" if model.n_samples_fit_ is None else f"{model.n_samples_fit_} rows"
    lines = [f"Model {path}", "", f"Data: {rows} x {model.n_features_in_} columns"]
    # The fitted columns come first in the schema; a separate label y comes last.
    features = model.schema_.columns[: model.n_features_in_]
    width = max(len(str(column.name)) for column in features)
    for column in features:
        categories = getattr(column, "categories", None)
        notes = ["continuous" if categories is None else f"discrete, {len(categories)} values",
                 str(column.dtype)]
        if column.has_missing:
            notes.append("has missing values")
        if column.name == params["target_column"]:
            notes.append("the label")
        lines.append(f"  {str(column.name):<{width}}  {', '.join(notes)}")
    if model.classes_ is not None:
        source = "" if params["target_column"] is not None else " (labels given separately as y)"
        lines.append(f"Classes{source}: {', '.join(map(str, model.classes_.tolist()))}")

    lines += ["", "Training parameters:"]
    lines += [f"  {name} = {value!r}" for name, value in params.items()]

    history = model.history_
    lines += ["", f"History: {len(history)} of {params['epochs']} epochs in "
                  f"{sum(epoch['seconds'] for epoch in history):.1f} s"]
    if history:
        last = history[-1]
        lines.append(f"  last epoch losses: discriminator {last['discriminator_loss']:.4f}, "
                     f"generator {last['generator_loss']:.4f}, "
                     f"condition {last['condition_loss']:.4f}")

    if model.fidelity_ is None:
        lines += ["", "Fidelity at fit: not stored (fit with fidelity=False)"]
    else:
        lines += ["", "Fidelity at fit:"]
        lines += ["  " + line for line in model.fidelity_.summary().splitlines()]

    lines += ["", f"Installed versions: synthaug {__version__}, torch {torch.__version__}, "
                  f"pandas {pd.__version__}, scikit-learn {sklearn.__version__}"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
