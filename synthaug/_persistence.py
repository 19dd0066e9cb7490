"""Model files: tensors plus JSON metadata, versioned, integrity-checked, never pickled code.

A file is what ``torch.save`` writes for ``{"metadata": str, "state": {name: tensor}}``
and is read back with ``torch.load(weights_only=True)``, which refuses anything but
tensors and plain containers. The metadata is JSON: the estimator's parameters, the
modality's encodings and layouts, the history, the training plan and the fidelity
report, and a SHA-256 checksum of every tensor, checked on load.

Formats:

- 3 (this release): the modality's part under ``"data"`` (its ``kind`` names it),
  class labels given as ``y`` apart from the table's columns, checksums, the training plan.
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
import pickle
import zipfile
from numbers import Integral
from pathlib import Path

import torch

from synthaug import __version__
from synthaug._json import from_json, to_json
from synthaug._kinds import BY_NAME
from synthaug._runtime import resolve_device, seeded
from synthaug._training import TrainingPlan

FORMAT = "synthaug.GANAugmenter"
FORMAT_VERSION = 3
# Name of the hidden label column of format 1 and 2 files.
_LEGACY_LABEL = "__synthaug_label__"


def save(estimator, path: str | os.PathLike) -> None:
    """Write a fitted ``estimator`` to ``path`` (see the module docstring)."""
    params = _params_to_json(estimator.get_params())
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot save the model to {os.fspath(path)!r}: the folder "
                                f"{str(folder)!r} does not exist.")
    state = {k: v.detach().cpu() for k, v in estimator.network_.state_dict().items()}
    data = estimator._modality
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "synthaug_version": __version__,
        "torch_version": torch.__version__,
        "params": params,
        "data": {"kind": data.name, **data.to_dict()},
        "history": estimator.history_,
        "n_samples_fit": estimator.n_samples_fit_,
        "training_plan": None if estimator.training_plan_ is None
        else dataclasses.asdict(estimator.training_plan_),
        "fidelity": None if estimator.fidelity_ is None else estimator.fidelity_.to_dict(),
        "checksums": {name: _checksum(tensor) for name, tensor in state.items()},
    }
    try:
        torch.save({"metadata": json.dumps(metadata), "state": state}, path)
    except RuntimeError as error:  # torch reports a file it cannot open as a RuntimeError
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"Cannot save the model to {os.fspath(path)!r}: the folder "
                                  f"{str(folder)!r} is not writable.") from None
        raise OSError(f"Cannot save the model to {os.fspath(path)!r}: {error}") from None


def load(cls, path: str | os.PathLike, device: str | torch.device):
    """A fitted ``cls`` (GANAugmenter) from a file written by :func:`save`."""
    name = os.fspath(path)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, KeyError,
            ValueError) as error:
        raise ValueError(f"{name!r} is not a synthaug model file (it cannot be read as one: "
                         f"{type(error).__name__}).") from None
    if not isinstance(blob, dict) or "metadata" not in blob or "state" not in blob:
        raise ValueError(f"{name!r} is not a synthaug model file.")
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
    for tensor_name, expected in meta.get("checksums", {}).items():
        tensor = blob["state"].get(tensor_name)
        if tensor is None or _checksum(tensor) != expected:
            raise ValueError(f"{name!r} is damaged: tensor {tensor_name!r} does not match the "
                             "checksum saved with it. Save the model again.")
    params = _params_from_json(meta["params"])
    data = meta["data"] if version >= 3 else _upgrade(meta, params)
    modality = BY_NAME[data["kind"]].from_dict(data)
    estimator = cls(**{**params, "device": device})
    device = resolve_device(device)
    with seeded(0, device):  # the initial weights are overwritten: leave the global RNG alone
        network = modality.network(params)(device)
    network.load_state_dict(blob["state"])
    plan = meta.get("training_plan")
    fidelity = meta.get("fidelity")
    estimator._set_fitted(
        modality, network.eval(), device, meta["history"], meta.get("n_samples_fit"),
        None if plan is None else TrainingPlan(**plan),
        None if fidelity is None else modality.report_from_dict(fidelity))
    return estimator


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
    if isinstance(params["sampling_strategy"], dict):
        params["sampling_strategy"] = {"pairs": [[to_json(k), v] for k, v in
                                                 params["sampling_strategy"].items()]}
    if params["discrete_columns"] is not None:
        params["discrete_columns"] = [to_json(c) for c in params["discrete_columns"]]
    return params


def _params_from_json(params: dict) -> dict:
    params = dict(params, generator_dim=tuple(params["generator_dim"]),
                  discriminator_dim=tuple(params["discriminator_dim"]),
                  target_column=from_json(params["target_column"]))
    if isinstance(params["sampling_strategy"], dict):
        params["sampling_strategy"] = {from_json(k): v
                                       for k, v in params["sampling_strategy"]["pairs"]}
    if params["discrete_columns"] is not None:
        params["discrete_columns"] = [from_json(c) for c in params["discrete_columns"]]
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
