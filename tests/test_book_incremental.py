"""Incremental regeneration on a tiny book: fingerprints, records, the plan and its reasons, --force, --dry-run.

The tiny book has three runs: ``a`` and ``c`` read nothing, ``b`` reads ``a`` (``calibrated_from``), and
``summary`` reads all. Its "pwcore" is a package of this test's own, ``pkg``, so a change to it is simulated
safely: the templates import ``pkg.core`` (which imports ``pkg.helper``); ``pkg.extra`` no template imports.
The fingerprint reads the imports statically, so the kernel need not find ``pkg``.
"""
import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import myst_notebook
from pwcore.book import cli
from pwcore.book.execution import check_kernel_source
from pwcore.book.fingerprint import Fingerprint, fingerprints, module_hashes
from pwcore.sources import module_files
from pwcore.book.paths import ROOT
from pwcore.book.plan import FORCED, plan, reasons_text, stale
from pwcore.book.record import Record, from_metadata as read_record_from, read_record, records_table
from pwcore.book.runs import load_runs

IMPORT = "try:\n    import pkg.core\nexcept ImportError:\n    pass\n"
RUNS = """\
a:
  template: value.md
  parameters: {value: 1}
b:
  template: reader.md
  parameters: {calibrated_from: a}
c:
  template: value.md
  parameters: {value: 3}
summary:
  template: value.md
  reads: all
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The tiny book executed once by ``python -m pwcore.book --no-html``."""
    root = tmp_path_factory.mktemp("book")
    (root / "value.md").write_text(myst_notebook("value = 0", IMPORT + "print(value * 2)"))
    (root / "reader.md").write_text(myst_notebook("calibrated_from = None", IMPORT + "print('reads', calibrated_from)"))
    (root / "runs.yml").write_text(RUNS)
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "core.py").write_text("from .helper import y\nx = 1\n")
    (root / "pkg" / "helper.py").write_text("y = 1\n")
    (root / "pkg" / "extra.py").write_text("z = 1\n")
    assert cli.main(_arguments(root), package_dir=root / "pkg") == 0
    return root


@pytest.fixture
def book(executed, tmp_path):
    """A copy of the executed tiny book that a test may change."""
    return shutil.copytree(executed, tmp_path / "book")


def _arguments(root, *extra):
    return ["--no-html", "--runs", str(root / "runs.yml"), "--out", str(root / "out"), *extra]


def _plan(root, **options):
    steps = plan(load_runs(root / "runs.yml"), root / "out", root / "pkg", **options)
    return {step.run.name: step.reasons for step in steps}


def _mtimes(root):
    return {path.name: path.stat().st_mtime_ns for path in (root / "out").glob("*.ipynb")}


@pytest.mark.slow
def test_a_second_run_re_executes_nothing_and_says_so(book, capsys):
    before = _mtimes(book)
    assert cli.main(_arguments(book), package_dir=book / "pkg") == 0
    assert "nothing to re-execute: all 4 notebooks match their sources" in capsys.readouterr().out
    assert _mtimes(book) == before
    assert stale(load_runs(book / "runs.yml"), book / "out", book / "pkg") == {}


@pytest.mark.slow
def test_a_change_to_pwcore_re_executes_every_notebook(book, capsys):
    (book / "pkg" / "helper.py").write_text("y = 2\n")  # imported by pkg.core, which every template imports
    changed = "pwcore changed: helper.py"
    assert _plan(book) == {"a": (changed,), "b": (changed, "depends on a"), "c": (changed,),
                           "summary": (changed, "depends on a", "depends on b", "depends on c")}
    before = _mtimes(book)
    assert cli.main(_arguments(book), package_dir=book / "pkg") == 0
    out = capsys.readouterr().out
    assert "4 of 4 notebooks to re-execute" in out and "executed 4 notebook(s)" in out
    assert all(_mtimes(book)[name] != mtime for name, mtime in before.items())
    assert _plan(book) == {}


def test_a_comment_or_docstring_in_a_module_re_executes_nothing(book):
    (book / "pkg" / "helper.py").write_text('"""The helper, documented."""\n\ny = 1  # one\n')
    (book / "pkg" / "core.py").write_text("# the core\nfrom .helper import y\n\nx = 1\n")
    assert _plan(book) == {}
    (book / "pkg" / "helper.py").write_text('"""The helper, documented."""\n\ny = 1.0  # one\n')  # code: 1.0 is not 1
    assert set(_plan(book)) == {"a", "b", "c", "summary"}


def test_a_module_no_template_imports_re_executes_nothing(book):
    (book / "pkg" / "extra.py").write_text("z = 2\n")
    (book / "pkg" / "new_module.py").write_text("w = 1\n")
    assert _plan(book) == {}


def test_a_changed_template_re_executes_the_runs_of_it_and_their_readers_only(book):
    (book / "reader.md").write_text(myst_notebook("calibrated_from = None", IMPORT + "print('now', calibrated_from)"))
    assert _plan(book) == {"b": ("template changed",), "summary": ("depends on b",)}


def test_changed_parameters_re_execute_that_run_and_its_readers(book):
    (book / "runs.yml").write_text(RUNS.replace("{value: 1}", "{value: 5}"))
    assert _plan(book) == {"a": ("parameters changed",), "b": ("depends on a",),
                           "summary": ("depends on a", "depends on b")}


def test_a_stale_notebook_is_reported_with_its_reason(book):
    (book / "value.md").write_text(myst_notebook("value = 0", IMPORT + "print(value * 3)"))
    (book / "out" / "orphan.ipynb").write_text((book / "out" / "a.ipynb").read_text())
    unrecorded = nbformat.read(book / "out" / "c.ipynb", as_version=4)
    del unrecorded.metadata["pwcore"]["sources"]
    nbformat.write(unrecorded, book / "out" / "c.ipynb")
    found = stale(load_runs(book / "runs.yml"), book / "out", book / "pkg")
    assert found == {"a": ["template changed"], "b": ["depends on a"], "c": ["no record"],
                     "summary": ["template changed", "depends on a", "depends on b", "depends on c"],
                     "orphan": ["no run in runs.yml (delete the notebook)"]}


def test_a_missing_notebook_and_an_edited_record_are_reasons(book):
    (book / "out" / "a.ipynb").unlink()
    edited = nbformat.read(book / "out" / "c.ipynb", as_version=4)
    edited.metadata["pwcore"]["sources"]["pwcore"]["core.py"] = "0" * 64  # its hash no longer matches its parts
    nbformat.write(edited, book / "out" / "c.ipynb")
    assert _plan(book)["a"] == ("no notebook",)
    assert _plan(book)["c"] == ("no record",)


def test_force_re_executes_every_run_and_only_selects_a_run_and_its_readers(book):
    assert _plan(book, force=True) == {name: (FORCED,) for name in ("a", "b", "c", "summary")}
    assert _plan(book, only=["c"]) == {"c": ("selected (--only)",), "summary": ("depends on c",)}


def test_a_dry_run_lists_the_plan_and_executes_nothing(book, capsys):
    (book / "pkg" / "core.py").write_text("from .helper import y\nx = 2\n")
    before = _mtimes(book)
    assert cli.main(_arguments(book, "--dry-run"), package_dir=book / "pkg") == 0
    out = capsys.readouterr().out
    assert "4 of 4 notebooks to re-execute" in out
    assert "summary  pwcore changed: core.py, depends on a, b, c  [last time" in out
    assert _mtimes(book) == before


def test_each_notebook_records_its_fingerprint_commit_and_template(executed):
    runs = load_runs(executed / "runs.yml")
    current = fingerprints(runs, executed / "pkg")
    record = read_record(executed / "out" / "b.ipynb")
    assert record.fingerprint == current["b"] and record.fingerprint.reads == {"a": current["a"].hash}
    assert record.template.endswith("reader.md") and record.commit != "not recorded"
    stored = nbformat.read(executed / "out" / "b.ipynb", as_version=4).metadata["pwcore"]["sources"]
    assert stored["hash"] == current["b"].hash and len(stored["hash"]) == 64


def test_the_fingerprint_hash_covers_every_part():
    base = Fingerprint("t", "p", {"m.py": "c"}, {"a": "h"})
    variants = [Fingerprint("T", "p", {"m.py": "c"}, {"a": "h"}), Fingerprint("t", "P", {"m.py": "c"}, {"a": "h"}),
                Fingerprint("t", "p", {"m.py": "C"}, {"a": "h"}), Fingerprint("t", "p", {"n.py": "c"}, {"a": "h"}),
                Fingerprint("t", "p", {"m.py": "c"}, {"a": "H"}), Fingerprint("t", "p", {"m.py": "c"}, {})]
    assert len({base.hash} | {v.hash for v in variants}) == 7
    assert Fingerprint.from_dict(json.loads(json.dumps(base.as_dict()))) == base


def test_a_record_of_another_form_reads_as_none():
    older = {"template": "t", "parameters": "p", "pwcore": "0" * 64, "reads": {}, "hash": "h"}
    with pytest.raises(ValueError, match="not of this form .* re-execute the notebook"):
        Fingerprint.from_dict(older)
    assert Record(fingerprint=None) == read_record_from({"pwcore": {"sources": older}})


def _package(root, files: dict):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_modules_a_source_runs_are_followed_through_the_package(tmp_path):
    pkg = _package(tmp_path / "pkg", {
        "__init__.py": "from .a import f\n",
        "a.py": "def f():\n    from . import b  # inside a function: still counted\n",
        "b.py": "import importlib\nimportlib.import_module('pkg.sub.c')\n",
        "sub/__init__.py": "", "sub/c.py": "from ..d import g\n", "d.py": "g = 1\n",
        "unused.py": "import pkg.a\n", "sub/unused.py": "",
    })
    files = {path.relative_to(pkg).as_posix() for path in module_files("from pkg.sub import c\n", pkg)}
    assert files == {"__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/c.py", "d.py"}
    assert module_files("import numpy\nfrom pkg import f\n", pkg) == [pkg / "__init__.py", pkg / "a.py", pkg / "b.py",
                                                                       pkg / "d.py", pkg / "sub/__init__.py",
                                                                       pkg / "sub/c.py"]
    assert module_files("import os\n", pkg) == []


def test_module_hashes_name_each_file_and_refuse_a_folder_that_is_no_package(tmp_path):
    pkg = _package(tmp_path / "pkg", {"__init__.py": "", "core.py": "x = 1\n", "other.py": ""})
    (tmp_path / "t.md").write_text(myst_notebook("v = 0", "%matplotlib inline\nimport pkg.core"))
    hashes = module_hashes(tmp_path / "t.md", pkg)
    assert sorted(hashes) == ["__init__.py", "core.py"] and all(len(h) == 64 for h in hashes.values())
    with pytest.raises(FileNotFoundError, match="not a Python package"):
        module_hashes(tmp_path / "t.md", tmp_path)
    (tmp_path / "bad.md").write_text(myst_notebook("v = 0", "import pkg.core\nif True print(1)"))
    with pytest.raises(ValueError, match="bad.md: a code cell does not parse"):
        module_hashes(tmp_path / "bad.md", pkg)


def test_reasons_read_as_one_line():
    assert reasons_text(("pwcore changed", "depends on a", "depends on b")) == "pwcore changed, depends on a, b"
    many = tuple(f"depends on r{i}" for i in range(6))
    assert reasons_text(many) == "depends on r0, r1, r2 and 3 more"


@pytest.mark.parametrize("spec, message", [
    ("a:\n  template: value.md\n  reads: [nowhere]\n", r"run 'a' reads \['nowhere'\].*correct its `reads`"),
    ("a:\n  template: value.md\n  parameters: {calibrated_from: a}\n", r"run 'a' reads \['a'\]"),
    ("a:\n  template: value.md\n  reads: b\nb:\n  template: value.md\n  reads: a\n", r"\['a', 'b'\] read each other"),
])
def test_reads_that_cannot_be_satisfied_are_named(tmp_path, spec, message):
    (tmp_path / "value.md").write_text(myst_notebook("value = 0", "print(value)"))
    (tmp_path / "runs.yml").write_text(spec)
    with pytest.raises(ValueError, match=message):
        load_runs(tmp_path / "runs.yml")


def test_force_and_only_together_are_refused(book, capsys):
    with pytest.raises(SystemExit):
        cli.main(_arguments(book, "--force", "--only", "a"), package_dir=book / "pkg")
    assert "leave out --only, or --force" in capsys.readouterr().err


def test_a_kernel_that_would_import_another_pwcore_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match=r"would import pwcore from .*, not from .*PYTHONPATH="):
        check_kernel_source(tmp_path / "elsewhere", tmp_path / "out")


def test_the_records_table_shows_each_page_s_commit_and_hash_shortened(executed):
    record = read_record(executed / "out" / "a.ipynb")
    table = records_table({"a": record, "old": Record(machine="cpu")}).splitlines()
    commit = record.commit[:12] + ("+changes" if record.commit.endswith("+changes") else "")
    assert table[2] == f"| a | `{commit}` | `{record.fingerprint.hash[:12]}` |"
    assert table[3] == "| old | `not recorded` | `not recorded` |"


@pytest.mark.parametrize("template", sorted((ROOT / "notebooks").glob("*.md")), ids=lambda path: path.name)
def test_every_pwcore_module_a_template_loads_is_in_its_fingerprint(template):
    """The static analysis against what Python loads: run the template's imports and compare."""
    import ast
    import sys

    from pwcore.book.imports import template_code
    imports = [node for node in ast.parse(template_code(template)).body if isinstance(node, (ast.Import, ast.ImportFrom))]
    code = "\n".join(ast.unparse(node) for node in imports)
    code += "\nimport sys; print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'pwcore'))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    hashed = module_hashes(template, ROOT / "pwcore")
    files = {Path(path).resolve().relative_to((ROOT / "pwcore").resolve()).as_posix() for path in loaded}
    assert files and files <= set(hashed), f"loaded but not hashed: {sorted(files - set(hashed))}"
