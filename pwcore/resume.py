"""Resumable training: an executor that keeps every stack it finished, so that a sweep stopped part-way
trains only the stacks it had not finished when it is run again.

:class:`Resumable` wraps where the stacks train (:mod:`pwcore.executors`) and is passed as the
``executor`` of :func:`pwcore.training.train_runs` or of any sweep. Each stack is keyed like a stored
result (:mod:`pwcore.store`): its runs (initial weights, optimizer, rates, loss, target, limits), the
data's digests, the number of column parts, and the code of training's numerical path. A stack whose
key is in the folder is read back (its runs' histories, and their trained weights written into the
runs' networks, as after training); the others train and are stored as each finishes, atomically.
Histories read back say the seconds they took when they were trained.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from .executors import Here, resolve
from .plain import history_from, history_values
from .store import (FORMAT, StoreError, array_digest, canonical, code_hashes, decode, describe, encode, machine,
                    read_entry, sha256, write_entry)


class Resumable(Here):
    """Train the stacks of each call where ``inner`` says, keeping each finished one in ``folder``.

    (A :class:`~pwcore.executors.Here` by type only, so that :func:`~pwcore.executors.resolve` accepts it:
    where its stacks train is ``inner``'s, and ``local`` is ``inner``'s.)

    Parameters
    ----------
    folder : path
        Where finished stacks are kept (one JSON file each; created on the first write).
    inner : optional
        Where the stacks that are not kept train (:func:`pwcore.executors.resolve`): here by default.

    Attributes
    ----------
    read, trained : int
        Stacks read back and stacks trained by this executor so far.
    """

    def __init__(self, folder, inner=None):
        self.folder = Path(folder)
        self.inner = resolve(inner)
        self.local = self.inner.local
        self.read = self.trained = 0

    def map(self, function, tasks, X, y, progress, n_parts, report=None):
        """As the inner executor's ``map`` for :func:`pwcore.stack.train_stack`'s tasks ``(runs, indices)``:
        each stack's ``[(History, Network)]`` in order, read back where kept."""
        common = {"function": f"{function.__module__}.{function.__qualname__}", "code": code_hashes(function),
                  "data": [array_digest(X), array_digest(y)], "n_parts": n_parts}
        keys = [sha256(canonical({**common, "runs": describe(list(runs))})) for runs, _ in tasks]
        kept = [self._kept(key) for key in keys]
        missing = [task for task, entry in zip(tasks, kept) if entry is None]
        trained = self.inner.map(function, missing, X, y, progress, n_parts, report)
        for (runs, _), key, entry in zip(tasks, keys, kept):
            if entry is not None:
                self.read += 1
                yield _restored(runs, decode(entry["result"]))
                continue
            result = next(trained)
            self._keep(key, result)
            self.trained += 1
            yield result

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _kept(self, key: str):
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return read_entry(path, key)
        except StoreError as error:
            warnings.warn(f"{error}: training that stack again", stacklevel=3)
            return None

    def _keep(self, key: str, result: list) -> None:
        stored = encode([{"history": history_values(history), "parameters": net.parameters()}
                         for history, net in result])
        write_entry(self._path(key), {"format": FORMAT, "function": "stack", "key": key, "arguments": {},
                                      "code": {}, "made": {"how": "computed", "machine": machine()},
                                      "result_sha256": sha256(canonical(stored)), "result": stored})


def _restored(runs: list, stored: list) -> list:
    """``[(History, Network)]`` of a kept stack: each run's history, and its network with the kept weights."""
    result = []
    for run, entry in zip(runs, stored, strict=True):
        net = run.net.copy()
        for parameter, kept in zip(net.parameters(), entry["parameters"], strict=True):
            parameter[...] = kept
        result.append((history_from(entry["history"]), net))
    return result
