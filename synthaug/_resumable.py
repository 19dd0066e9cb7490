"""Where a fit stands, so that a later fit continues it exactly (warm starts, checkpoints, Ctrl-C).

The one training loop carries more than weights from one epoch to the next: the
optimisers' moments, the torch random stream every batch, condition, noise vector and
dropout mask is drawn from, and a count the image GAN keeps for its moving average.
A :class:`TrainingState` holds them as they were at the end of the last complete
epoch (a :class:`Snapshot`), with the history so far, the seed the training data was
encoded with (so that a continuation encodes the same rows the same way) and the
epoch the fit in progress runs to. The loop restores it when it starts, records it
after every good epoch and rolls back to it when an epoch diverges or is interrupted;
model files carry it as tensors plus JSON (:func:`to_file`, :func:`from_file`).
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

# Plain-number attributes a model changes while it trains, outside its state_dict (the
# image GAN counts its averaged steps: the average's decay ramps up with that count).
COUNTERS = ("average_steps",)
# Parameters that shape the networks or the encoding: a warm start keeps both, so they
# may not change between fits.
STRUCTURE = ("backbone", "embedding_dim", "generator_dim", "discriminator_dim", "pac",
             "pack_pooling",
             "image_model", "conv_width", "diff_augment", "ema_decay", "discrete_columns",
             "target_column", "id_columns")


@dataclass(frozen=True)
class Snapshot:
    """The loop's state at the end of epoch ``epoch`` (``weights``: in memory only)."""

    epoch: int
    optimizers: dict | None = None
    rng: dict | None = None
    counters: dict = field(default_factory=dict)
    weights: dict | None = None
    n_history: int = 0


@dataclass
class TrainingState:
    """What one fit hands to the next; see the module docstring.

    ``built_with`` holds the parameters of :data:`STRUCTURE` the networks were built
    with; ``until`` is the epoch the fit in progress runs to (``resume`` trains up to it).
    """

    encoding_seed: int | None = None
    built_with: dict = field(default_factory=dict)
    until: int = 0
    history: list = field(default_factory=list)
    point: Snapshot = field(default_factory=lambda: Snapshot(0))
    # Set when Ctrl-C stopped the fit (which then skips its fidelity report).
    interrupted: bool = False

    @property
    def epoch(self) -> int:
        """Epochs completed, over every fit of the model."""
        return self.point.epoch

    @property
    def can_roll_back(self) -> bool:
        return self.point.weights is not None

    def start(self, model: nn.Module, optimizers: dict) -> None:
        """Put the held optimiser states, random stream and counters into a fresh loop and,
        for a continuation, keep the starting point to roll back to."""
        point = self.point
        if point.optimizers is not None:
            for name, optimizer in optimizers.items():
                saved = point.optimizers[name]["param_groups"][0]
                if set(saved) != set(optimizer.param_groups[0]):
                    raise ValueError(
                        f"This fit trains with {type(optimizer).__name__}, but the state it "
                        "continues belongs to another optimiser (loss='wgan' trains with "
                        "RMSprop, the other losses with Adam). Keep a loss of the same "
                        "optimiser, or set warm_start=False to fit anew.")
                rates = [group["lr"] for group in optimizer.param_groups]
                # A copy: loading shares the tensors, which the optimiser updates in place.
                optimizer.load_state_dict(copy.deepcopy(point.optimizers[name]))
                for group, rate in zip(optimizer.param_groups, rates):
                    group["lr"] = rate  # this fit's learning rate, which may be a new one
        elif point.epoch:
            warnings.warn(
                f"This model holds no optimiser state (a model file written by save holds "
                f"none), so training continues from epoch {point.epoch} with fresh "
                "optimisers. Checkpoint files hold it (checkpoint_path).", UserWarning,
                stacklevel=5)
        if point.rng is not None:
            _set_rng(point.rng, _device(model))
        for name, value in point.counters.items():
            setattr(model, name, value)
        if point.epoch:
            self.record(model, optimizers, point.epoch)

    def record(self, model: nn.Module, optimizers: dict, epoch: int) -> None:
        """Keep the state at the end of ``epoch`` (after its history entry was appended)."""
        # Built whole, then assigned at once: an interrupt cannot leave half a snapshot.
        self.point = Snapshot(
            epoch,
            {name: copy.deepcopy(optimizer.state_dict()) for name, optimizer in optimizers.items()},
            _rng(_device(model)),
            {name: getattr(model, name) for name in COUNTERS if hasattr(model, name)},
            {k: v.detach().clone() for k, v in model.state_dict().items()},
            len(self.history))

    def roll_back(self, model: nn.Module) -> None:
        """Put the model and history back to the end of the last recorded epoch."""
        model.load_state_dict(self.point.weights)
        for name, value in self.point.counters.items():
            setattr(model, name, value)
        del self.history[self.point.n_history:]

    def settled(self) -> "TrainingState":
        """This state without the copy of the weights (the fitted model holds them)."""
        return dataclasses.replace(self, point=dataclasses.replace(self.point, weights=None))


def continuation(state: TrainingState, params: dict, resume: bool, fitted_kind: str,
                 kind: str) -> TrainingState:
    """A copy of ``state`` for a warm start (or a ``resume``) with ``params`` on data of
    ``kind`` to advance; ``state`` stays as it is if that fit fails.

    A warm start keeps the networks and the encoding: it refuses other kinds of data
    and parameters that would reshape them; a resume needs epochs left to train.
    """
    if kind != fitted_kind:
        what = {"table": "a table"}
        raise ValueError(f"warm_start=True continues a model of {what.get(fitted_kind, fitted_kind)};"
                         f" X is {what.get(kind, kind)}. Set warm_start=False to fit anew.")
    if resume and state.epoch >= state.until:
        raise ValueError(
            f"Nothing to resume: the fit this model comes from ran to its last epoch "
            f"({state.until}). To train more, set warm_start=True and call fit.")
    changed = {name: value for name, value in state.built_with.items()
               if _comparable(params[name]) != _comparable(value)}
    if changed:
        now = ", ".join(f"{name}={params[name]!r}" for name in changed)
        then = ", ".join(f"{name}={value!r}" for name, value in changed.items())
        raise ValueError(
            f"warm_start=True continues the fitted networks and encoding, which {then} "
            f"shaped; this fit has {now}. Set them back, or set warm_start=False to fit anew.")
    return dataclasses.replace(state, history=list(state.history), interrupted=False)


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _rng(device: torch.device) -> dict:
    """The torch random state the loop draws from (the CPU's, and the GPU's on CUDA)."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


# ---------------------------------------------------------------- files


def to_file(state: TrainingState) -> tuple[dict, dict]:
    """``state`` as JSON metadata and named CPU tensors (optimiser moments, random states)."""
    point, tensors = state.point, {}
    optimizers = None
    if point.optimizers is not None:
        optimizers = {}
        for name, saved in point.optimizers.items():
            values = {}
            for index, entries in saved["state"].items():
                for key, value in entries.items():
                    if isinstance(value, torch.Tensor):
                        tensors[f"optimizer.{name}.{index}.{key}"] = value.detach().cpu()
                    else:
                        values[f"{index}.{key}"] = value
            optimizers[name] = {"param_groups": saved["param_groups"], "values": values,
                                "tensors": sorted({f"{i}.{k}" for i, e in saved["state"].items()
                                                   for k, v in e.items()
                                                   if isinstance(v, torch.Tensor)})}
    for device, rng in (point.rng or {}).items():
        tensors[f"rng.{device}"] = rng.cpu()
    meta = {"encoding_seed": state.encoding_seed, "until": state.until, "epoch": point.epoch, "counters": point.counters,
            "optimizers": optimizers, "rng": sorted(point.rng or {})}
    return meta, tensors


def from_file(meta: dict, tensors: dict, history: list, built_with: dict) -> TrainingState:
    """The inverse of :func:`to_file`; ``history`` is the model file's, ``built_with`` its
    parameters of :data:`STRUCTURE` (a model file stores the parameters it was fit with)."""
    optimizers = None
    if meta["optimizers"] is not None:
        optimizers = {}
        for name, saved in meta["optimizers"].items():
            state: dict = {}
            for entry, value in [*saved["values"].items(),
                                 *((e, tensors[f"optimizer.{name}.{e}"]) for e in saved["tensors"])]:
                index, key = entry.split(".", 1)
                state.setdefault(int(index), {})[key] = value
            groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
                       for k, v in group.items()} for group in saved["param_groups"]]
            optimizers[name] = {"state": state, "param_groups": groups}
    rng = {device: tensors[f"rng.{device}"] for device in meta["rng"]} or None
    return TrainingState(meta["encoding_seed"], built_with, meta["until"], list(history),
                         Snapshot(meta["epoch"], optimizers, rng, meta["counters"],
                                  n_history=len(history)))
