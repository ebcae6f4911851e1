"""Files written whole or not at all: a reader (or a run killed part-way) sees the old file or the new one."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path


@contextmanager
def replaced_atomically(path, mode: str = "w", **open_options):
    """Open a temporary file beside ``path`` for writing; when the block ends it replaces ``path``.

    The file is synced, given the permissions a new file gets here (``0o666`` less the umask, not the
    ``0o600`` of a temporary file), renamed over ``path``, and the rename synced (where the system allows).
    If the block raises, the temporary file is removed and ``path`` is left as it was. The folder is
    created if needed.

    Parameters
    ----------
    path : path
    mode : str
        ``"w"`` (text) or ``"wb"`` (bytes).
    open_options
        Passed to :func:`open`, e.g. ``newline=""`` for the csv module.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        file = open(handle, mode, **open_options)
    except BaseException:
        with suppress(OSError):  # open() may have closed it already
            os.close(handle)
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), 0o666 & ~UMASK)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _umask() -> int:
    """The process's umask, read once at import (reading it means setting it, which must not race a thread)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def _sync_folder(folder: Path) -> None:
    """Sync a folder's entries (the rename) to disk where the system can open a folder."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
