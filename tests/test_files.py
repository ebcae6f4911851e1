"""Files written whole or not at all (pwcore.files), as the store, the CSV files and the PDF use them."""
import os

import pytest

from pwcore.files import replaced_atomically


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "entry.json"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with replaced_atomically(path) as file:
            file.write("half of the new")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["entry.json"]


def test_a_finished_write_replaces_the_file_readable_as_any_new_file(tmp_path):
    path = tmp_path / "folder" / "entry.json"
    old_mask = os.umask(0o022)
    try:
        with replaced_atomically(path) as file:
            file.write("new")
        with replaced_atomically(path, "wb") as file:
            file.write(b"newer")
    finally:
        os.umask(old_mask)
    assert path.read_bytes() == b"newer" and path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.json"]
