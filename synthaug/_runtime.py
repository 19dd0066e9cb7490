"""Seeds, devices and versions: where the package's random streams and tensors live, and
which libraries it runs on.

Every random draw in synthaug comes from ``check_random_state(random_state)`` (NumPy),
turned into seeds by :func:`new_seed`, or from torch inside :func:`seeded`; never from
the caller's global state.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.utils import check_random_state

from synthaug import __version__

# Seeds are drawn below 2**31 - 1 so that every library takes them (NumPy's legacy
# RandomState and scikit-learn want 32-bit seeds).
_SEED_BOUND = 2**31 - 1


def new_seed(rng: np.random.RandomState) -> int:
    """A fresh integer seed drawn from ``rng``, for a library call or a torch stream."""
    return int(rng.randint(_SEED_BOUND))


def seed_of(random_state) -> int:
    """The seed an estimator's ``random_state`` (int, RandomState or None) stands for.

    An int always gives the same seed, so a seeded estimator samples the same rows on
    every call; ``None`` gives a fresh one each time.
    """
    return new_seed(check_random_state(random_state))


@contextmanager
def seeded(seed: int, device: torch.device):
    """Seed torch for the block without touching the caller's global RNG state."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"``: CUDA when available, else the CPU; other values are checked."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a device; use 'auto', 'cpu' or 'cuda'.") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available here; use 'auto' or 'cpu'.")
    return resolved


def library_versions() -> dict:
    """The versions of synthaug and of the libraries its models depend on, as installed."""
    return {"synthaug": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "scikit-learn": sklearn.__version__}
