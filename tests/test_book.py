"""The book's wiring: runs, table of contents, atomic notebook regeneration."""
from pathlib import Path

import pytest
import yaml

from pwcore import book
from conftest import myst_notebook

ROOT = Path(__file__).resolve().parents[1]


def test_every_run_has_its_template_and_every_page_exists():
    runs = book.load_runs(ROOT / "notebooks" / "runs.yml")
    assert {"figure1", "experiment_cat"} <= {run.name for run in runs}
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    names = {run.name for run in runs}
    for page in pages:
        if page.startswith("book/generated/"):
            assert page.split("/")[-1] in names, f"{page} is in the table of contents but not in runs.yml"
            assert (ROOT / f"{page}.ipynb").is_file(), f"{page}.ipynb has not been generated"
        else:
            assert (ROOT / f"{page}.md").is_file()


def test_every_run_names_only_template_parameters():
    import jupytext
    for run in book.load_runs(ROOT / "notebooks" / "runs.yml"):
        names = book.parameter_names(jupytext.read(run.template))
        assert set(run.parameters) <= names, f"{run.name}: unknown parameters {set(run.parameters) - names}"


def test_a_missing_template_is_named(tmp_path):
    spec = tmp_path / "runs.yml"
    spec.write_text("broken:\n  template: nowhere.md\n")
    with pytest.raises(FileNotFoundError, match="nowhere.md"):
        book.load_runs(spec)


TEMPLATE = myst_notebook("value = 1", 'assert value > 0, "value must be positive"\nprint(value * 2)')


def test_execute_writes_the_notebook_with_parameters(tmp_path):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    path = book.execute(book.Run("demo", template, {"value": 21}), tmp_path / "out")
    assert path.name == "demo.ipynb" and "42" in path.read_text()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["demo.ipynb"]


def test_a_template_with_an_output_name_parameter_is_given_the_run_s_name(tmp_path):
    template = tmp_path / "t.md"
    template.write_text(myst_notebook('output_name = "template"',
                                      'import pathlib\npathlib.Path(output_name + "_rows.csv").write_text("a\\n1\\n")'))
    book.execute(book.Run("demo", template, {}), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo.ipynb", "demo_rows.csv"]  # written beside it
    plain = tmp_path / "plain.md"
    plain.write_text(TEMPLATE)
    assert "output_name" not in book.execute(book.Run("plain", plain, {"value": 1}), tmp_path / "out").read_text()


def test_a_failing_execution_keeps_the_previous_notebook(tmp_path):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo.ipynb").write_text("previous version")
    with pytest.raises(Exception, match="value must be positive"):
        book.execute(book.Run("demo", template, {"value": -1}), out)
    assert (out / "demo.ipynb").read_text() == "previous version"
    assert [p.name for p in out.iterdir()] == ["demo.ipynb"]  # no temporary left behind


def test_validated_list_leaves_out_the_full_sweeps(capsys):
    assert book.main(["--list-validated"]) == 0
    listed = capsys.readouterr().out.split()
    assert "book/generated/experiment_cat.ipynb" in listed
    assert "book/generated/study_seeds_ci.ipynb" in listed
    assert "book/generated/study_seeds_cat.ipynb" not in listed


def test_a_failing_run_is_named_and_the_command_exits_1(tmp_path, capsys):
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    (tmp_path / "runs.yml").write_text("demo:\n  template: t.md\n  parameters: {value: -1}\n")
    code = book.main(["--no-html", "--runs", str(tmp_path / "runs.yml"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "run 'demo' failed" in err and "value must be positive" in err


def test_an_executed_notebook_carries_its_timing_and_machine(tmp_path):
    from pwcore.regeneration import machine_description, read_timing
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    timing = read_timing(book.execute(book.Run("demo", template, {"value": 21}), tmp_path / "out"))
    assert timing.name == "demo" and timing.seconds > 0 and timing.ended >= timing.started
    assert timing.machine == machine_description()


def test_the_regeneration_summary_runs_after_any_selection():
    runs = book.load_runs(ROOT / "notebooks" / "runs.yml")
    assert runs[-1].name == book.SUMMARY_RUN
    first, summary = runs[0], runs[-1]
    assert [r.name for r in book.with_summary_last([summary, first], runs)] == [first.name, summary.name]
    assert [r.name for r in book.with_summary_last([first], runs)] == [first.name, summary.name]
    assert book.with_summary_last([], runs) == []


def test_the_mathjax_copy_holds_tex_chtml_its_fonts_and_licence(tmp_path):
    target = book.ensure_mathjax(tmp_path / "_vendor")
    assert target == tmp_path / "_vendor" / "mathjax"
    script = (target / "tex-chtml.js").read_text()
    assert 'VERSION="3.2.2"' in script, "not MathJax 3.2.2"
    fonts = {p.name for p in (target / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")}
    assert {"MathJax_Main-Regular.woff", "MathJax_Math-Italic.woff", "MathJax_Size1-Regular.woff"} <= fonts
    assert len(fonts) >= 20
    assert "Apache License" in (target / "LICENSE").read_text()
    assert (target / "SOURCE").read_text().split() == [book.MATHJAX_PACKAGE, "3.2.2.1"]
    assert not (tmp_path / "_vendor" / ".mathjax-partial").exists()


def test_the_mathjax_copy_is_made_again_when_its_source_changes(tmp_path):
    target = book.ensure_mathjax(tmp_path)
    (target / "SOURCE").write_text("another-package 0.1\n")
    (target / "tex-chtml.js").write_text("stale")
    book.ensure_mathjax(tmp_path)
    assert (target / "tex-chtml.js").read_text() != "stale"


def test_a_missing_mathjax_package_is_named_with_its_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(book, "MATHJAX_PACKAGE", "no-such-mathjax-package")
    with pytest.raises(RuntimeError, match=r"no-such-mathjax-package.*pip install -e '\.\[book\]'"):
        book.ensure_mathjax(tmp_path)
