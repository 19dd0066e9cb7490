"""The ``synthaug`` command: click commands over the public Python API.

Each command reads its input, calls :class:`~synthaug.GANAugmenter`, and prints or
writes the result. Defaults live in the library: an option left out is not passed
on. Mistakes in the input (a missing column, an unknown class, a file that cannot
be read) end with a one-line message and exit status 2, never a traceback.

Tables are CSV or Parquet, chosen by the file name's extension (``-`` reads CSV from
standard input); images are NumPy files: a ``.npz`` holding an array ``X`` of images
and, optionally, their labels ``y``, or a ``.npy`` of images alone. CSV has no types,
so a CSV is read with pandas' inferred dtypes, and text columns that hold only
ISO-8601 dates or datetimes (``2024-05-01``, ``2024-05-01T13:45:00+02:00``) are read
as datetimes. The model keeps a date column's resolution, so synthetic dates are
written back as dates and a CSV written by ``sample`` reads back with the dtypes
of the CSV it was fit on.
"""

from __future__ import annotations

import json
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from synthaug import GANAugmenter, TrainingDivergedError, __version__
from synthaug._distributed import is_main_process
from synthaug._runtime import library_versions
from synthaug.losses import OBJECTIVES

# The library's own defaults, quoted in --help (never passed on).
_DEFAULTS = GANAugmenter().get_params()
_PARQUET = (".parquet", ".pq")
_IMAGES = (".npz", ".npy")
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


@dataclass
class ImageSet:
    """Images read from a NumPy file: ``X`` and, from a .npz that has them, labels ``y``."""

    X: np.ndarray
    y: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.X)


def _read_images(path: Path) -> ImageSet:
    if path.suffix.lower() == ".npy":  # images alone
        return ImageSet(np.load(path, allow_pickle=False))
    with np.load(path, allow_pickle=False) as archive:
        if "X" not in archive.files:
            raise ValueError(f"a .npz of images holds an array X (and, optionally, labels y); "
                             f"this one holds {sorted(archive.files)}")
        return ImageSet(archive["X"], archive["y"] if "y" in archive.files else None)


class DataFile(click.ParamType):
    """A table (CSV or Parquet; ``-`` for CSV on standard input) or images (.npz, .npy) to
    read: the parameter's value is the DataFrame or the :class:`ImageSet`."""

    name = "data"

    def convert(self, value: Any, param, ctx) -> pd.DataFrame | ImageSet:
        if isinstance(value, (pd.DataFrame, ImageSet)):
            return value
        if value == "-":
            try:
                return _parse_dates(pd.read_csv(sys.stdin))
            except ValueError as error:  # pandas' parser errors, an empty input
                self.fail(f"cannot read standard input as a CSV table: {_one_line(error)}",
                          param, ctx)
        path = click.Path(exists=True, dir_okay=False, path_type=Path).convert(value, param, ctx)
        try:
            if path.suffix.lower() in _IMAGES:
                return _read_images(path)
            if _is_parquet(path):
                _require_pyarrow()
                return pd.read_parquet(path)
            return _parse_dates(pd.read_csv(path))
        except (OSError, ValueError) as error:  # pandas' parser errors are ValueErrors
            self.fail(f"cannot read {str(path)!r}: {_one_line(error)}", param, ctx)


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


class OutputData(OutputFile):
    """Where to write samples: a .csv (optionally compressed) or .parquet path, or - (CSV
    on standard output), for a table; a .npz path for images."""

    def convert(self, value: Any, param, ctx) -> str | Path:
        if value == "-":
            return value
        path = super().convert(value, param, ctx)
        if _is_parquet(path):
            _require_pyarrow()
        elif path.suffix.lower() != ".npz" and \
                ".csv" not in (suffix.lower() for suffix in path.suffixes):
            self.fail(f"{value!r} should end in .csv or .parquet for a table (or be - for CSV "
                      "on standard output), or in .npz for images.", param, ctx)
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


def write_data(data: pd.DataFrame | ImageSet, out: str | Path, **extra: np.ndarray) -> str:
    """Write a table (CSV or Parquet by extension; ``-`` is CSV on stdout) or images (a
    .npz with ``X``, ``y`` when there are labels, and ``extra`` arrays) to ``out``, and say
    where it went."""
    images = isinstance(data, ImageSet)
    if images != (out != "-" and out.suffix.lower() == ".npz"):
        raise click.BadParameter(
            "write images to a .npz file." if images else
            "a table goes to a .csv or .parquet file (or - for standard output), not .npz.",
            param_hint="--out")
    if images:
        with _writing(out, "--out"):
            np.savez_compressed(out, X=data.X, **({} if data.y is None else {"y": data.y}),
                                **extra)
        return str(out)
    frame = data.assign(**extra)
    if out == "-":
        click.echo(frame.to_csv(index=False), nl=False)
        return "standard output"
    with _writing(out, "--out"):
        if _is_parquet(out):
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
    return str(out)


def _as_data(model: GANAugmenter, result) -> pd.DataFrame | ImageSet:
    """``sample``'s result as one table or image set: a model fit with ``y`` gives ``(X,
    y)``; for a table, ``y`` becomes the last column (named after ``y``, else ``"y"``)."""
    X, y = result if isinstance(result, tuple) else (result, None)
    if _is_image_model(model):
        return ImageSet(X, y)
    if y is None:
        return pd.DataFrame(X)
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
    except (TrainingDivergedError, OSError) as error:  # OSError: writing a checkpoint
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
    except (ValueError, OSError) as error:  # not a model file, damaged, unreadable
        raise click.BadParameter(_one_line(error), param_hint="MODEL") from None


def _real(model: GANAugmenter, data, param_hint: str):
    """Real samples as ``(X, y)`` for ``model.evaluate``. Images: the image set's X and y.
    A table: X in the fitted column order and, for a model fit with separate labels, y
    from the one column the model does not know (as ``sample`` writes it)."""
    if _is_image_model(model) != isinstance(data, ImageSet):
        raise click.BadParameter(
            "is a table, but the model was fit on images (.npz or .npy)." if
            _is_image_model(model) else "holds images, but the model was fit on a table.",
            param_hint=param_hint)
    if isinstance(data, ImageSet):
        return data.X, data.y
    frame = data
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
        click.option("--id-column", "id_columns", multiple=True, metavar="COL",
                     help="A column of identifiers (repeatable): not modelled, and synthetic "
                          "rows get fresh values. Given at least once, exactly the listed "
                          "columns are identifiers [library default: columns of integers or "
                          "text with a distinct value in every row, found and named]."),
        click.option("--checkpoint", "checkpoint_path", type=OutputFile(), metavar="FILE",
                     help="Write a checkpoint here every --checkpoint-every epochs and at the "
                          "end; fit --resume FILE finishes an interrupted fit from it."),
        click.option("--checkpoint-every", type=int, metavar="N",
                     help="Epochs between checkpoints "
                          f"[library default: {_DEFAULTS['checkpoint_every']}]."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _augmenter(options: dict, **params) -> GANAugmenter:
    """A GANAugmenter with only the options the user gave (the library supplies the rest)."""
    given = _given(options)
    for name in ("discrete_columns", "id_columns"):
        if name in given:
            given[name] = list(given[name])
    return GANAugmenter(**given, **params)


def _given(options: dict) -> dict:
    """The training options the user gave."""
    return {name: value for name, value in options.items()
            if name != "quiet" and value not in (None, ())}


@contextmanager
def _fitting(model: GANAugmenter, options: dict):
    """Fit ``model`` in the block with a progress bar on a terminal (unless --quiet), and
    its library errors as one-line messages. The bar is for this run only: the model's
    stored parameters stay as the user gave them. A checkpoint's folder is made first."""
    if options["checkpoint_path"] is not None:
        with _writing(options["checkpoint_path"], "--checkpoint"):
            pass
    stored = model.verbose
    model.set_params(verbose=not options["quiet"] and sys.stderr.isatty())
    try:
        with _user_errors():
            yield
    finally:
        model.set_params(verbose=stored)


@main.command()
@click.argument("data", type=DataFile())
@click.option("--out", "-o", "model_path", required=True, metavar="MODEL", type=OutputFile(),
              help="Where to write the model file.")
@click.option("--target", metavar="COL",
              help="The label column: the model keeps it as a column and can make rows "
                   "of a chosen class (sample --class).")
@click.option("--resume", "resume_path", metavar="CHECKPOINT",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Finish the fit CHECKPOINT (written with --checkpoint) comes from, on the "
                   "same DATA, with the settings it was started with.")
@_training_options
def fit(data, model_path: Path, target: str | None, resume_path: Path | None,
        **options) -> None:
    """Fit a model on DATA (a .csv or .parquet table, or images in a .npz or .npy file)
    and save it as MODEL.

    Shows a progress bar on a terminal, then where the model went and how closely
    its synthetic rows match DATA. Images take their labels from the .npz's array y.
    Ctrl-C stops training at the last complete epoch and saves that model.
    Launched by torchrun, it trains data parallel, and rank 0 writes MODEL.

    \b
    Examples:
      synthaug fit adult.csv --target income --epochs 60 --out adult.pt
      synthaug fit digits.npz --epochs 100 --out digits.pt
      synthaug fit adult.csv --target income --checkpoint adult.ckpt --out adult.pt
      synthaug fit adult.csv --resume adult.ckpt --out adult.pt
      torchrun --nproc-per-node 2 -m synthaug fit adult.csv --target income --out adult.pt
    """
    images = isinstance(data, ImageSet)
    if images and target is not None:
        raise click.BadParameter("names a label column of a table; images take their "
                                 "labels from the .npz's array y.", param_hint="--target")
    X, y = (data.X, data.y) if images else (data, None)
    if resume_path is not None:
        settings = [name for name in _given(options) if name != "device"] + \
            ["target"] * (target is not None)
        if settings:
            raise click.BadParameter(f"finishes a fit with the settings it was started with; "
                                     f"leave out {', '.join(sorted(settings))}.",
                                     param_hint="--resume")
        model = _load(resume_path, options["device"])
        fitting = model.resume
    else:
        model = _augmenter(options, **({} if images or target is None
                                       else {"target_column": target}))
        fitting = model.fit
    with _fitting(model, options):
        fitting(X, y)
    with _writing(model_path, "--out"):
        model.save(model_path)  # under torchrun, rank 0 alone writes
    if not is_main_process():
        return
    seconds = sum(epoch["seconds"] for epoch in model.history_)
    click.echo(f"Saved model to {model_path} ({_describe(model, len(data))}, "
               f"{len(model.history_)} epochs in {seconds:.1f} s on {model.device_}).")
    if model.fidelity_ is not None:
        click.echo(model.fidelity_.summary())


def _is_image_model(model: GANAugmenter) -> bool:
    return hasattr(model, "image_shape_")


def _describe(model: GANAugmenter, n: int | None) -> str:
    """What a model was fit on: "N rows x K columns" or "N images of HxW pixels, C channels"."""
    if _is_image_model(model):
        height, width, channels = model.image_shape_
        count = "images" if n is None else f"{n} images"
        return f"{count} of {height}x{width} pixels, {channels} channel{'s' * (channels > 1)}"
    count = "rows not recorded" if n is None else f"{n} rows"
    return f"{count} x {model.n_features_in_} columns"


@main.command()
@click.argument("model_path", metavar="MODEL",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-n", "--rows", "n_samples", type=int, required=True, metavar="N",
              help="Rows (or images) to make.")
@click.option("--out", "-o", required=True, type=OutputData(),
              help="A .csv or .parquet file, or - for CSV on standard output; a .npz file "
                   "for images.")
@click.option("--class", "label", metavar="C", help="Make rows (or images) of this class only.")
@click.option("--condition", "conditions", multiple=True, metavar="COL=VALUE",
              callback=_conditions,
              help="Fix a column to a value in every row, or a numeric or date column to "
                   "a range LOW..HIGH (either end may be left out); repeatable.")
@click.option("--seed", "random_state", type=int,
              help="Seed for this draw [default: the model's own seed].")
@click.option("--device", metavar="auto|cpu|cuda", help="Where to run the model.")
def sample(model_path: Path, n_samples: int, out, label: str | None,
           conditions: list, random_state: int | None, device: str | None) -> None:
    """Make N synthetic rows (or images) with MODEL and write them to a file.

    Values on the command line are read as the fitted column's type, so
    --condition age_group=3 works for an integer column. A table model fit in Python
    with separate labels y writes them as a last column; an image model writes a .npz
    with the images as X and their labels as y.

    \b
    Examples:
      synthaug sample adult.pt -n 1000 --out synthetic.csv
      synthaug sample adult.pt -n 200 --class '>50K' --condition sex=Female --out - | head
      synthaug sample adult.pt -n 500 --condition age=30..40 --condition sex=Female -o a.csv
      synthaug sample digits.pt -n 100 --class 7 --out sevens.npz
    """
    model = _load(model_path, device)
    kwargs = {} if random_state is None else {"random_state": random_state}
    if label is not None:
        kwargs["y"] = label if model.classes_ is None else parse_value(
            label, model.classes_.dtype, model.classes_, what="the class", param_hint="--class")
    if conditions:
        columns = {column.name: column for column in getattr(model, "schema_").columns} \
            if not _is_image_model(model) else {}
        kwargs["conditions"] = {name: _condition(columns.get(name), name, text)
                                for name, text in conditions}
    with _user_errors():
        result = _as_data(model, model.sample(n_samples, **kwargs))
    where = write_data(result, out)
    _status(f"Wrote {len(result)} {'images' if _is_image_model(model) else 'rows'} to "
            f"{where}.", out)


def _condition(column, name: str, text: str) -> Any:
    """``--condition`` text as a value of the fitted column (as text for a column the
    model lacks, which the library names in its error); ``LOW..HIGH`` (either end may be
    left out) as a range of a continuous column."""
    if column is None:
        return text
    categories = getattr(column, "categories", None)
    if categories is None and ".." in text:
        return tuple(None if not end.strip() else parse_value(
            end.strip(), column.dtype, what=f"column {name!r}", param_hint="--condition")
            for end in text.split("..", 1))
    return parse_value(text, column.dtype, categories or (), what=f"column {name!r}",
                       param_hint="--condition")


def _strategy(values: tuple, labels: pd.Series) -> Any:
    """``--strategy`` as a sampling_strategy: a name, a float, or {class: rows} pairs."""
    if not values:
        return None
    if all("=" in value for value in values):
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
@click.argument("data", type=DataFile())
@click.option("--target", metavar="COL",
              help="The label column to balance (tables; images take their labels from the "
                   ".npz's array y).")
@click.option("--out", "-o", required=True, type=OutputData(),
              help="A .csv or .parquet file, or - for CSV on standard output; a .npz file "
                   "for images.")
@click.option("--strategy", multiple=True, metavar="STRATEGY",
              help="How many rows each class ends with, as imbalanced-learn's "
                   "sampling_strategy: auto, minority, 'not minority', 'not majority', all, a "
                   "float ratio (two classes), or CLASS=N (repeatable) "
                   f"[library default: {_DEFAULTS['sampling_strategy']}].")
@click.option("--mark-synthetic", metavar="COLNAME",
              help="Add a boolean column (for images: an array) of this name, true on "
                   "synthetic rows.")
@click.option("--filter/--no-filter", "filter_synthetic", default=None,
              help="Replace synthetic rows that a classifier of the real rows assigns to "
                   "another class (filter_synthetic) [library default: "
                   f"{_DEFAULTS['filter_synthetic']}: the validated amount tries both].")
@_training_options
def augment(data, target: str | None, out, strategy: tuple, mark_synthetic: str | None,
            filter_synthetic: bool, **options) -> None:
    """Fit on DATA and write DATA plus synthetic rows that balance its --target column.

    The real rows come first, unchanged and in order, then the synthetic ones. For
    images (a .npz with arrays X and y), the same with the images and their labels.

    \b
    Examples:
      synthaug augment adult.csv --target income --out adult_balanced.csv
      synthaug augment adult.csv --target income --strategy '>50K=20000' \\
          --mark-synthetic synthetic --out adult_more.parquet
      synthaug augment digits.npz --out digits_balanced.npz
    """
    images = isinstance(data, ImageSet)
    labels = _labels_to_balance(data, target)
    taken = {"X", "y"} if images else set(data.columns)
    if mark_synthetic is not None and mark_synthetic in taken:
        raise click.BadParameter(f"DATA already has {'an array' if images else 'a column'} "
                                 f"{mark_synthetic!r}.", param_hint="--mark-synthetic")
    sampling_strategy = _strategy(strategy, labels)
    params = {name: value for name, value in (("filter_synthetic", filter_synthetic),
                                              ("sampling_strategy", sampling_strategy))
              if value is not None}
    model = _augmenter(options, **params, **({} if images else {"target_column": target}))
    with _fitting(model, options):
        if images:
            augmented = ImageSet(*model.fit_resample(data.X, data.y))
            new_labels = pd.Series(augmented.y)
        else:
            augmented = model.fit_transform(data)
            new_labels = augmented[target]
    extra = {} if mark_synthetic is None else {mark_synthetic: np.arange(len(augmented))
                                               >= len(data)}
    where = write_data(augmented, out, **extra)
    before = labels.value_counts().to_dict()
    after = new_labels.value_counts().to_dict()
    counts = ", ".join(f"{label}: {before.get(label, 0)} -> {n}" for label, n in after.items())
    _status(f"Wrote {len(augmented)} {'images' if images else 'rows'} "
            f"({len(augmented) - len(data)} synthetic) to {where}; per class {counts}.", out)
    _status(model.augmentation_.summary(), out)
    if model.fidelity_ is not None:
        _status(model.fidelity_.summary(), out)


def _labels_to_balance(data, target: str | None) -> pd.Series:
    """The labels ``augment`` balances: the --target column of a table, an image set's y."""
    if isinstance(data, ImageSet):
        if target is not None:
            raise click.BadParameter("names a label column of a table; images take their "
                                     "labels from the .npz's array y.", param_hint="--target")
        if data.y is None:
            raise click.BadParameter("augmenting images needs their labels: a .npz with "
                                     "arrays X and y.", param_hint="DATA")
        return pd.Series(data.y)
    if target is None:
        raise click.UsageError("Missing option '--target' (the label column of the table).")
    return data[target] if target in data.columns else pd.Series(dtype=object)


@main.command()
@click.argument("model_path", metavar="MODEL",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=DataFile())
@click.option("--test", type=DataFile(), metavar="DATA",
              help="Real rows kept out of training, with the same columns: the test set of "
                   "the ML efficacy models and the baseline of the privacy numbers.")
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write comparison plots (PNG) to this folder.")
@click.option("--json", "json_path", type=OutputFile(), metavar="FILE",
              help="Write the report as JSON to this file.")
@click.option("--device", metavar="auto|cpu|cuda", help="Where to run the model.")
def evaluate(model_path: Path, data, test, plots: Path | None, json_path: Path | None,
             device: str | None) -> None:
    """Compare fresh synthetic rows (or images) of MODEL with the real ones in DATA.

    For a table, the fidelity report: SDMetrics quality and diagnostic scores, ML
    efficacy when the model knows a label, privacy (distance to the closest record) and
    mode-collapse signals. For images, the image fidelity report (Fréchet distance,
    precision and recall, label agreement, memorisation, missing modes).

    \b
    Examples:
      synthaug evaluate adult.pt adult.csv --test adult_test.csv --json fidelity.json
      synthaug evaluate digits.pt digits.npz
    """
    model = _load(model_path, device)
    X, y = _real(model, data, "DATA")
    X_test, y_test = (None, None) if test is None else _real(model, test, "--test")
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
    """Show the model card of MODEL: its data, training, history, fidelity, versions.

    \b
    Examples:
      synthaug info adult.pt
      synthaug info digits.pt
    """
    model = _load(model_path, "cpu")
    click.echo(_model_card(model, model_path))


def _model_card(model: GANAugmenter, path: Path) -> str:
    params = model.get_params()
    lines = [f"Model {path}", "", f"Data: {_describe(model, model.n_samples_fit_)}"]
    if not _is_image_model(model):
        columns = model.schema_.columns
        width = max(len(str(column.name)) for column in columns)
        joined = {name: joint.name for joint in model.schema_.joints for name in joint.name}
        for column in columns:
            categories = getattr(column, "categories", None)
            notes = ["continuous" if categories is None else f"discrete, {len(categories)} values",
                     str(column.dtype)]
            if column.has_missing:
                notes.append("has missing values")
            if column.name == params["target_column"]:
                notes.append("the label")
            if column.name in joined:
                others = [str(name) for name in joined[column.name] if name != column.name]
                notes.append(f"modelled together with {', '.join(others)}")
            lines.append(f"  {str(column.name):<{width}}  {', '.join(notes)}")
        if model.id_columns_:
            lines.append(f"Identifiers (not modelled; synthetic rows get fresh values): "
                         f"{', '.join(map(str, model.id_columns_))}")
    if model.classes_ is not None:
        source = "" if params["target_column"] is not None else " (labels given separately as y)"
        lines.append(f"Classes{source}: {', '.join(map(str, model.classes_.tolist()))}")

    lines += ["", "Training parameters:"]
    lines += [f"  {name} = {value!r}" for name, value in params.items()]

    history, plan = model.history_, model.training_plan_
    planned = params["epochs"] if plan is None else plan.start_epoch + plan.epochs
    lines += ["", f"History: {len(history)} of {planned} epochs in "
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

    installed = library_versions()
    saved = getattr(model, "saved_with_", {})
    unknown = [library for library in installed if library not in saved]
    lines += ["", "Saved with:          " + ", ".join(
        f"{library} {version}" for library, version in saved.items())
        + (f" ({', '.join(unknown)}: not recorded)" if unknown else "")]
    lines.append("Installed versions:  " + ", ".join(
        f"{library} {version}" for library, version in installed.items()))
    changed = [library for library in installed if library in saved
               and saved[library] != installed[library]]
    if changed:
        lines.append(f"  differ: {', '.join(changed)}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
