"""Data parallel training on the CPU with gloo and two processes: launched by torchrun
from the command line, and in processes of a user's own (``torch.multiprocessing``)
that set torchrun's environment variables and call ``GANAugmenter.fit``."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from synthaug import GANAugmenter
from synthaug._conditioning import Condition
from synthaug._distributed import process_group
from synthaug._training import TrainingPlan, train
from synthaug.losses import OBJECTIVES

WORLD = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(worker, *args) -> None:
    """Run ``worker(rank, port, *args)`` in WORLD spawned processes (a failure in one is
    raised here)."""
    mp.start_processes(worker, args=(_free_port(), *args), nprocs=WORLD, start_method="spawn")


def _join(rank: int, port: int) -> None:
    """torchrun's environment for rank ``rank``, one thread per process."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(WORLD),
                      RANK=str(rank), LOCAL_RANK=str(rank), OMP_WAIT_POLICY="PASSIVE")
    torch.set_num_threads(1)


def _table(n: int = 240) -> pd.DataFrame:
    rng = np.random.RandomState(0)
    return pd.DataFrame({"height": np.r_[rng.normal(150, 5, n // 2), rng.normal(185, 5, n // 2)],
                         "colour": rng.choice(["red", "green", "blue"], n),
                         "label": rng.choice(["yes", "no"], n, p=[0.3, 0.7])})


# ---------------------------------------------------------------- torchrun -m synthaug fit


def test_torchrun_fit_trains_on_two_processes_and_writes_one_model(tmp_path):
    data = tmp_path / "data.csv"
    _table().to_csv(data, index=False)
    model = tmp_path / "model.pt"
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc-per-node={WORLD}", "-m", "synthaug", "fit", str(data), "--target", "label",
         "--epochs", "2", "--batch-size", "100", "--seed", "0", "--no-fidelity", "-q",
         "--out", str(model)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    assert run.returncode == 0, run.stderr
    # Rank 0 alone writes and reports; no temporary file of a second writer is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "model.pt"]
    assert run.stdout.count("Saved model to") == 1
    aug = GANAugmenter.load(model, device="cpu")
    plan = aug.training_plan_
    assert (plan.world_size, plan.batch_size, plan.steps_per_epoch) == (WORLD, 100, 3)
    assert len(aug.history_) == 2
    rows = aug.sample(30, random_state=0)
    assert list(rows.columns) == ["height", "colour", "label"]
    assert set(rows["colour"]) <= {"red", "green", "blue"}


# ---------------------------------------------------------------- a user's script


def _fit_worker(rank: int, port: int, folder: str) -> None:
    _join(rank, port)
    small = dict(epochs=2, embedding_dim=16, generator_dim=(32, 32), discriminator_dim=(32, 32),
                 pac=5, fidelity=False, target_column="label")
    # Refused on every rank alike, before training: 4 rows per process is no pack of 5.
    with pytest.raises(ValueError, match=r"batch of 5 rows \(batch_size\) over 2 processes "
                                         r"leaves 2 rows per process, and each needs a "
                                         r"multiple of 5 \(pac"):
        GANAugmenter(batch_size=8, **small).fit(_table())  # 8 is 5 rows in packs of 5
    # random_state=None: the seeds and the encoding must still be rank 0's everywhere.
    aug = GANAugmenter(batch_size=60, **small).fit(_table())
    aug.save(os.path.join(folder, f"saved-by-{rank}.pt"))
    torch.save({k: v.clone() for k, v in aug.network_.state_dict().items()},
               os.path.join(folder, f"weights-{rank}.pt"))
    # Images train through the same loop: their weights end identical too.
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = GANAugmenter(epochs=1, batch_size=64, embedding_dim=16, conv_width=8,
                          fidelity=False).fit(digits.images[:128], digits.target[:128])
    torch.save({k: v.clone() for k, v in images.network_.state_dict().items()},
               os.path.join(folder, f"image-weights-{rank}.pt"))
    with open(os.path.join(folder, f"fit-{rank}.json"), "w") as f:
        json.dump({"schema": aug.schema_.to_dict(), "history": [
            {k: v for k, v in h.items() if k != "seconds"} for h in aug.history_],
            "plan": [aug.training_plan_.world_size, aug.training_plan_.batch_size],
            "rows": aug.sample(40, random_state=0).to_json()}, f)
    dist.destroy_process_group()


def test_ranks_share_the_encoding_and_end_with_identical_weights(tmp_path):
    _launch(_fit_worker, str(tmp_path))
    fits = [json.loads((tmp_path / f"fit-{r}.json").read_text()) for r in range(WORLD)]
    weights = [torch.load(tmp_path / f"weights-{r}.pt", weights_only=True) for r in range(WORLD)]
    image_weights = [torch.load(tmp_path / f"image-weights-{r}.pt", weights_only=True)
                     for r in range(WORLD)]
    # With random_state=None, ranks fitting their own encodings would differ in the
    # mixture fitted to `height`, and unsynchronised gradients in the weights.
    assert fits[0]["schema"] == fits[1]["schema"]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
    for name in image_weights[0]:
        assert torch.equal(image_weights[0][name], image_weights[1][name]), name
    assert fits[0]["history"] == fits[1]["history"]
    assert fits[0]["rows"] == fits[1]["rows"]
    assert fits[0]["plan"] == [WORLD, 60]  # 30 rows per rank and step, a multiple of pac
    # save on every rank writes one file, rank 0's; it loads and samples as the fit did.
    assert sorted(p.name for p in tmp_path.glob("saved-by-*")) == ["saved-by-0.pt"]
    loaded = GANAugmenter.load(tmp_path / "saved-by-0.pt", device="cpu")
    assert loaded.sample(40, random_state=0).to_json() == fits[0]["rows"]


# ---------------------------------------------------------------- one step, two ways


class _Tiny(nn.Module):
    """A GANModel without randomness or batch norm, so that a step depends on the
    batch alone: a linear generator of the condition vector, an MLP critic."""

    sample_batch = 64

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.generator = nn.Linear(4, 3)
            self.discriminator = nn.Sequential(nn.Linear(7, 8), nn.LeakyReLU(0.2),
                                               nn.Linear(8, 1))

    def generate(self, condition):
        fake = torch.tanh(self.generator(condition.vector))
        return fake, 0.1 * (fake ** 2).mean()

    def discriminate(self, samples, condition):
        return self.discriminator(torch.cat([samples, condition.vector], dim=1))

    def update_average(self):
        pass

    def sample(self, condition):
        return self.generate(condition)[0]


GLOBAL_BATCH, STEPS = 8, 3
LOSSES = ("bce", "hinge", "wgan")  # wgan: five critic steps, RMSprop, weight clipping


def _global_batches() -> list:
    """Fixed (real, condition) global batches, one per draw of the loop."""
    g = torch.Generator().manual_seed(1)
    return [(torch.rand(GLOBAL_BATCH, 3, generator=g) * 2 - 1,
             torch.randn(GLOBAL_BATCH, 4, generator=g)) for _ in range(STEPS * 5)]


def _one_epoch(loss: str, world_size: int, rank: int, group=None) -> dict:
    """``STEPS`` steps of the one training loop on this rank's share of each global batch."""
    model, batches, drawn = _Tiny(), _global_batches(), iter(range(10**6))
    objective = OBJECTIVES[loss]

    def draw(batch_size):
        real, vector = batches[next(drawn)]
        part = slice(rank * batch_size, (rank + 1) * batch_size)
        codes = torch.zeros(batch_size, 1, dtype=torch.long)
        return real[part], Condition(vector[part], codes, torch.ones_like(codes, dtype=torch.bool))

    plan = TrainingPlan(loss=loss, epochs=1, steps_per_epoch=STEPS, batch_size=GLOBAL_BATCH,
                        generator_lr=1e-2, discriminator_lr=1e-2,
                        discriminator_steps=objective.discriminator_steps, world_size=world_size)
    history = train(model, draw, objective, plan, **({} if group is None else {"group": group}))
    return {"history": [{k: v for k, v in h.items() if k != "seconds"} for h in history],
            "parameters": {k: v.detach().clone() for k, v in model.named_parameters()},
            # The last backward pass's gradients of each network, as the optimisers took them.
            "gradients": {k: v.grad.clone() for k, v in model.named_parameters()}}


def _step_worker(rank: int, port: int, folder: str) -> None:
    _join(rank, port)
    group = process_group(torch.device("cpu"))
    assert (group.world_size, group.rank) == (WORLD, rank)
    results = {loss: _one_epoch(loss, WORLD, rank, group) for loss in LOSSES}
    torch.save(results, os.path.join(folder, f"steps-{rank}.pt"))
    dist.destroy_process_group()


def test_a_data_parallel_step_equals_one_process_on_the_global_batch(tmp_path):
    _launch(_step_worker, str(tmp_path))
    ranks = [torch.load(tmp_path / f"steps-{r}.pt", weights_only=True) for r in range(WORLD)]
    for loss in LOSSES:
        alone = _one_epoch(loss, 1, 0)
        for rank in ranks:
            mine = rank[loss]
            for name, expected in alone["gradients"].items():
                # Rounding error: the same sums in another order, three steps on; it scales
                # with the tensor's largest gradient (measured up to 5e-6 of it), where an
                # all-reduce that sums or skips a rank is off by a factor.
                torch.testing.assert_close(mine["gradients"][name], expected, rtol=1e-5,
                                           atol=2e-5 * float(expected.abs().max()),
                                           msg=f"{loss} gradient {name}")
            # Adam scales each gradient element by its own size, so one that is nearly zero
            # turns rounding into a visible step: a tenth of one step (lr 1e-2) is allowed,
            # where gradients summed, not averaged, or left local would differ by steps.
            for name, expected in alone["parameters"].items():
                torch.testing.assert_close(mine["parameters"][name], expected, rtol=0,
                                           atol=1e-3, msg=f"{loss} parameter {name}")
            for got, expected in zip(mine["history"], alone["history"]):
                assert got.keys() == expected.keys()
                for key in expected:
                    assert got[key] == pytest.approx(expected[key], rel=1e-3, abs=1e-6), (loss, key)


@pytest.mark.gpu
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices (NCCL)")
def test_torchrun_fit_on_two_gpus_with_nccl_writes_one_model(tmp_path):
    data = tmp_path / "data.csv"
    _table().to_csv(data, index=False)
    model = tmp_path / "model.pt"
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
         "-m", "synthaug", "fit", str(data), "--target", "label", "--epochs", "2",
         "--batch-size", "100", "--seed", "0", "--device", "cuda", "--no-fidelity", "-q",
         "--out", str(model)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "model.pt"]
    aug = GANAugmenter.load(model, device="cpu")
    assert aug.training_plan_.world_size == 2
    assert len(aug.sample(20, random_state=0)) == 20
