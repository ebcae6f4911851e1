"""The results store: an expensive result computed once, kept as a data file, read back while its key holds.

A result is keyed by what determines its numbers (design.md, section 9):

- the computation: the function's module and name;
- its arguments, described as plain values (:func:`describe`): a configuration by its fields, a data
  set or any array by the SHA-256 of its bytes, dtype and shape; arguments that only say how to
  compute (a log, where the stacks train, how many runs share a stack) are named in ``ignore`` and
  left out;
- the code on its numerical path: every module of pwcore that the function's module runs
  (:func:`pwcore.sources.module_files`), each hashed without comments and docstrings
  (:func:`pwcore.sources.code_digest`). Rewording a docstring keeps every key; a change to what the
  code does changes the key of every result that code produces, and the old entry is no longer read.

An entry is one JSON file, ``<root>/<function>/<key>.json``, written atomically (to a temporary file in
the same folder, then renamed: a killed write leaves the old file or the new one)::

    {"format": 1, "function": "pwcore.study.seed_study", "key": "<sha256>", "arguments": {...},
     "code": {"training.py": "<sha256>", ...}, "made": {"how": "computed", "when": ..., "machine": ...,
     "seconds": ...}, "result_sha256": "<sha256>", "result": ...}

The result is stored as JSON (:func:`encode`: NaN and infinities, tuples and NumPy arrays are marked
so that they come back as they were) and read without running any code. A file that does not parse,
whose key or result does not match what it records, is reported by name (a warning) and recomputed,
never used. What a call returns is always the decoded stored form, so a result read back and one just
computed are the same Python values, their dicts' keys in the same (sorted) order.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import inspect
import json
import math
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from .network import Network
from .files import replaced_atomically
from .hardware import blas
from .sources import code_digest, module_files

FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent
BYPASS = "PWCORE_STORE_BYPASS"  # set to 1: compute everything, read and write nothing (CI's audit of pages)


class StoreError(ValueError):
    """A stored entry that cannot be used: the message names the file and what is wrong with it."""


def describe(value):
    """``value`` as plain JSON values that identify it: what a key is computed from.

    Dataclasses by their fields, NumPy arrays (and so data sets) by the SHA-256 of their dtype, shape and
    bytes, a network by its layout and the digests of its parameters, other objects by their class and
    attributes. A data set's ``meta`` (paths of its files on this
    machine) is left out: its arrays say what it holds.

    Raises
    ------
    TypeError
        For a value with no stable description (a function, a generator): leave it out of the key.
    """
    if value is None or isinstance(value, (bool, int, str, float, np.generic)):
        return encode(value)
    if isinstance(value, np.ndarray):
        return {"$array_sha256": array_digest(value)}
    if isinstance(value, (list, tuple)):
        return [describe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): describe(item) for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))}
    if isinstance(value, Path):
        raise TypeError(f"a path ({value}) says where, not what: describe the file's content instead")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "meta"}
        return {"$class": _qualified(type(value)), **describe(fields)}
    if isinstance(value, Network):  # its activations are functions: named instead
        return {"$class": _qualified(Network), "sizes": value.sizes, "activations": value.activation_names,
                "output_layer": value.output_layer, "dtype": value.dtype.name,
                "parameters": [array_digest(p) for p in value.parameters()]}
    if inspect.isroutine(value) or inspect.isgenerator(value) or isinstance(value, type):
        raise TypeError(f"{value!r} has no stable description: name its argument in `ignore`")
    if hasattr(value, "__dict__"):
        return {"$class": _qualified(type(value)), **describe(vars(value))}
    raise TypeError(f"{type(value).__name__} {value!r} has no stable description: name its argument in `ignore`")


def array_digest(array: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes (C order)."""
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def encode(value):
    """``value`` as JSON values from which :func:`decode` gives it back exactly.

    Plain values pass; NaN and infinities become ``{"$float": "nan"}``; tuples ``{"$tuple": [...]}``;
    NumPy arrays ``{"$array": {"dtype", "shape", "base64"}}`` (their bytes, so every bit comes back);
    NumPy scalars their Python value; dicts need string keys.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError("an array of Python objects cannot be stored as data")
        return {"$array": {"dtype": value.dtype.str, "shape": list(value.shape),
                           "base64": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()}}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"a stored dict needs string keys, got {sorted(map(repr, value))[:3]}")
        if any(key.startswith("$") for key in value):
            raise TypeError("a stored dict's keys may not start with '$' (the store's own marks)")
        return {key: encode(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} cannot be stored as data: return plain values, tuples, lists, "
                    f"dicts and NumPy arrays")


def decode(value):
    """The value :func:`encode` was given."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$float" in value:
        return float(value["$float"])
    if "$tuple" in value:
        return tuple(decode(item) for item in value["$tuple"])
    if "$array" in value:
        spec = value["$array"]
        raw = base64.b64decode(spec["base64"], validate=True)
        return np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()
    return {key: decode(item) for key, item in value.items()}


def canonical(value) -> str:
    """JSON with sorted keys and no spaces: what keys and result hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def code_hashes(function) -> dict:
    """``{path: digest}`` of each module of pwcore that ``function``'s module runs (its numerical path).

    Paths are relative to the package; digests are :func:`pwcore.sources.code_digest`.
    """
    module = function.__module__
    if module != "pwcore" and not module.startswith("pwcore."):
        raise ValueError(f"{function.__qualname__} is not pwcore's ({module}): the store keys pwcore's computations")
    files = module_files(f"import {module}", PACKAGE_DIR)
    return {path.relative_to(PACKAGE_DIR).as_posix(): code_digest(path) for path in files}


class Store:
    """Stored results under one folder.

    Parameters
    ----------
    root : path
        The folder (created on the first write).
    bypass : bool, optional
        Compute every result and neither read nor write any (default: the environment variable
        ``PWCORE_STORE_BYPASS`` set to 1).
    log : callable
        Receives one line per result: read, or computed and stored.
    """

    def __init__(self, root, bypass: bool | None = None, log=print):
        self.root = Path(root)
        self.bypass = os.environ.get(BYPASS, "") == "1" if bypass is None else bypass
        self.log = log
        self.used = []  # what each call of this store did: {"function", "key", "how"}
        self._code = {}

    def compute(self, function, *args, ignore=(), **kwargs):
        """``function(*args, **kwargs)``, read from the store when its key is there, else computed and stored.

        Parameters
        ----------
        function : callable
            A function of pwcore whose result is plain values, tuples, lists, dicts and arrays (:func:`encode`).
        ignore : sequence of str
            Names of arguments that do not change the numbers (a log, an executor, a stack size): left
            out of the key.

        Returns
        -------
        The result as stored (:func:`decode`), whether it was read or just computed.
        """
        name = f"{function.__module__}.{function.__qualname__}"
        arguments = self._arguments(function, args, kwargs, ignore)
        code = self._code.setdefault(name, code_hashes(function))
        key = sha256(canonical({"function": name, "arguments": arguments, "code": code}))
        if self.bypass:
            result, made = self._computed(function, args, kwargs)
            self.used.append({"function": name, "key": key, "how": "computed (store bypassed)", "made": made})
            return _as_read(result)
        path = self.path(name, key)
        if path.is_file():
            try:
                entry = read_entry(path, key)
            except StoreError as error:
                warnings.warn(f"{error}: recomputing it", stacklevel=2)
            else:
                self.used.append({"function": name, "key": key, "how": "read", "made": entry["made"]})
                self.log(f"{name}: read from the store ({path.relative_to(self.root)})")
                return decode(entry["result"])
        result, made = self._computed(function, args, kwargs)
        write_entry(path, {"format": FORMAT, "function": name, "key": key, "arguments": arguments, "code": code,
                           "made": made, "result_sha256": sha256(canonical(result)), "result": result})
        self.used.append({"function": name, "key": key, "how": "computed", "made": made})
        self.log(f"{name}: computed in {made['seconds']:.0f} s and stored ({path.relative_to(self.root)})")
        return _as_read(result)

    @staticmethod
    def _computed(function, args, kwargs) -> tuple:
        """``function``'s result, encoded, and what the store says of how it was made."""
        started = time.perf_counter()
        result = encode(function(*args, **kwargs))
        return result, {"how": "computed", "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                        "seconds": round(time.perf_counter() - started, 3)}

    def path(self, name: str, key: str) -> Path:
        """Where the entry of ``name`` (a function's dotted name) with ``key`` is kept."""
        return self.root / name / f"{key}.json"

    @staticmethod
    def _arguments(function, args, kwargs, ignore) -> dict:
        signature = inspect.signature(function)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = {}
        for name, value in bound.arguments.items():
            if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                values.update(value)  # **options: each keyword on its own, as if it were a parameter
            else:
                values[name] = value
        unknown = set(ignore) - set(values)
        if unknown:
            raise ValueError(f"ignore names {sorted(unknown)}, which {function.__qualname__} does not take")
        arguments = {}
        for name, value in values.items():
            if name in ignore:
                continue
            try:
                arguments[name] = describe(value)
            except TypeError as error:
                raise TypeError(f"argument {name!r} of {function.__qualname__}: {error}") from None
        return arguments


def stale_entries(root) -> dict:
    """``{path: reason}`` for every entry under ``root`` that the sources no longer produce.

    An entry is stale when it is damaged (:func:`read_entry`), when its key is not the hash of the function,
    arguments and code it records, when its function no longer exists, or when the code of a module on
    its numerical path differs from the sources now (the reason names the modules). A stale entry is
    never read (its key is not the one a call computes now); it is recomputed, or re-stamped after a
    sample shows the change alters no number.
    """
    import importlib
    found = {}
    for path in sorted(Path(root).glob("*/*.json")):
        try:
            entry = read_entry(path)
        except StoreError as error:
            found[path] = str(error)
            continue
        if sha256(canonical({name: entry[name] for name in ("function", "arguments", "code")})) != entry["key"]:
            found[path] = "its key is not the hash of the function, arguments and code it records"
            continue
        module, _, name = entry["function"].rpartition(".")
        try:
            function = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            found[path] = f"{entry['function']} no longer exists"
            continue
        code = code_hashes(function)
        changed = sorted(module for module in code.keys() | entry["code"].keys()
                         if code.get(module) != entry["code"].get(module))
        if changed:
            found[path] = f"the code of {', '.join(changed)} changed since it was computed"
    return found


def _as_read(result):
    """An encoded result as a read of its file gives it back: decoded, every dict's keys in sorted order (the
    files are written with sorted keys), so that what was just computed and what is read later are the same
    values in the same order (a page's table or CSV follows that order)."""
    return decode(json.loads(canonical(result)))


def read_entry(path: Path, key: str | None = None) -> dict:
    """The entry at ``path``, checked: it parses, has every field, holds ``key`` (if given) and the result
    its recorded hash says.

    Raises
    ------
    StoreError
        Naming the file and what is wrong.
    """
    try:
        entry = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreError(f"stored result {path} does not parse ({error})") from None
    missing = {"format", "function", "key", "arguments", "code", "made", "result_sha256", "result"} - set(entry) \
        if isinstance(entry, dict) else {"every field"}
    if missing:
        raise StoreError(f"stored result {path} lacks {sorted(missing)}")
    if entry["format"] != FORMAT:
        raise StoreError(f"stored result {path} is of format {entry['format']!r}, this pwcore reads {FORMAT}")
    if key is not None and entry["key"] != key:
        raise StoreError(f"stored result {path} records key {entry['key'][:12]}, not the {key[:12]} it is filed under")
    if sha256(canonical(entry["result"])) != entry["result_sha256"]:
        raise StoreError(f"stored result {path}: its result does not match its recorded hash (edited or damaged)")
    return entry


def write_entry(path: Path, entry: dict) -> None:
    """Write ``entry`` to ``path`` atomically (:func:`pwcore.files.replaced_atomically`)."""
    with replaced_atomically(path) as file:
        file.write(json.dumps(entry, indent=1, sort_keys=True, allow_nan=False))
        file.write("\n")


def computing_seconds(made: dict) -> float:
    """What an entry took to compute when it was computed, from its ``made`` record: a re-stamped entry
    keeps its computation's record under ``computed`` (NaN if no record says)."""
    while "seconds" not in made and "computed" in made:
        made = made["computed"]
    return float(made.get("seconds", "nan"))


def machine() -> str:
    """This machine's processor, cores and BLAS kernel, e.g. ``"x86_64, 2 cores, openblas SkylakeX (2 threads)"``."""
    return f"{platform.machine()}, {os.cpu_count()} cores, {blas(with_version=False)}"


def _qualified(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
