"""Model files: tensors plus JSON metadata, versioned, integrity-checked, never pickled code.

A file is what ``torch.save`` writes for ``{"metadata": str, "state": {name: tensor}}``
and is read back with ``torch.load(weights_only=True)``, which refuses anything but
tensors and plain containers. The metadata is JSON: the estimator's parameters, the
modality's encodings and layouts, the history, the training plan, the fidelity
report, the versions of the libraries it was saved with, and a SHA-256 checksum of
every tensor; the blob holds a SHA-256 checksum of the metadata itself. Both are
checked on load. A file is written to a temporary file beside it and then renamed,
so an interrupted save leaves no half-written file behind.

A checkpoint (written every ``checkpoint_every`` epochs while a fit runs, and at its
end) is a model file that also holds the fit's training state (optimiser states,
the torch random state, the epoch; :mod:`synthaug._resumable`) as tensors under
``"training"``; a model file written by ``save`` holds that state without its tensors.

Formats:

- 3 (this release): the modality's part under ``"data"`` (its ``kind`` names it),
  class labels given as ``y`` apart from the table's columns, checksums, the training plan.
  Added since, each optional so that earlier format 3 files load: the metadata checksum,
  ``"versions"``, ``"training_state"`` and a table's ``"identifiers"``.
- 2: image models; the label given as ``y`` was a hidden last column of the table
  schema, named ``"__synthaug_label__"``; images kept their label in a one-column schema.
- 1: tables only, laid out as format 2.

Files of formats 1 and 2 load and sample as they did (:func:`_upgrade`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
from numbers import Integral
from pathlib import Path
from typing import Callable

import torch

from synthaug import __version__
from synthaug._json import from_json, to_json
from synthaug._kinds import BY_NAME
from synthaug._modality import Modality
from synthaug._resumable import STRUCTURE, Snapshot, TrainingState, from_file, to_file
from synthaug._runtime import library_versions, resolve_device, seeded
from synthaug._training import GANModel, TrainingPlan

FORMAT = "synthaug.GANAugmenter"
FORMAT_VERSION = 3
# Name of the hidden label column of format 1 and 2 files.
_LEGACY_LABEL = "__synthaug_label__"


def save(estimator, path: str | os.PathLike, *, training: bool = False) -> None:
    """Write a fitted ``estimator`` to ``path``; with ``training``, as a checkpoint (with the
    optimiser states and the random state its training state holds)."""
    write(path, _params_to_json(estimator.get_params()), estimator._modality,
          estimator.network_, estimator._training_state, estimator.n_samples_fit_,
          estimator.training_plan_, estimator.fidelity_, training)


def checkpoints(path: str | os.PathLike, every: int, params: dict, data: Modality,
                n_samples: int, plan: TrainingPlan) -> Callable[[GANModel, TrainingState], None]:
    """The training loop's ``on_epoch``: a checkpoint every ``every`` epochs of the model, up
    to (not at) the end of the fit, where the estimator writes the fitted model's."""
    params = _params_to_json(params)  # refuses what JSON cannot hold before training starts
    folder_of(path)

    def on_epoch(network: GANModel, state: TrainingState) -> None:
        if state.epoch % every == 0 and state.epoch < state.until:
            write(path, params, data, network, state, n_samples, plan, None, True)

    return on_epoch


def write(path: str | os.PathLike, params: dict, data: Modality, network: GANModel,
          state: TrainingState, n_samples: int | None, plan: TrainingPlan | None, fidelity,
          training: bool) -> None:
    """Write a model file (see the module docstring); ``params`` as JSON already."""
    folder = folder_of(path)
    weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
    if not training:  # the optimiser and random states are tensors only checkpoints keep
        state = dataclasses.replace(state, point=Snapshot(state.epoch,
                                                          counters=state.point.counters))
    progress, tensors = to_file(state)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "synthaug_version": __version__,
        "torch_version": torch.__version__,
        "versions": library_versions(),
        "params": params,
        "data": {"kind": data.name, **data.to_dict()},
        "history": state.history,
        "n_samples_fit": n_samples,
        "training_plan": None if plan is None else dataclasses.asdict(plan),
        "fidelity": None if fidelity is None else fidelity.to_dict(),
        "training_state": progress,
        "checksums": _checksums(weights),
        "training_checksums": _checksums(tensors),
    }
    text = json.dumps(metadata)
    blob = {"metadata": text, "checksum": _text_checksum(text), "state": weights,
            "training": tensors}
    # Opened as the target would be (the user's umask sets its permissions), beside it so
    # that the rename stays on one file system.
    temporary = folder / f".{Path(path).name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "xb") as file:
            torch.save(blob, file)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def folder_of(path: str | os.PathLike) -> Path:
    """The folder a model file goes to, which must exist and be writable."""
    folder = Path(path).absolute().parent
    if Path(path).is_dir():
        raise IsADirectoryError(f"Cannot save the model to {os.fspath(path)!r}: it is a "
                                "folder; name a file in it.")
    if not folder.exists():
        raise FileNotFoundError(f"Cannot save the model to {os.fspath(path)!r}: the folder "
                                f"{str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise NotADirectoryError(f"Cannot save the model to {os.fspath(path)!r}: "
                                 f"{str(folder)!r} is a file, not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"Cannot save the model to {os.fspath(path)!r}: the folder "
                              f"{str(folder)!r} is not writable.")
    return folder


def load(cls, path: str | os.PathLike, device: str | torch.device):
    """A fitted ``cls`` (GANAugmenter) from a file written by :func:`save`."""
    name = os.fspath(path)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    # Not a torch file, or a damaged one: a truncated file is an OSError (EINVAL), and a
    # damaged pickle stream fails with whatever the unpickler met (IndexError, TypeError...).
    except Exception as error:
        raise ValueError(f"{name!r} is not a synthaug model file, or it is damaged (it cannot "
                         f"be read as one: {type(error).__name__}).") from None
    if not isinstance(blob, dict) or "metadata" not in blob or "state" not in blob:
        raise ValueError(f"{name!r} is not a synthaug model file.")
    if "checksum" in blob and _text_checksum(blob["metadata"]) != blob["checksum"]:
        raise ValueError(f"{name!r} is damaged: its metadata does not match the checksum saved "
                         "with it. Save the model again.")
    try:
        meta = json.loads(blob["metadata"])
    except (TypeError, ValueError):
        raise ValueError(f"{name!r} is not a synthaug model file (its metadata is not JSON).") \
            from None
    version = meta.get("format_version", 0)
    if meta.get("format") != FORMAT or not 1 <= version <= FORMAT_VERSION:
        raise ValueError(
            f"{name!r} holds format {meta.get('format')!r} version {version}; this synthaug "
            f"({__version__}) reads {FORMAT!r} up to version {FORMAT_VERSION}."
        )
    training = blob.get("training", {})
    _verify(name, blob["state"], meta.get("checksums", {}))
    _verify(name, training, meta.get("training_checksums", {}))
    params = _params_from_json(meta["params"])
    data = meta["data"] if version >= 3 else _upgrade(meta, params)
    params = {**{name: values[data["kind"]] for name, values in _ADDED.items()}, **params}
    modality = BY_NAME[data["kind"]].from_dict(data)
    estimator = cls(**{**params, "device": device})
    params = estimator.get_params()  # with today's defaults for what older files lack
    device = resolve_device(device)
    with seeded(0, device):  # the initial weights are overwritten: leave the global RNG alone
        network = modality.network(params)(device)
    network.load_state_dict(blob["state"])
    plan = meta.get("training_plan")
    fidelity = meta.get("fidelity")
    built_with = {name: params[name] for name in STRUCTURE if name in params}
    progress = meta.get("training_state")
    history = meta["history"]
    state = TrainingState(None, built_with, len(history), list(history),
                          Snapshot(len(history), n_history=len(history))) if progress is None \
        else from_file(progress, training, history, built_with)
    estimator._set_fitted(
        modality, network.eval(), device, state, meta.get("n_samples_fit"),
        None if plan is None else TrainingPlan(**plan),
        None if fidelity is None else modality.report_from_dict(fidelity))
    estimator.saved_with_ = meta.get("versions") or {
        library: meta[key] for library, key in (("synthaug", "synthaug_version"),
                                                ("torch", "torch_version")) if key in meta}
    return estimator


def _checksums(tensors: dict) -> dict:
    return {name: _checksum(tensor) for name, tensor in tensors.items()}


def _verify(name: str, tensors: dict, checksums: dict) -> None:
    """Refuse a file whose tensors do not match the checksums saved with them."""
    for tensor_name, expected in checksums.items():
        tensor = tensors.get(tensor_name)
        if tensor is None or _checksum(tensor) != expected:
            raise ValueError(f"{name!r} is damaged: tensor {tensor_name!r} does not match the "
                             "checksum saved with it. Save the model again.")


def _text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _checksum(tensor: torch.Tensor) -> str:
    """SHA-256 of a tensor's bytes (its dtype and shape are checked by loading the state)."""
    return hashlib.sha256(tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest()


def _params_to_json(params: dict) -> dict:
    if callable(params["sampling_strategy"]):
        raise ValueError("save() stores parameters as JSON and cannot store a callable "
                         "sampling_strategy; set a dict or a string first.")
    if not (params["random_state"] is None or isinstance(params["random_state"], Integral)):
        raise ValueError("save() can store random_state only as an int or None.")
    params = dict(params, device=str(params["device"]), target_column=to_json(params["target_column"]))
    if params["checkpoint_path"] is not None:
        params["checkpoint_path"] = os.fspath(params["checkpoint_path"])
    if isinstance(params["id_columns"], (list, tuple)):
        params["id_columns"] = [to_json(c) for c in params["id_columns"]]
    if isinstance(params["sampling_strategy"], dict):
        params["sampling_strategy"] = {"pairs": [[to_json(k), v] for k, v in
                                                 params["sampling_strategy"].items()]}
    if params["discrete_columns"] is not None:
        params["discrete_columns"] = [to_json(c) for c in params["discrete_columns"]]
    return params


# Parameters newer than some files, with the value that reproduces what such a file
# holds, per kind of data (tables were fit without a moving average or marginal maps,
# with mixture-encoded numbers and CTGAN's concatenated-pack critic).
_ADDED = {"ema_decay": {"table": None, "images": "auto"},
          "match_marginals": {"table": False, "images": True},
          "continuous_encoding": {"table": "mixture", "images": "quantile"},
          "joint_columns": {"table": False, "images": True},
          "pack_pooling": {"table": False, "images": True}}


def _params_from_json(params: dict) -> dict:
    params = dict(params, generator_dim=tuple(params["generator_dim"]),
                  discriminator_dim=tuple(params["discriminator_dim"]),
                  target_column=from_json(params["target_column"]))
    if isinstance(params["sampling_strategy"], dict):
        params["sampling_strategy"] = {from_json(k): v
                                       for k, v in params["sampling_strategy"]["pairs"]}
    if params["discrete_columns"] is not None:
        params["discrete_columns"] = [from_json(c) for c in params["discrete_columns"]]
    if isinstance(params.get("id_columns"), list):
        params["id_columns"] = [from_json(c) for c in params["id_columns"]]
    return params


def _upgrade(meta: dict, params: dict) -> dict:
    """The ``"data"`` part of a format 3 file, from a format 1 or 2 file's metadata."""
    columns = meta["schema"]["columns"]
    legacy_label = from_json(meta["label_column"]) == _LEGACY_LABEL
    if meta.get("backbone", "mlp") == "conv":  # format 1 files hold tables only
        return {"kind": "images", "layout": meta["layout"], "conditions": meta["conditions"],
                "label": columns[0] if legacy_label else None,
                "label_layout": meta["label_layout"], "image_model": params["image_model"]}
    return {"kind": "table", "layout": meta["layout"], "conditions": meta["conditions"],
            "schema": {"columns": columns[:-1] if legacy_label else columns,
                       "label": columns[-1] if legacy_label else None},
            "target_column": to_json(params["target_column"]),
            "label_layout": meta["label_layout"]}
