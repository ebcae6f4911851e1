"""Which notebooks CI re-executes: the validated ones, and one cheap full page that reads the store, by commit."""
import nbformat

from pwcore.book.audit import audited, reads_store
from pwcore.book.runs import load_runs
from conftest import myst_notebook

RUNS = """\
small: {template: stored.md, parameters: {value: 1}}
full_cheap_a: {template: stored.md, validate: false, parameters: {value: 2}}
full_cheap_b: {template: stored.md, validate: false, parameters: {value: 3}}
full_slow: {template: stored.md, validate: false, parameters: {value: 4}}
full_direct: {template: direct.md, validate: false, parameters: {value: 5}}
"""


def _book(tmp_path, seconds):
    (tmp_path / "pkg" / "book").mkdir(parents=True)
    for path in ("pkg/__init__.py", "pkg/book/__init__.py", "pkg/book/results.py", "pkg/core.py"):
        (tmp_path / path).write_text("")
    (tmp_path / "stored.md").write_text(myst_notebook("value = 0", "from pkg.book import results\nprint(value)"))
    (tmp_path / "direct.md").write_text(myst_notebook("value = 0", "import pkg.core\nprint(value)"))
    (tmp_path / "runs.yml").write_text(RUNS)
    out = tmp_path / "out"
    out.mkdir()
    for name, duration in seconds.items():
        notebook = nbformat.v4.new_notebook(metadata={"papermill": {
            "duration": duration, "start_time": "2026-12-01T10:00:00", "end_time": "2026-12-01T10:15:00"}})
        nbformat.write(notebook, out / f"{name}.ipynb")
    return load_runs(tmp_path / "runs.yml"), out


def test_the_rotating_page_is_a_cheap_full_page_that_reads_the_store_and_changes_with_the_commit(tmp_path):
    runs, out = _book(tmp_path, {"small": 5, "full_cheap_a": 30, "full_cheap_b": 100, "full_slow": 900,
                                 "full_direct": 10})
    package = tmp_path / "pkg"
    assert reads_store(tmp_path / "stored.md", package) and not reads_store(tmp_path / "direct.md", package)
    picked = {audited(runs, out, commit, package_dir=package)[-1] for commit in ("a" * 40, "b" * 40, "0" * 40)}
    assert picked == {"full_cheap_a", "full_cheap_b"}  # never the slow page, nor one that computes directly
    for commit in ("a" * 40, "3" * 40):
        names = audited(runs, out, commit, package_dir=package)
        assert names[0] == "small" and len(names) == 2
        assert audited(runs, out, commit, package_dir=package) == names  # the same commit, the same page
    assert audited(runs, out, "a" * 40, budget=1, package_dir=package) == ["small"]
