"""Provenance: the commit, and what counts as a change to it."""
import subprocess

from pwcore.book import provenance


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_commit_ignores_the_regenerated_notebooks_but_not_code(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "book" / "generated").mkdir(parents=True)
    (tmp_path / "book" / "generated" / "page.ipynb").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    clean = provenance.git_commit(tmp_path)
    assert len(clean) == 40
    (tmp_path / "book" / "generated" / "page.ipynb").write_text('{"new": 1}')
    assert provenance.git_commit(tmp_path) == clean
    (tmp_path / "code.py").write_text("x = 2\n")
    assert provenance.git_commit(tmp_path) == clean + "+changes"


def test_outside_git_the_commit_is_unknown(tmp_path):
    assert provenance.git_commit(tmp_path) == "unknown"


def test_block_lists_parameters_machine_and_data():
    table = provenance.block({"seed": 3}, {"files": {"cat/x.h5": "sha256:abc"}}, notebook="n.md")
    assert "seed=3" in table and "BLAS" in table and "CPU" in table and "`sha256:abc`" in table
