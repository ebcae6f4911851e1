"""Where the stacks of one :func:`pwcore.training.train_runs` call are trained.

The stacks of a call are independent computations, so they can run anywhere:

- :class:`Here` (the default): one after another, in this process;
- :class:`DaskCluster`: on the workers of a Dask ``distributed`` cluster, as many at once as it has
  workers (``pip install -e '.[dask]'``). The data are sent to every worker once per call, and each
  stack comes back with its histories and its trained networks, which are written into the runs'
  own networks, as here. The numbers are the same as here, bit for bit (the same stacks, the same
  arithmetic), when BLAS uses as many threads here as on a worker (Dask's default is one: run here with
  ``OPENBLAS_NUM_THREADS=1`` to compare); with more, a large product may round differently in the last
  bit. Only the seconds differ, each stack's seconds being measured on its worker.

:func:`resolve` picks one: an executor passed in, else the cluster whose scheduler address is in the
environment variable ``PWCORE_DASK_SCHEDULER`` (for example ``tcp://10.0.0.5:8786``), else :class:`Here`.
So every sweep of :mod:`pwcore.study` and :mod:`pwcore.calibration`, and the book's notebooks, run on a
cluster when that variable is set, with no other change.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

ENVIRONMENT = "PWCORE_DASK_SCHEDULER"
CONNECT_TIMEOUT = "20s"  # how long to wait for the scheduler


class Here:
    """Train each stack in this process, one after another, when the caller asks for its result."""

    local = True

    def map(self, function, tasks, *shared):
        """``function(*task, *shared)`` for each task, lazily and in order."""
        return (function(*task, *shared) for task in tasks)


class DaskCluster:
    """Train the stacks on a Dask ``distributed`` cluster, all submitted at once, results in order.

    Parameters
    ----------
    client : distributed.Client
        A connected client; :func:`resolve` makes one from a scheduler address.

    Raises
    ------
    RuntimeError
        If a worker's pwcore is not this one (another version would train other numbers than the
        records of the book's pages claim).
    """

    local = False

    def __init__(self, client):
        self.client = client
        _check_workers(client)

    def map(self, function, tasks, *shared):
        """``function(*task, *shared)`` for each task on the cluster; the results in order, as each is needed.

        The arrays of ``shared`` (the data) are sent to every worker once, under keys of their own (not
        their content's hash: two calls with the same data would share a key, and the first to finish
        would release the second's data); a task that fails raises its error here.
        """
        shared = [self.client.scatter(value, broadcast=True, hash=False) if hasattr(value, "nbytes") else value
                  for value in shared]
        futures = [self.client.submit(function, *task, *shared, pure=False) for task in tasks]
        return _results(futures, shared)


def _results(futures: list, shared: list):
    """Each future's result in turn; holds ``shared`` (the scattered data) until the last: the cluster
    forgets data no client holds, and the tasks not yet run would lose their input."""
    for future in futures:
        yield future.result()
    del shared


def source_digest() -> str:
    """SHA-256 over the path and bytes of every ``*.py`` file of the pwcore this process imports."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _check_workers(client) -> None:
    """Refuse a cluster any of whose workers imports another pwcore than this process."""
    ours = source_digest()
    # a lambda is sent by value: a worker whose pwcore lacks source_digest answers with the error
    found = client.run(lambda: __import__("pwcore.executors", fromlist=["source_digest"]).source_digest(),
                       on_error="return")
    others = sorted(worker for worker, digest in found.items() if digest != ours)
    if others:
        raise RuntimeError(f"the pwcore of Dask worker(s) {others} differs from this one ({Path(__file__).parent}): "
                           f"install this checkout on every worker (pip install -e <this checkout>) and restart them")


_clients = {}  # one client per scheduler address, for the life of this process


def resolve(executor=None):
    """The executor to train on.

    Parameters
    ----------
    executor : Here, DaskCluster, distributed.Client, str or None
        An executor; a Dask client; a scheduler address; or None: the address in
        ``PWCORE_DASK_SCHEDULER`` if it is set, else :class:`Here`.

    Raises
    ------
    ImportError
        If a cluster is asked for and Dask's ``distributed`` is not installed.
    ValueError
        If ``executor`` is none of these.
    """
    if executor is None:
        executor = os.environ.get(ENVIRONMENT) or Here()
    if isinstance(executor, (Here, DaskCluster)):
        return executor
    if isinstance(executor, str):
        return DaskCluster(_client(executor))
    if type(executor).__name__ == "Client" and hasattr(executor, "submit"):
        return DaskCluster(executor)
    raise ValueError(f"executor {executor!r}: pass pwcore.executors.Here(), a distributed.Client, a scheduler "
                     f"address such as 'tcp://host:8786', or None")


def _client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(f"training on the Dask cluster at {address!r} (from {ENVIRONMENT} or the executor "
                          f"argument) needs Dask's distributed: pip install -e '.[dask]', or unset "
                          f"{ENVIRONMENT} to train here") from None
    if address not in _clients:
        try:
            _clients[address] = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise ConnectionError(f"no Dask scheduler answers at {address!r} (from {ENVIRONMENT} or the executor "
                                  f"argument): start one there (dask scheduler; dask worker {address}), correct "
                                  f"the address, or unset {ENVIRONMENT} to train here ({error})") from None
    return _clients[address]
