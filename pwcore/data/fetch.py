"""Find a data file, verify its checksum, and download it where it is missing.

Search order for a file ``relpath`` (e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``):

1. ``$PWCORE_DATA_DIR/relpath`` (read only: never written);
2. ``$PWCORE_CACHE_DIR/relpath`` (default: ``$XDG_CACHE_HOME/pwcore``, else ``~/.cache/pwcore``);
3. a download into the cache from the official source, verified before use.

Every file is checked against its known hash before anything parses it.
"""
from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from pathlib import Path

from .errors import DataError, DataMissing
from .sources import FILES, Archive, FileSource

DATA_DIR_VARIABLE = "PWCORE_DATA_DIR"
CACHE_DIR_VARIABLE = "PWCORE_CACHE_DIR"
_CHUNK = 1 << 22
_verified = {}  # (path, size, mtime) -> hash, so a file is hashed once per process


def data_dir() -> Path | None:
    """The read-only data directory named by ``$PWCORE_DATA_DIR``, or None."""
    value = os.environ.get(DATA_DIR_VARIABLE)
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The writable download cache (``$PWCORE_CACHE_DIR`` or the user cache)."""
    value = os.environ.get(CACHE_DIR_VARIABLE)
    if value:
        return Path(value).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pwcore"


def file_hash(path: Path, algorithm: str) -> str:
    """Hex digest of a file: ``algorithm`` is "sha256", "md5" or "gitsha1" (git's blob id)."""
    if algorithm == "gitsha1":
        digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    else:
        digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, known_hash: str, fix: str) -> Path:
    """Return ``path`` if its hash is ``known_hash`` ("algorithm:hex"); else raise DataError saying ``fix``."""
    algorithm, expected = known_hash.split(":", 1)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _verified.get(key) == known_hash:
        return path
    actual = file_hash(path, algorithm)
    if actual != expected:
        raise DataError(f"{path} does not match its known {algorithm} checksum (expected {expected}, "
                        f"got {actual}): the file is corrupt, truncated or a different file. {fix}")
    _verified[key] = known_hash
    return path


def locate(relpath: str, download: bool = True) -> Path:
    """Path of a verified copy of the data file ``relpath``.

    Raises
    ------
    DataError
        If a copy exists but fails its checksum, or no copy exists and it cannot be downloaded.
    """
    source = FILES.get(relpath)
    if source is None:
        raise DataError(f"unknown data file {relpath!r}; known files: {sorted(FILES)}")
    given = data_dir()
    if given is not None and not given.is_dir():
        raise DataError(f"${DATA_DIR_VARIABLE} is {given}, which is not a directory: "
                        f"point it at a folder laid out like shared/data (cat/, mnist/, cifar10/) or unset it")
    if given is not None and (given / relpath).is_file():
        return verify(given / relpath, source.known_hash,
                      "Replace it with a good copy (see shared/data/SHA256SUMS) or remove it to download one.")
    cached = cache_dir() / relpath
    if cached.is_file():
        return verify(cached, source.known_hash, f"Delete {cached} and run again to download it afresh.")
    if not download:
        raise DataMissing(_missing_message(relpath, "downloads are switched off"))
    return _download(source, cached)


def _missing_message(relpath: str, why: str) -> str:
    where = f"${DATA_DIR_VARIABLE} ({data_dir()})" if data_dir() else f"${DATA_DIR_VARIABLE} (not set)"
    return (f"{relpath} is in neither {where} nor the cache ({cache_dir()}), and {why}. "
            f"Set {DATA_DIR_VARIABLE} to a folder holding {relpath} (such as shared/data), "
            f"or run `python -m pwcore data fetch` on a machine with internet.")


def _download(source: FileSource, target: Path) -> Path:
    if source.archive is not None:
        _download_archive(source.archive, target.parent)
        return verify(target, source.known_hash, f"Delete {target.parent} and run again.")
    if not source.urls:
        raise DataMissing(_missing_message(source.relpath, "it has no download address (it is not an official file)"))
    import pooch
    errors = []
    for url in source.urls:
        try:
            path = pooch.retrieve(url, known_hash=source.known_hash, fname=source.filename,
                                  path=target.parent, progressbar=True)
            return Path(path)
        except Exception as error:  # network errors, HTTP errors, hash mismatch (pooch removes the file)
            errors.append(f"{url}: {error}")
    raise DataMissing(_missing_message(source.relpath, "downloading it failed (" + "; ".join(errors) + ")"))


def _download_archive(archive: Archive, folder: Path) -> None:
    import pooch
    try:
        path = pooch.retrieve(archive.url, known_hash=archive.known_hash, fname=archive.name,
                              path=folder, progressbar=True)
    except Exception as error:
        raise DataMissing(f"downloading {archive.url} failed ({error}). Set {DATA_DIR_VARIABLE} to a folder "
                          f"holding the extracted files (cifar10/*.bin) instead.") from error
    members = [source.filename for source in FILES.values() if source.archive == archive]
    extract_members(Path(path), archive.member_dir, members, folder)


def extract_members(archive_path: Path, member_dir: str, names, folder: Path) -> list:
    """Extract the regular files ``member_dir/name`` for ``name`` in ``names`` into ``folder``.

    Only those names are read; a member that is a link, a device, or has an
    absolute or ``..`` path is refused. Each file is written to a temporary
    name and moved into place when complete.

    Returns
    -------
    list of Path
        The extracted files.
    """
    wanted = {f"{member_dir}/{name}": name for name in names}
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive_path, "r:*") as tar:
            for member in tar:
                name = member.name
                if name.startswith(("/", "\\")) or ".." in Path(name).parts:
                    raise DataError(f"{archive_path} holds an unsafe member path {name!r}; refusing the archive. "
                                    f"Delete it and download it again from the official source.")
                if name not in wanted:
                    continue
                if not member.isfile():
                    raise DataError(f"{archive_path}: member {name!r} is not a regular file (a link or device); "
                                    f"refusing the archive. Delete it and download it again.")
                written.append(_write_atomically(tar.extractfile(member), folder / wanted[name]))
    except _WriteError as error:
        raise DataError(f"could not write {error.target} ({error.__cause__}): free disk space or make "
                        f"{folder} writable (or set {CACHE_DIR_VARIABLE} elsewhere), then run again.") from error
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DataError(f"{archive_path} is not a readable tar archive ({error}). "
                        f"Delete it and download it again.") from error
    missing = sorted(set(wanted.values()) - {p.name for p in written})
    if missing:
        raise DataError(f"{archive_path} lacks {missing}: it is not the expected archive. Delete it and download it again.")
    return written


class _WriteError(Exception):
    """Writing an extracted file failed (disk full, read-only folder); ``target`` names it."""

    def __init__(self, target: Path):
        super().__init__(str(target))
        self.target = target


def _write_atomically(stream, target: Path) -> Path:
    """Copy ``stream`` to ``target`` through a temporary file; read errors pass through, write errors become _WriteError."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        out = os.fdopen(handle, "wb")
    except OSError as error:
        raise _WriteError(target) from error
    try:
        with out:
            while chunk := stream.read(_CHUNK):
                _write(out, chunk, target)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _write(out, chunk: bytes, target: Path) -> None:
    try:
        out.write(chunk)
        out.flush()
    except OSError as error:
        raise _WriteError(target) from error
