"""The hash of what produces an executed notebook, computed from the sources as they are now.

A notebook's fingerprint has four parts, each a SHA-256:

- ``template``: the bytes of its template (``notebooks/<template>.md``), prose included;
- ``parameters``: its parameters in ``runs.yml``, as JSON with sorted keys (the template's defaults are
  part of the template);
- ``pwcore``: pwcore's source, every ``*.py`` file under ``pwcore/`` (the library and this book layer
  alike: a page imports both, and any module may change what it shows, so no narrower set is safe),
  each file's path relative to ``pwcore/`` and bytes, in path order. In a git checkout the files are
  those git tracks, so that a stray untracked file changes nothing (a fresh clone would not have it);
- ``reads``: ``{name: hash}`` of the runs it reads (:mod:`pwcore.book.runs`), so a page is stale when
  what it reads is.

Its ``hash`` is the SHA-256 of the four parts as JSON. Left out on purpose: the versions of the other
libraries and the data files (each page's provenance table names them; the data files are verified
against checksums held in pwcore's source), and the machine.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .paths import PACKAGE_DIR
from .runs import Run, execution_order

PARTS = ("template", "parameters", "pwcore")  # the parts compared one by one; ``reads`` is compared per run


@dataclass(frozen=True)
class Fingerprint:
    """The hashes of a notebook's template, parameters, pwcore's source, and of the runs it reads."""

    template: str
    parameters: str
    pwcore: str
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
            fingerprint = cls(record["template"], record["parameters"], record["pwcore"], dict(record["reads"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"a fingerprint record lacks {error}: re-execute the notebook") from None
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


def source_files(package_dir: Path) -> list:
    """The ``*.py`` files under ``package_dir``: those git tracks in a git checkout, else all there are.

    Raises
    ------
    FileNotFoundError
        If there is none.
    """
    package_dir = Path(package_dir)
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", "*.py"], cwd=package_dir, capture_output=True,
                                check=True).stdout.decode().split("\0")
        files = [package_dir / name for name in listed if name and (package_dir / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = []  # not a git checkout
    files = files or list(package_dir.rglob("*.py"))
    if not files:
        raise FileNotFoundError(f"{package_dir} holds no *.py file: point the fingerprint at pwcore's source")
    return sorted(files, key=lambda path: path.relative_to(package_dir).as_posix())


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the path (relative to ``package_dir``) and bytes of each of its :func:`source_files`."""
    digest = hashlib.sha256()
    for path in source_files(package_dir):
        digest.update(f"{path.relative_to(package_dir).as_posix()}\0{_sha256(path.read_bytes())}\n".encode())
    return digest.hexdigest()


def fingerprint(run: Run, pwcore: str, reads: dict) -> Fingerprint:
    """The fingerprint of ``run`` given pwcore's digest and the hashes ``{name: hash}`` of the runs it reads."""
    return Fingerprint(_sha256(Path(run.template).read_bytes()), parameters_digest(run.parameters), pwcore,
                       {name: reads[name] for name in sorted(run.reads)})


def fingerprints(runs: list, package_dir: Path = PACKAGE_DIR) -> dict:
    """``{name: Fingerprint}`` of every run of ``runs`` (which holds every run they read), from the sources now."""
    pwcore = package_digest(package_dir)
    found = {}
    for run in execution_order(runs):
        found[run.name] = fingerprint(run, pwcore, {name: found[name].hash for name in run.reads})
    return found
