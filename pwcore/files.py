"""Files written whole or not at all: a reader (or a run killed part-way) sees the old file or the new one."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path, mode: str = "w", **open_options):
    """Open a temporary file beside ``path`` for writing; when the block ends it replaces ``path``.

    The file is synced, given the permissions a new file gets here (``0o666`` less the umask, not the
    ``0o600`` of a temporary file), and renamed over ``path``. If the block raises, the temporary file
    is removed and ``path`` is left as it was. The folder is created if needed.

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
        with os.fdopen(handle, mode, **open_options) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it: set it back at once
    os.umask(mask)
    return mask
