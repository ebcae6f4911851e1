"""Stored results recomputed from their own record: to audit the store, and to re-stamp it after a refactor.

An entry of the store (:mod:`pwcore.store`) records its function and its arguments as described for the
key: a configuration by its fields, a data set by the digests of its arrays. :func:`recompute` rebuilds
the call from that record (the configuration from its fields, the data set by loading it for that
configuration and checking its digests) and runs it again; :func:`differences` compares the new result
with the stored one: everything discrete exactly, floats to :data:`RTOL` (BLAS kernels differ in the
last bits between CPUs), timings (fields named for seconds) not at all.

After a change to a module on the numerical path, every entry that module touches is stale (its key
records the old code). If the change alters no number, :func:`restamp` shows it on a sample and spares
the recomputation of the rest: it recomputes entries, cheapest first, until every code path the stale
entries take is taken once (function, task, dtype, loss reading, full batch or mini-batch, optimizer:
:func:`code_paths`), and only if every one agrees does it re-stamp every stale entry: the same result under the key of the code now, its
``made`` saying ``re-stamped``, from which key, when, and on which sample. Nothing is re-stamped silently. The sample runs cheapest first,
so that a disagreement shows early; each agreement is kept in the store's folder (:data:`PROGRESS`, for the
code it was shown under), so that a re-stamp interrupted after hours of computation resumes where it stopped::

    python -m pwcore.restamp [--root results] [--stacks .stacks] [--dry-run]

With ``--stacks`` the sample trains through :class:`pwcore.resume.Resumable` over that folder: a stack
kept there by the sweep that first computed an entry is read back instead of trained again. Its key
holds the code of training's numerical path, so this is sound for a change above training (a sweep's
logic, a module the sweep imports); after a change on training's path no stack matches and the sample
trains in full. The entries re-stamped say how many of the sample's stacks were read back.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import sys
import time
from pathlib import Path

from .experiments import BINARY, ExperimentConfig, load_data
from .store import (FORMAT, code_hashes, canonical, computing_seconds, decode, describe, encode, machine, read_entry, sha256,
                    stale_entries, write_entry)

RTOL = 1e-8  # floats of a recomputed result against the stored one (tests/tolerance.py measures the need)
CONFIG_CLASS = "pwcore.experiments.ExperimentConfig"
DATASET_CLASS = "pwcore.data.datasets.Dataset"
QUIET = lambda line: None
PROGRESS = ".restamp-progress.json"  # in the store's folder, while a re-stamp is under way


def function_of(entry: dict):
    """The function an entry records, imported."""
    module, _, name = entry["function"].rpartition(".")
    return getattr(importlib.import_module(module), name)


def rebuild_arguments(entry: dict) -> dict:
    """The keyword arguments of the call an entry records, rebuilt from its description.

    Raises
    ------
    ValueError
        If an argument cannot be rebuilt (a data set without a configuration to load it by, or one whose
        arrays no longer have the recorded digests).
    """
    arguments, datasets = {}, []
    for name, value in entry["arguments"].items():
        if isinstance(value, dict) and value.get("$class") == DATASET_CLASS:
            datasets.append((name, value))
        elif isinstance(value, dict) and value.get("$class") == CONFIG_CLASS:
            fields = {f.name: f for f in dataclasses.fields(ExperimentConfig)}
            values = {key: _as_field(decode(item), fields[key]) for key, item in value.items() if key != "$class"}
            arguments[name] = ExperimentConfig(**values)
        else:
            arguments[name] = decode(value)
    configs = [value for value in arguments.values() if isinstance(value, ExperimentConfig)]
    for name, described in datasets:
        if not configs:
            raise ValueError(f"{entry['function']}: argument {name!r} is a data set and no configuration says which")
        data = load_data(configs[0])
        if describe(data) != {key: item for key, item in described.items()}:
            raise ValueError(f"{entry['function']}: the data set loaded for its configuration is not the one it "
                             f"was computed on (its arrays' digests differ)")
        arguments[name] = data
    return arguments


def _as_field(value, field):
    """A described field back in its dataclass's type: a list where the default is a tuple becomes a tuple."""
    default = field.default if field.default is not dataclasses.MISSING else None
    return tuple(value) if isinstance(default, tuple) and isinstance(value, list) else value


def recompute(entry: dict, executor=None):
    """The result of the call ``entry`` records, computed now, encoded as the store encodes it; ``executor``
    (if the function takes one) says where its stacks train."""
    function = function_of(entry)
    arguments = rebuild_arguments(entry)
    if "log" in _parameters(function):
        arguments["log"] = QUIET
    if executor is not None and _takes_executor(function):
        arguments["executor"] = executor
    return encode(function(**arguments))


def _parameters(function) -> list:
    import inspect
    return list(inspect.signature(function).parameters)


def _takes_executor(function) -> bool:
    """Whether ``function`` takes an ``executor`` (says where its stacks train)."""
    return "executor" in _parameters(function)


def differences(stored, found, where: str = "result") -> list:
    """Where ``found`` differs from ``stored`` (both encoded): discrete values exactly, floats to :data:`RTOL`,
    timings not compared: a field whose name says seconds, and a comparison of seconds (a dict whose
    ``quantity`` is seconds, as :func:`pwcore.beyond.compare` gives: its ratio and interval are timings)."""
    if isinstance(stored, dict) and isinstance(found, dict):
        if "second" in str(stored.get("quantity", "")) and stored.get("quantity") == found.get("quantity"):
            return []
        if stored.keys() != found.keys():
            return [f"{where}: fields {sorted(stored.keys() ^ found.keys())} in one only"]
        return [line for key in stored if "second" not in key
                for line in differences(stored[key], found[key], f"{where}.{key}")]
    if isinstance(stored, list) and isinstance(found, list):
        if len(stored) != len(found):
            return [f"{where}: {len(stored)} items stored, {len(found)} now"]
        return [line for k, (a, b) in enumerate(zip(stored, found)) for line in differences(a, b, f"{where}[{k}]")]
    if isinstance(stored, float) and isinstance(found, float):
        return [] if math.isclose(stored, found, rel_tol=RTOL, abs_tol=0) else [f"{where}: {stored!r} stored, {found!r} now"]
    return [] if stored == found else [f"{where}: {stored!r} stored, {found!r} now"]


def code_paths(entry: dict) -> set:
    """What a stored result exercises, for the sample: one path per optimizer it trains (or reading of
    Algorithm 2), each ``(function, task, dtype, loss reading, mini-batch size, optimizer)``; the task is the
    binary one (a sigmoid output and cross-entropy) or the multi-class AM-softmax.

    The dataset itself is no part of a path: the code branches on the task, not on which data it trains
    on (:func:`pwcore.experiments.build`), so the cheapest data set of a task stands for the others; nor is
    the set of optimizers trained together, since each trains in stacks of its own kind."""
    arguments = entry["arguments"]
    config = next((value for value in arguments.values()
                   if isinstance(value, dict) and value.get("$class") == CONFIG_CLASS), {})
    optimizers = arguments.get("optimizers") or arguments.get("algorithm2")
    task = "binary" if config.get("dataset") in BINARY else "multi-class"
    context = (entry["function"], task, arguments.get("search_dtype") or config.get("dtype"), config.get("am_input"),
               config.get("minibatch"))
    names = optimizers if isinstance(optimizers, list) else [optimizers]
    return {(*context, canonical(name)) for name in names}


def sample(entries: dict) -> list:
    """The entries of ``{path: entry}`` to recompute: cheapest first (fewest seconds to compute), each
    taken if it exercises a code path (:func:`code_paths`) that no cheaper one taken does."""
    def cost(path):
        seconds = computing_seconds(entries[path]["made"])
        return (math.inf if math.isnan(seconds) else seconds, str(path))

    chosen, covered = [], set()
    for path in sorted(entries, key=cost):
        paths = code_paths(entries[path])
        if paths - covered:
            chosen.append(path)
            covered |= paths
    return chosen


def restamped_key(entry: dict) -> tuple[str, dict]:
    """The key an entry would have if the code now had computed it, and that code's hashes."""
    code = code_hashes(function_of(entry))
    return sha256(canonical({"function": entry["function"], "arguments": entry["arguments"], "code": code})), code


class Progress:
    """The sample's agreements so far, kept in ``path`` so that an interrupted re-stamp loses none of them.

    An agreement counts only for the code it was shown under: it is recorded by the entry's key and the key
    the code of the time gives it, so a later change to that code makes it recompute.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.agreements = json.loads(self.path.read_text()) if self.path.exists() else {}

    def agreed(self, from_key: str, to_key: str) -> bool:
        return self.agreements.get(from_key, {}).get("to_key") == to_key

    def said(self, from_key: str) -> str:
        record = self.agreements[from_key]
        return f"{record['seconds']:.0f} s on {record['when']}"

    def record(self, from_key: str, to_key: str, seconds: float) -> None:
        self.agreements[from_key] = {"to_key": to_key, "seconds": round(seconds, 3),
                                     "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine()}
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps(self.agreements, indent=1, sort_keys=True))
        partial.replace(self.path)

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def restamp(root, dry_run: bool = False, log=print, stacks=None) -> bool:
    """Re-stamp the entries under ``root`` that only their code made stale, if a sample recomputes to them.

    ``stacks``: a folder of kept stacks (:class:`pwcore.resume.Resumable`) the sample reads back where it can.

    Returns True if every such entry was re-stamped (or none was stale), False if the sample disagreed or
    an entry is stale for another reason (then nothing is re-stamped).
    """
    if stacks is not None and not Path(stacks).is_dir():
        raise FileNotFoundError(f"--stacks {stacks}: no such folder of kept stacks (the book keeps them in .stacks)")
    stale = stale_entries(root)
    code_only = {path: read_entry(path) for path, reason in stale.items() if reason.startswith("the code of")}
    others = {path: reason for path, reason in stale.items() if path not in code_only}
    for path, reason in others.items():
        log(f"{path}: {reason}: recompute it (re-execute the page that uses it)")
    if not code_only:
        log("no stored result is stale through its code alone: nothing to re-stamp")
        return not others
    chosen = sample(code_only)
    log(f"{len(code_only)} stored result(s) stale through their code; recomputing a sample of {len(chosen)} that "
        f"takes every code path they take")
    if dry_run:
        for path in chosen:
            log(f"  would recompute {path}")
        return False
    from .resume import Resumable
    executor = None if stacks is None else Resumable(stacks)
    progress = Progress(Path(root) / PROGRESS)
    keys = {path: restamped_key(entry) for path, entry in code_only.items()}  # the code the sample runs
    disagreements = []
    for path in chosen:
        entry, (key, _) = code_only[path], keys[path]
        if progress.agreed(entry["key"], key):
            log(f"  {path.name[:12]} ({entry['function']}): agreed in an earlier, interrupted run "
                f"({progress.said(entry['key'])}): not recomputed")
            continue
        started = time.perf_counter()
        found = differences(entry["result"], recompute(entry, executor))
        seconds = time.perf_counter() - started
        log(f"  {path.name[:12]} ({entry['function']}): "
            f"{'agrees' if not found else f'{len(found)} difference(s)'} in {seconds:.0f} s")
        if not found:
            progress.record(entry["key"], key, seconds)
        disagreements += [f"{path}: {line}" for line in found]
    if disagreements or others:
        for line in disagreements[:20]:
            log(line)
        log("nothing re-stamped: the change alters stored numbers, or other entries are stale; re-execute the pages")
        return False
    if any(restamped_key(entry) != keys[path] for path, entry in code_only.items()):
        log("nothing re-stamped: pwcore's code changed while the sample ran, so the sample does not vouch for "
            "the code now; run the re-stamp again (its agreements under the code now are kept)")
        return False
    when, sample_keys = time.strftime("%Y-%m-%dT%H:%M:%S%z"), [code_only[path]["key"] for path in chosen]
    for path, entry in code_only.items():
        key, code = keys[path]
        made = {"how": "re-stamped", "when": when, "from_key": entry["key"], "computed": entry["made"],
                "sample": sample_keys, "sample_machine": machine()}
        if executor is not None:
            full = [code_only[path]["key"] for path in chosen if not _takes_executor(function_of(code_only[path]))]
            made["sample_stacks"] = {"folder": str(stacks), "read": executor.read, "trained": executor.trained,
                                     "recomputed_in_full": full}
        write_entry(path.parent / f"{key}.json", {**entry, "format": FORMAT, "key": key, "code": code, "made": made})
        path.unlink()
    read = "" if executor is None else (f" ({executor.read} of its stacks read back, {executor.trained} trained; "
                                        f"results whose function takes no executor recomputed in full)")
    progress.forget()
    log(f"re-stamped {len(code_only)} stored result(s) on a sample of {len(chosen)}{read}")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("results"), help="the store's folder (default: results)")
    parser.add_argument("--stacks", type=Path, help="read back the sample's stacks kept in this folder "
                        "(pwcore.resume), e.g. .stacks: sound when training's code is unchanged")
    parser.add_argument("--dry-run", action="store_true", help="say what would be recomputed, and stop")
    args = parser.parse_args(argv)
    try:
        return 0 if restamp(args.root, args.dry_run, stacks=args.stacks) else 1
    except FileNotFoundError as error:
        print(f"pwcore.restamp: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
