"""Files written whole or not at all (pwcore.files), as the store, the CSV files and the PDF use them."""
import os

import pytest

from pwcore import files
from pwcore.files import replaced_atomically


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "entry.json"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with replaced_atomically(path) as file:
            file.write("half of the new")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["entry.json"]


def test_a_finished_write_replaces_the_file_readable_as_any_new_file(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "UMASK", 0o022)
    path = tmp_path / "folder" / "entry.json"
    with replaced_atomically(path) as file:
        file.write("new")
    with replaced_atomically(path, "wb") as file:
        file.write(b"newer")
    assert path.read_bytes() == b"newer" and path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.json"]


def test_options_that_open_refuses_leave_nothing_behind(tmp_path):
    with pytest.raises(ValueError):
        with replaced_atomically(tmp_path / "x.csv", "w", newline="bad") as file:
            file.write("never")
    assert list(tmp_path.iterdir()) == []


def test_the_umask_is_the_process_s():
    mask = os.umask(0)
    os.umask(mask)
    assert files.UMASK == mask
