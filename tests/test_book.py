"""The book's wiring: runs, table of contents, atomic notebook regeneration, MathJax."""
import re
from pathlib import Path

import pytest
import yaml

from conftest import myst_notebook
from test_pages import toc_files
from pwcore.book import cli, html
from pwcore.book.execution import execute
from pwcore.book.plan import SELECTED, plan
from pwcore.book.runs import PageRun, execution_order, load_runs, parameter_names

ROOT = Path(__file__).resolve().parents[1]


def test_every_run_has_its_template_and_every_page_exists():
    runs = load_runs(ROOT / "notebooks" / "runs.yml")
    assert {"figure1", "experiment_cat"} <= {run.name for run in runs}
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]] + [file for part in toc["parts"] for file in toc_files(part["chapters"])]
    names = {run.name for run in runs}
    for page in pages:
        if page.startswith("book/generated/"):
            assert page.split("/")[-1] in names, f"{page} is in the table of contents but not in runs.yml"
            assert (ROOT / f"{page}.ipynb").is_file(), f"{page}.ipynb has not been generated"
        else:
            assert (ROOT / f"{page}.md").is_file()


def test_every_run_names_only_template_parameters():
    import jupytext
    for run in load_runs(ROOT / "notebooks" / "runs.yml"):
        names = parameter_names(jupytext.read(run.template))
        assert set(run.parameters) <= names, f"{run.name}: unknown parameters {set(run.parameters) - names}"


def test_a_missing_template_is_named(tmp_path):
    spec = tmp_path / "runs.yml"
    spec.write_text("broken:\n  template: nowhere.md\n")
    with pytest.raises(FileNotFoundError, match="nowhere.md"):
        load_runs(spec)


TEMPLATE = myst_notebook("value = 1", 'assert value > 0, "value must be positive"\nprint(value * 2)')


def test_execute_writes_the_notebook_with_parameters_and_no_kernel_warning(tmp_path, capfd):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    path = execute(PageRun("demo", template, {"value": 21}), tmp_path / "out")
    assert path.name == "demo.ipynb" and "42" in path.read_text()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["demo.ipynb"]
    printed = capfd.readouterr()
    assert "WARNING" not in printed.out + printed.err  # the kernel's own stderr included (file descriptor 2)


def test_a_template_with_an_output_name_parameter_is_given_the_run_s_name(tmp_path):
    template = tmp_path / "t.md"
    template.write_text(myst_notebook('output_name = "template"',
                                      'import pathlib\npathlib.Path(output_name + "_rows.csv").write_text("a\\n1\\n")'))
    execute(PageRun("demo", template, {}), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo.ipynb", "demo_rows.csv"]  # written beside it
    plain = tmp_path / "plain.md"
    plain.write_text(TEMPLATE)
    assert "output_name" not in execute(PageRun("plain", plain, {"value": 1}), tmp_path / "out").read_text()


def test_a_failing_execution_keeps_the_previous_notebook(tmp_path):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo.ipynb").write_text("previous version")
    with pytest.raises(Exception, match="value must be positive"):
        execute(PageRun("demo", template, {"value": -1}), out)
    assert (out / "demo.ipynb").read_text() == "previous version"
    assert [p.name for p in out.iterdir()] == ["demo.ipynb"]  # no temporary left behind


def test_validated_list_leaves_out_the_full_sweeps(capsys):
    assert cli.main(["--list-validated"]) == 0
    listed = capsys.readouterr().out.split()
    assert "book/generated/experiment_cat.ipynb" in listed
    assert "book/generated/study_seeds_ci.ipynb" in listed
    assert "book/generated/study_seeds_cat.ipynb" not in listed


def test_a_failing_run_is_named_and_the_command_exits_1(tmp_path, capsys):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    (tmp_path / "runs.yml").write_text("demo:\n  template: t.md\n  parameters: {value: -1}\n")
    code = cli.main(["--no-html", "--runs", str(tmp_path / "runs.yml"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "run 'demo' failed" in err and "value must be positive" in err


def test_an_executed_notebook_carries_its_timing_and_machine(tmp_path):
    from pwcore.book.provenance import machine_description
    from pwcore.book.timings import read_timing
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    timing = read_timing(execute(PageRun("demo", template, {"value": 21}), tmp_path / "out"))
    assert timing.name == "demo" and timing.seconds > 0 and timing.ended >= timing.started
    assert timing.machine == machine_description()


def test_the_regeneration_summary_reads_every_other_run_and_runs_last():
    runs = load_runs(ROOT / "notebooks" / "runs.yml")
    summary = next(run for run in runs if run.name == "regeneration")
    assert set(summary.reads) == {run.name for run in runs} - {"regeneration"}
    assert [run.name for run in execution_order(runs)][-1] == "regeneration"


def test_only_a_calibration_re_executes_it_and_the_pages_that_read_it(tmp_path):
    runs = load_runs(ROOT / "notebooks" / "runs.yml")
    steps = plan(runs, tmp_path, only=["study_calibration_mnist"])
    readers = ["study_calibration_seeds_mnist", "experiment_mnist_calibrated", "study_seeds_mnist"]
    assert [(step.run.name, step.reasons) for step in steps] == [
        ("study_calibration_mnist", (SELECTED,)),
        *[(name, ("depends on study_calibration_mnist",)) for name in readers],
        ("regeneration", tuple(f"depends on {name}" for name in ["study_calibration_mnist", *readers]))]


def test_the_mathjax_copy_holds_tex_chtml_its_fonts_and_licence(tmp_path):
    target = html.ensure_mathjax(tmp_path / "_vendor")
    assert target == tmp_path / "_vendor" / "mathjax"
    script = (target / "tex-chtml.js").read_text()
    assert 'VERSION="3.2.2"' in script, "not MathJax 3.2.2"
    fonts = {p.name for p in (target / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")}
    assert {"MathJax_Main-Regular.woff", "MathJax_Math-Italic.woff", "MathJax_Size1-Regular.woff"} <= fonts
    assert len(fonts) >= 20
    assert "Apache License" in (target / "LICENSE").read_text()
    assert (target / "SOURCE").read_text().split() == [html.MATHJAX_PACKAGE, "3.2.2.1"]
    assert not (tmp_path / "_vendor" / ".mathjax-partial").exists()


def test_the_mathjax_copy_is_made_again_when_its_source_changes(tmp_path):
    target = html.ensure_mathjax(tmp_path)
    (target / "SOURCE").write_text("another-package 0.1\n")
    (target / "tex-chtml.js").write_text("stale")
    html.ensure_mathjax(tmp_path)
    assert (target / "tex-chtml.js").read_text() != "stale"


def test_a_missing_mathjax_package_is_named_with_its_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(html, "MATHJAX_PACKAGE", "no-such-mathjax-package")
    with pytest.raises(RuntimeError, match=r"no-such-mathjax-package.*pip install -e '\.\[book\]'"):
        html.ensure_mathjax(tmp_path)



def test_the_core_modules_never_import_the_book_layer():
    import ast
    for path in sorted((ROOT / "pwcore").rglob("*.py")):
        if "book" in path.relative_to(ROOT / "pwcore").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
                assert not (node.level and "book" in names) and not (node.module or "").startswith("pwcore.book"), \
                    f"{path.relative_to(ROOT)} imports the book layer (pwcore.book): move the code it needs into core"
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("pwcore.book") for alias in node.names), path


def _imports_of(path: Path) -> set:
    """The pwcore modules (files) that ``path`` imports directly, its package's ``__init__`` aside."""
    from pwcore.sources import _files_run_by, imported_names
    package_dir = ROOT / "pwcore"
    module = ".".join(("pwcore", *path.relative_to(package_dir).with_suffix("").parts))
    names = imported_names(path.read_text(), "pwcore", module, path.name == "__init__.py")
    return {found for name in names for _, found in _files_run_by(name, package_dir)
            if found.name != "__init__.py" and found != path}


def test_no_two_modules_of_pwcore_import_each_other_even_through_others():
    files = sorted((ROOT / "pwcore").rglob("*.py"))
    graph = {path: _imports_of(path) for path in files}
    for start in files:
        seen, pending = set(), list(graph[start])
        while pending:
            path = pending.pop()
            assert path != start, f"{start.relative_to(ROOT)} imports itself through its imports: break the cycle"
            if path not in seen:
                seen.add(path)
                pending += graph.get(path, ())


@pytest.mark.parametrize("templates, runs_only_with_them", [
    (["study_calibration"], "calibration.py"), (["beyond", "practice"], "beyond.py"),
    (["beyond", "practice"], "practice.py"), (["beyond"], "replay.py"), (["study_learning_rate"], "book/sweeps.py")])
def test_a_page_s_fingerprint_covers_what_it_runs_and_not_what_other_pages_run(templates, runs_only_with_them):
    from pwcore.book.imports import template_modules
    covered = {path.stem: [p.relative_to(ROOT / "pwcore").as_posix() for p in template_modules(path, ROOT / "pwcore")]
               for path in (ROOT / "notebooks").glob("*.md")}
    assert sorted(name for name, modules in covered.items() if runs_only_with_them in modules) == templates
    assert not {"study.py", "calibration.py"} & set(covered["figure1"] + covered["regeneration"])


def test_a_label_and_its_table_are_kept_in_one_container_that_printing_keeps_on_a_page():
    from pwcore.book.report import kept_together
    block = kept_together("**Depth**\n\n| a |\n|---|\n| 1 |")
    assert block.splitlines()[0] == ":::{container} pwcore-keep" and block.splitlines()[-1] == ":::"
    assert "**Depth**\n\n| a |" in block
    css = (ROOT / "pwcore" / "book" / "assets" / "print.css").read_text()
    assert re.search(r"\.pwcore-keep\s*\{\s*break-inside:\s*avoid", css), "the print style does not keep it together"
