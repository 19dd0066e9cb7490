"""Data parallel training: the processes one fit runs in, and what they share.

Launched by ``torchrun`` (or any launcher that sets ``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``), or inside a process group the
caller initialised, ``GANAugmenter.fit`` trains data parallel; it initialises the
default process group itself when there is none (gloo on a CPU, NCCL on CUDA, each
process on GPU ``LOCAL_RANK``). What the processes (ranks) share:

- **The encoding**, fitted once: rank 0 fits it and sends it to the others as the JSON
  a model file holds (no pickled objects), so every rank encodes alike.
- **The seeds** drawn from ``random_state`` (rank 0's, so ``random_state=None`` works)
  and the networks' starting weights (rank 0's).
- **The gradients**: after each backward pass, those of the network that steps are
  averaged over the ranks with one all-reduce (as StyleGAN2's training loop does,
  rather than DDP wrappers, which support neither the gradient penalty's double
  backward nor a generator step through a frozen critic). Every rank then takes the
  same optimiser step, and the weights stay identical.
- **The epoch's losses**, averaged once per epoch, so that the history and the
  divergence check agree; buffers (batch-norm running statistics, spectral norms'
  power-iteration vectors, the moving average's copies) follow rank 0's, broadcast
  once per epoch (DDP broadcasts them every step).

Each rank draws its own batches of ``batch_size // world_size`` rows (a multiple of
``pac`` for tables) from the whole training set, with its own random stream seeded
from the shared one and its rank: the global batch is ``batch_size`` and an epoch is
as many steps as in one process. Within a rank's step everything is local:

- **Batch norm** (the tabular and image generators) normalises each rank's local
  batch, as DDP does without ``SyncBatchNorm``: a step equals one process's step on
  the global batch split into ``world_size`` groups for its batch statistics (ghost
  batch norm). Sampling never uses those statistics: after training, every kind of
  data recomputes them from the sampling generator's own outputs.
- **The gradient penalty** is computed per rank on its local interpolates; it is a
  mean over packs, so the averaged gradient is that of the penalty over the global
  batch.
- **PacGAN packing** packs rows within a rank's local batch (``pac`` consecutive rows
  of the same rank).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Group:
    """The processes one fit trains in: ``world_size`` ranks, this one being ``rank``
    (``LOCAL_RANK`` on its machine). ``world_size == 1``: this process alone, and every
    method is a no-op that draws nothing, so a single process trains as it always has."""

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def parallel(self) -> bool:
        return self.world_size > 1

    @property
    def writes_files(self) -> bool:
        """Whether this rank writes model files and checkpoints (rank 0 only)."""
        return self.rank == 0

    # ---------------------------------------------------------------- before training

    def device(self, device: torch.device) -> torch.device:
        """A CUDA device without an index becomes this rank's GPU (``LOCAL_RANK``)."""
        if self.parallel and device.type == "cuda" and device.index is None:
            return torch.device("cuda", self.local_rank)
        return device

    def local_batch(self, batch_size: int, multiple: int) -> int:
        """The rows each rank draws per step: its share of ``batch_size``, a multiple of
        ``multiple`` (the critic's pack size)."""
        local = batch_size // self.world_size
        local -= local % multiple
        if local == 0:
            raise ValueError(
                f"A batch of {batch_size} rows (batch_size) over {self.world_size} processes "
                f"leaves {batch_size // self.world_size} rows per process, and each needs a "
                f"multiple of {multiple} (pac, the rows the critic judges together); raise "
                "batch_size or lower pac, or launch fewer processes.")
        return local

    def shared_seeds(self, seeds: list[int]) -> list[int]:
        """Rank 0's ``seeds`` on every rank."""
        if not self.parallel:
            return seeds
        found = torch.tensor(seeds, dtype=torch.int64, device=_wire())
        dist.broadcast(found, 0)
        return [int(s) for s in found.tolist()]

    def fitted_once(self, fit: Callable[[], object], kind) -> object:
        """``fit()`` on rank 0 (a fitted modality); the other ranks get it through its
        ``to_dict`` JSON and ``kind.from_dict``. An error on rank 0 is raised there and
        ends the others with a ``RuntimeError`` rather than leaving them waiting."""
        if not self.parallel:
            return fit()
        fitted, text = None, ""
        if self.rank == 0:
            try:
                fitted = fit()
                text = json.dumps(fitted.to_dict())
            finally:
                text = self._broadcast_text(text)  # "" tells the others it failed
            return fitted
        text = self._broadcast_text(text)
        if not text:
            raise RuntimeError("Rank 0 could not fit the encoding; its error says why.")
        return kind.from_dict(json.loads(text))

    def _broadcast_text(self, text: str) -> str:
        data = torch.frombuffer(bytearray(text.encode()), dtype=torch.uint8) if text \
            else torch.zeros(0, dtype=torch.uint8)
        size = torch.tensor([len(data)], dtype=torch.int64, device=_wire())
        dist.broadcast(size, 0)
        buffer = data.to(_wire()) if self.rank == 0 else \
            torch.empty(int(size.item()), dtype=torch.uint8, device=_wire())
        if size.item():
            dist.broadcast(buffer, 0)
        return bytes(buffer.cpu().numpy()).decode()

    # ---------------------------------------------------------------- training

    def start(self, model: nn.Module) -> None:
        """Rank 0's weights and buffers on every rank, then a random stream of this rank's
        own, seeded from the stream so far (the same on every rank) and the rank."""
        if not self.parallel:
            return
        with torch.no_grad():
            for tensor in model.state_dict().values():
                dist.broadcast(tensor, 0)
        base = int(torch.randint(2**62, ()).item())
        # SeedSequence mixes the two well: nearby (base, rank) pairs give unrelated streams.
        state = np.random.SeedSequence([base, self.rank]).generate_state(2, np.uint32)
        torch.manual_seed(int(state[0]) << 31 | int(state[1]) >> 1)

    def average_gradients(self, module: nn.Module) -> None:
        """Average the gradients of ``module``'s parameters over the ranks, in one
        all-reduce of them all, flattened."""
        if not self.parallel:
            return
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world_size
        for grad, part in zip(grads, flat.split([g.numel() for g in grads])):
            grad.copy_(part.view_as(grad))

    def average(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` averaged over the ranks (the epoch's loss sums)."""
        if not self.parallel:
            return tensor
        tensor = tensor.clone()
        dist.all_reduce(tensor)
        return tensor / self.world_size

    def broadcast_buffers(self, model: nn.Module) -> None:
        """Rank 0's buffers on every rank."""
        if not self.parallel:
            return
        with torch.no_grad():
            for buffer in model.buffers():
                dist.broadcast(buffer, 0)


SINGLE = Group()


def alone() -> bool:
    """Whether this process trains alone: no initialised process group, and no launcher
    (``torchrun``) that set ``WORLD_SIZE`` above 1."""
    initialised = dist.is_available() and dist.is_initialized()
    return not initialised and (int(os.environ.get("WORLD_SIZE", 1)) <= 1
                                or not dist.is_available())


def process_group(device: torch.device) -> Group:
    """The group this process trains in on ``device``.

    An initialised default process group is used as it is; otherwise ``WORLD_SIZE`` above
    1 (as ``torchrun`` sets it) initialises one from the environment, with NCCL when
    ``device`` is CUDA (on GPU ``LOCAL_RANK``) and gloo on a CPU. Anything else is one
    process alone.

    Examples
    --------
    >>> import torch
    >>> from synthaug._distributed import process_group
    >>> process_group(torch.device("cpu")).world_size   # not launched by torchrun
    1
    """
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if alone():
        return SINGLE
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    world_size, rank = dist.get_world_size(), dist.get_rank()
    return SINGLE if world_size == 1 else Group(world_size, rank, local_rank)


def is_main_process() -> bool:
    """Whether this process is rank 0 of an initialised process group, or alone."""
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def _wire() -> torch.device:
    """Where collective calls' small tensors live: NCCL needs them on this rank's GPU."""
    return (torch.device("cuda", torch.cuda.current_device())
            if dist.get_backend() == "nccl" else torch.device("cpu"))
