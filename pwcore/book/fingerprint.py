"""The hash of what produces an executed notebook, computed from the sources as they are now.

A notebook's fingerprint has four parts, each a SHA-256:

- ``template``: the bytes of its template (``notebooks/<template>.md``), prose included;
- ``parameters``: its parameters in ``runs.yml``, as JSON with sorted keys (the template's defaults are
  part of the template);
- ``pwcore``: ``{path: digest}`` of each module of pwcore that the template runs, its path relative to
  ``pwcore/``: the modules its code cells import, followed through pwcore's own imports
  (:mod:`pwcore.book.imports`), the library and this book layer alike, and ``book/execution.py``, which
  executes it. The digest is of the module's code without its comments and docstrings
  (:func:`pwcore.sources.code_digest`), so rewording them re-executes nothing. A module no page imports
  (the command line, the PDF printer, the build tools) changes no fingerprint;
- ``reads``: ``{name: hash}`` of the runs it reads (:mod:`pwcore.book.runs`), so a page is stale when
  what it reads is.

Its ``hash`` is the SHA-256 of the four parts as JSON; a record of another form reads as no record (the
notebook is re-executed). Left out on purpose: the versions of the other
libraries and the data files (each page's provenance table names them; the data files are verified
against checksums held in pwcore's source), and the machine.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..sources import code_digest
from .imports import template_modules
from .paths import PACKAGE_DIR
from .runs import PageRun, execution_order

EXECUTOR = ("book/execution.py",)  # runs every notebook (papermill, its parameters, the record): part of each
PARTS = ("template", "parameters", "pwcore")  # the parts compared one by one; ``reads`` is compared per run


@dataclass(frozen=True)
class Fingerprint:
    """The hashes of a notebook's template, parameters, the pwcore modules it runs, and of the runs it reads."""

    template: str
    parameters: str
    pwcore: dict
    reads: dict = field(default_factory=dict)

    @property
    def hash(self) -> str:
        """One SHA-256 over all parts."""
        return _sha256(_canonical(asdict(self)).encode())

    def as_dict(self) -> dict:
        return {**asdict(self), "hash": self.hash}

    @classmethod
    def from_dict(cls, record: dict) -> "Fingerprint":
        """The fingerprint :meth:`as_dict` wrote.

        Raises
        ------
        ValueError
            If a part is missing, or the parts do not give the recorded hash (the record was edited).
        """
        try:
            fingerprint = cls(record["template"], record["parameters"], dict(record["pwcore"]), dict(record["reads"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"a fingerprint record not of this form ({error!r}): re-execute the notebook") from None
        if record.get("hash") != fingerprint.hash:
            raise ValueError("a fingerprint record's hash does not match its parts: re-execute the notebook")
        return fingerprint


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def parameters_digest(parameters: dict) -> str:
    """SHA-256 of ``parameters`` as JSON with sorted keys."""
    return _sha256(_canonical(parameters).encode())


def module_hashes(template: Path, package_dir: Path = PACKAGE_DIR) -> dict:
    """``{path: digest}`` of each module of the package at ``package_dir`` that ``template`` runs
    (:func:`pwcore.sources.code_digest`: its code, without comments and docstrings).

    Raises
    ------
    FileNotFoundError
        If ``package_dir`` is not a package (no ``__init__.py``).
    """
    package_dir = Path(package_dir)
    if not (package_dir / "__init__.py").is_file():
        raise FileNotFoundError(f"{package_dir} is not a Python package (no __init__.py): point the fingerprint "
                                f"at pwcore's source")
    files = template_modules(template, package_dir) + [package_dir / name for name in EXECUTOR
                                                       if (package_dir / name).is_file()]
    return {path.relative_to(package_dir).as_posix(): code_digest(path) for path in sorted(set(files))}


def fingerprint(run: PageRun, pwcore: dict, reads: dict) -> Fingerprint:
    """The fingerprint of ``run`` given its :func:`module_hashes` and the hashes ``{name: hash}`` of the runs it reads."""
    return Fingerprint(_sha256(Path(run.template).read_bytes()), parameters_digest(run.parameters), pwcore,
                       {name: reads[name] for name in sorted(run.reads)})


def fingerprints(runs: list, package_dir: Path = PACKAGE_DIR) -> dict:
    """``{name: Fingerprint}`` of every run of ``runs`` (which holds every run they read), from the sources now."""
    modules = {}  # per template: the runs of one template share its modules
    found = {}
    for run in execution_order(runs):
        if run.template not in modules:
            modules[run.template] = module_hashes(run.template, package_dir)
        found[run.name] = fingerprint(run, modules[run.template], {name: found[name].hash for name in run.reads})
    return found
