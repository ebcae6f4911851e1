"""A reader's own run of a page (pwcore.book.rerun): their parameters, checked before anything runs."""
import nbformat
import pytest

from pwcore.book import cli, rerun
from pwcore.book.paths import ROOT, TEMPLATES_DIR
from pwcore.book.runs import OUTPUT_NAME, load_runs
from conftest import glued_text


@pytest.mark.slow
def test_a_reader_s_run_follows_their_parameters_and_keeps_its_results_apart(shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    book_store = sorted((ROOT / "results").rglob("*.json"))
    output = tmp_path / "mine.ipynb"
    assert cli.main(["run", "experiment", "-p", "learning_rate=0.01", "-p", "max_epochs=5", "-o", str(output)]) == 0
    notebook = nbformat.read(output, as_version=4)
    values = glued_text(notebook)
    assert values["gd_epochs"] == "5" and values["pw_epochs"] == "5" and values["gd_status"] == "'max_epochs'"
    assert "learning rate 0.01," in nbformat.writes(notebook)
    assert list((tmp_path / "results").rglob("*.json")) and sorted((ROOT / "results").rglob("*.json")) == book_store


@pytest.mark.parametrize("arguments, message", [
    (["experimnt"], "no template 'experimnt': choose one of beyond, experiment,"),
    (["experiment", "-p", "datset=mnist"], "experiment has no parameter 'datset': its parameters are dataset, "),
    (["experiment", "-p", "learning_rate=fast"], "-p learning_rate='fast': expected a number like 0.0075"),
    (["experiment", "-p", "dataset=imagenet"], "unknown dataset 'imagenet': choose one of ['cat', 'cifar10', 'mnist']"),
    (["experiment", "-p", "am_input=tanh"], "unknown AM-softmax input 'tanh'"),
    (["experiment", "-p", "learning_rate"], "write a parameter as name=value"),
    (["experiment", "-p", "calibrated_from=nowhere"], "no calibration page of that name beside the output or in"),
    (["study_seeds", "-p", f"{OUTPUT_NAME}=x"], "choose -o instead"),
    (["experiment", "-o", "mine.html"], "name it <something>.ipynb"),
    (["experiment", "-o", "no/such/folder/mine.ipynb"], "does not exist: create it first"),
    (["experiment", "-o", str(ROOT / "mine.ipynb")], "write your notebook outside the book's own folders"),
    (["experiment", "-o", str(ROOT / "book" / "generated" / "experiment_cat.ipynb")], "outside the book's own"),
    (["experiment", "--store", str(ROOT / "results")], "that is the book's store"),
    (["experiment", "-p", "max_epochs=5.5"], "-p max_epochs=5.5: expected a whole number like 3000"),
    (["experiment", "-p", "max_epochs=0"], "max_epochs must be a positive integer, got 0"),
    (["experiment", "-p", "target=low"], "-p target='low': expected a number like 0.1"),
    (["experiment", "-p", "seed={[1]: 2}"], "expected a whole number like 1"),
    (["study_calibration", "-p", "grid=[1, 2]"], "expected a dict like"),
])
def test_a_wrong_template_parameter_value_or_output_is_one_line_before_any_work(arguments, message, monkeypatch,
                                                                               tmp_path, capsys):
    from pwcore.book import execution

    def started(*args, **kwargs):
        raise AssertionError("a kernel was started")
    monkeypatch.setattr(execution, "execute", started)
    monkeypatch.setattr(execution, "check_kernel_source", started)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error and error.count("\n") == 1


def test_every_template_s_parameters_are_listed_with_a_default_and_a_meaning(capsys):
    for name in rerun.templates():
        assert cli.main(["run", name, "--list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        known = [p for p in rerun.template_parameters(TEMPLATES_DIR / f"{name}.md") if p != OUTPUT_NAME]
        rows = listed[1:-1]
        assert [row.split("=")[0].strip() for row in rows] == known
        assert all("  # " in row for row in rows), f"{name}: say what each parameter means in a comment on its line"


def test_a_value_is_a_python_literal_or_else_a_string():
    assert rerun.parse_value("0.001") == 0.001 and rerun.parse_value("[1, 2]") == [1, 2]
    assert rerun.parse_value("None") is None and rerun.parse_value("mnist") == "mnist"
    assert rerun.parse_value("255", default="255") == "255" and rerun.parse_value("{[1]: 2}") == "{[1]: 2}"
    assert rerun.parse_value("'mnist'", default="cat") == rerun.parse_value('"mnist"', default="cat") == "mnist"
    assert rerun.checked_parameters(TEMPLATES_DIR / "experiment.md", ["scaling=255", "target=0.2"]) == \
        {"scaling": "255", "target": 0.2}
    template = TEMPLATES_DIR / "study_learning_rate.md"
    given = rerun.checked_parameters(template, ["seeds=[1, 2, 3]", "max_epochs=50", "learning_rates=[1, 2]"])
    assert given == {"seeds": [1, 2, 3], "max_epochs": 50, "learning_rates": [1, 2]}


def test_a_runs_file_anywhere_uses_the_book_s_templates(tmp_path):
    spec = tmp_path / "mine.yml"
    spec.write_text("my_cat:\n  template: experiment.md\n  parameters: {learning_rate: 0.01}\n")
    (run,) = load_runs(spec)
    assert run.template == TEMPLATES_DIR / "experiment.md" and run.parameters == {"learning_rate": 0.01}
    spec.write_text("broken:\n  template: experimnt.md\n")
    with pytest.raises(FileNotFoundError, match="experimnt.md, which is neither beside it nor in .*experiment.md"):
        load_runs(spec)


@pytest.mark.slow
def test_what_only_the_computation_refuses_is_one_line_and_leaves_no_notebook(shared_data, monkeypatch, tmp_path,
                                                                                capsys):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    output = tmp_path / "one_rate.ipynb"
    assert cli.main(["run", "study_learning_rate", "-p", "learning_rates=[0.01]", "-o", str(output)]) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("a cell of study_learning_rate failed (ValueError: give at least two distinct positive")
    assert not output.exists()
