"""Work in a second process beside the caller's: how ``fit_resample`` trains the
validated choice's fold models while it trains the final model.

On a CPU a step of synthaug's small networks is mostly per-operation overhead, which
a second thread of the same process hardly shortens, while a second process on a core
of its own runs at full speed. Measured on 2 cores (1,000 Adult rows, 500 a step):
33.9 ms a step on 2 threads, 36.9 ms on 1, and 36.7 ms each for two fits at once, one
thread each. So two trainings side by side, a thread each, take little longer than
one. The worker is a loky process (joblib's): it does not re-run the caller's script
(no ``if __name__ == "__main__"`` guard is needed) and it is kept for the next call.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch
from joblib import cpu_count
from joblib.externals.loky import ProcessPoolExecutor

from synthaug._distributed import alone

try:  # what loky sends work with: joblib 1.5 and later depend on it, earlier ones bundle it
    import cloudpickle
except ImportError:  # pragma: no cover - joblib < 1.5
    from joblib.externals import cloudpickle

# Seconds an idle worker waits for more work before it exits.
IDLE_TIMEOUT = 300

# The worker, kept for the next call. Its own executor, not loky's reusable one: joblib
# keeps that one for its own Parallel calls and expects its own kind there (a plain one
# in its place broke every later Parallel(n_jobs=...) in the process).
_executor: ProcessPoolExecutor | None = None


def _worker() -> ProcessPoolExecutor:
    global _executor
    if _executor is None or _executor._flags.broken is not None or _executor._flags.shutdown:
        _executor = ProcessPoolExecutor(max_workers=1, timeout=IDLE_TIMEOUT,
                                        env={"OMP_NUM_THREADS": "1"})
    return _executor


def _stop_worker() -> None:
    """Kill the worker (its work is not wanted); the next call starts a fresh one."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=False, kill_workers=True)
        _executor = None


def _call(function: Callable, args: tuple, threads: int) -> Any:
    torch.set_num_threads(threads)
    return function(*args)


def _sendable(function: Callable, args: tuple) -> bool:
    """Whether ``function`` and ``args`` can go to another process (cloudpickle, as loky sends
    them: a class or function defined in a notebook or script goes by value)."""
    try:
        cloudpickle.dumps((function, args))
    except Exception:  # anything unpicklable (a lambda's closure over a lock, a generator...)
        return False
    return True


@contextmanager
def beside(function: Callable, *args, enabled: bool = True) -> Iterator[Callable[[], Any]]:
    """Run ``function(*args)`` in a worker process while the ``with`` block runs.

    Yields ``result()``, which waits for the worker and returns what ``function``
    returned (or raises what it raised). The worker runs on one thread and the caller,
    inside the block, on one thread fewer than before, restored after it. Where that
    cannot help or cannot work (``enabled`` false, fewer than two cores, arguments that
    cannot be sent), nothing starts and ``result()`` calls ``function(*args)`` itself.
    Results are the same either way: ``function`` must draw from its own seeds.

    Examples
    --------
    >>> from synthaug._background import beside
    >>> with beside(sum, [1, 2, 3]) as result:
    ...     pass   # the caller's own work
    >>> result()
    6
    """
    threads = torch.get_num_threads()
    if not (enabled and cpu_count() >= 2 and _sendable(function, args)):
        yield lambda: function(*args)
        return
    future = _worker().submit(_call, function, args, 1)

    def result() -> Any:
        try:
            return future.result()
        except BaseException:  # Ctrl-C while waiting: the worker's work is not wanted
            _stop_worker()
            raise

    torch.set_num_threads(max(1, threads - 1))
    try:
        yield result
    except BaseException:  # the block raised: no one will ask for the result
        _stop_worker()
        raise
    finally:
        torch.set_num_threads(threads)


def side_by_side_allowed(device: torch.device) -> bool:
    """Whether a fit on ``device`` may share the machine with a worker: on a CPU, in one
    process alone (a data-parallel rank already has its share of the cores)."""
    return device.type == "cpu" and alone()
