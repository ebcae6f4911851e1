"""The pages as a reader meets them: titles, parameter cells, figures with data, checksum tables, tables
without bare nan (pwcore.book.pages, pwcore.book.figcheck, the plots' refusal of empty axes)."""
import copy
import json
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
import yaml

from conftest import glued_outputs
from pwcore.book import figcheck, pages, report

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "notebooks" / "runs.yml"
GENERATED = ROOT / "book" / "generated"

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def toc_files(entries):
    for entry in entries or []:
        if "file" in entry:
            yield entry["file"]
        yield from toc_files(entry.get("sections"))


# --- titles and parameter cells -------------------------------------------------------------------------------


def test_every_generated_page_has_its_own_title():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    generated = [f.split("/")[-1] for part in toc["parts"] for f in toc_files(part["chapters"])
                 if f.startswith("book/generated/")]
    titles = pages.load_titles(RUNS)
    assert not [name for name in generated if name not in titles], "pages of the book without a title: in runs.yml"
    shown = [titles[name] for name in generated]
    assert len(set(shown)) == len(shown), f"titles shared by two pages: {[t for t in shown if shown.count(t) > 1]}"


def test_committed_notebooks_carry_their_titles_and_tagged_parameter_cells():
    titles = pages.load_titles(RUNS)
    for name, title in titles.items():
        path = GENERATED / f"{name}.ipynb"
        if not path.is_file():
            continue
        notebook = nbformat.read(str(path), as_version=4)
        assert not pages.set_title(copy.deepcopy(notebook), title), f"{name}: heading is not {title!r}"
        assert not pages.present_parameters(copy.deepcopy(notebook)), f"{name}: parameter cells not tagged"


def _executed_like_papermill():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Template heading\n\nSome prose."),
        nbformat.v4.new_code_cell("dataset = 'cat'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("# Parameters\ndataset = 'mnist'\n", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print(dataset)", metadata={"tags": ["remove-input"]},
                                  outputs=[nbformat.v4.new_output("stream", text="mnist\n")]),
    ]
    return notebook


def test_prepare_changes_only_the_heading_and_the_parameter_cells_once(tmp_path):
    notebook = _executed_like_papermill()
    path = tmp_path / "run.ipynb"
    nbformat.write(notebook, str(path))
    before = nbformat.read(str(path), as_version=4)
    assert pages.prepare_notebook(path, "Experiment 1 (cat): Algorithm 2 as printed")
    after = nbformat.read(str(path), as_version=4)
    assert after.cells[0].source == "# Experiment 1 (cat): Algorithm 2 as printed\n\nSome prose."
    assert "remove-cell" in after.cells[1].metadata.tags
    assert "hide-input" in after.cells[2].metadata.tags and "remove-cell" not in after.cells[2].metadata.tags
    assert after.cells[2].metadata.mystnb["code_prompt_show"] == pages.PROMPTS["code_prompt_show"]
    for old, new in zip(before.cells, after.cells):  # sources of code and every output untouched
        if old.cell_type == "code":
            assert old.source == new.source and old.outputs == new.outputs
    text = path.read_text()
    assert not pages.prepare_notebook(path, "Experiment 1 (cat): Algorithm 2 as printed")
    assert path.read_text() == text, "a second application changed the notebook"


def test_without_injected_parameters_the_template_cell_is_folded_not_removed():
    notebook = _executed_like_papermill()
    del notebook.cells[2]
    assert pages.present_parameters(notebook)
    assert notebook.cells[1].metadata.tags == ["parameters", "hide-input"]


def test_a_notebook_without_heading_is_refused():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("no heading")])
    with pytest.raises(ValueError, match="no level-1 heading"):
        pages.set_title(notebook, "A title")


# --- figures: the library refuses empty axes, the PNG check finds them -----------------------------------------


def _figure(draw):
    fig, ax = plt.subplots(figsize=(5, 3.5))
    draw(ax)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _with_target(ax):
    ax.axhline(3.248, color="tab:red", ls="--", label="target")
    ax.legend()


EMPTY = {
    "nothing": lambda ax: None,
    "a target line and its legend": _with_target,
    "one point drawn as a line (no marker)": lambda ax: (ax.plot([0.0], [3.238], label="loss"), _with_target(ax)),
    "only non-finite values": lambda ax: ax.plot([0, 1, 2], [np.nan, np.nan, np.inf]),
    "a span and a legend proxy": lambda ax: (ax.axvspan(0.2, 0.3, alpha=0.3), ax.plot([], [], label="x"), ax.legend()),
}
WITH_DATA = {
    "a curve": lambda ax: ax.plot(np.arange(50), np.exp(-np.arange(50) / 10)),
    "a flat curve and a target": lambda ax: (ax.plot([0, 1], [0.7, 0.7]), _with_target(ax)),
    "one point with a marker": lambda ax: (ax.plot([0.0], [3.238], "o"), _with_target(ax)),
    "bars": lambda ax: ax.barh(["a", "b"], [3, 5]),
    "text placed in data coordinates": lambda ax: (ax.text(1, 1, "X"), ax.set_xlim(0, 2), ax.set_ylim(0, 2)),
    "a band": lambda ax: ax.fill_between([0, 1, 2], [0, 1, 0], [1, 2, 1]),
}


@pytest.mark.parametrize("case", EMPTY)
def test_axes_without_data_are_found_on_the_figure_and_in_its_png(case, tmp_path):
    fig = _figure(EMPTY[case])
    assert figcheck.axes_without_data(fig) == ["axes 1 of 1 ('untitled')"]
    with pytest.raises(ValueError, match="no data drawn"):
        figcheck.require_data(fig)
    fig.savefig(tmp_path / "figure.png", dpi=100)
    areas, empty = figcheck.empty_plot_areas(tmp_path / "figure.png")
    assert len(areas) == 1 and empty == areas


@pytest.mark.parametrize("case", WITH_DATA)
def test_axes_with_data_pass_both_checks(case, tmp_path):
    fig = _figure(WITH_DATA[case])
    assert figcheck.axes_without_data(fig) == []
    fig.savefig(tmp_path / "figure.png", dpi=100)
    areas, empty = figcheck.empty_plot_areas(tmp_path / "figure.png")
    assert len(areas) == 1 and empty == []


def _history(positions, losses, epochs, status="target"):
    return SimpleNamespace(eval_positions=np.asarray(positions, float), eval_loss=np.asarray(losses, float),
                           seconds=0.1, epochs_completed=epochs, status=status)


def test_a_run_that_met_the_target_at_once_is_drawn_as_a_point(tmp_path):
    """The MNIST sigmoid page: both runs start below the target, so each history has one evaluation."""
    from pwcore.book.figures import loss_curves
    histories = {"gd": _history([0.0], [3.2384], 0), "pw": _history([0.0], [3.2384], 0)}
    fig = loss_curves(histories, 3.248)
    assert figcheck.axes_without_data(fig) == []
    fig.savefig(tmp_path / "figure.png", dpi=100)
    assert figcheck.empty_plot_areas(tmp_path / "figure.png")[1] == []


def test_a_spiking_run_is_drawn_on_a_log_scale():
    """The diverging-rate page: PW's loss spikes to 85 and settles near 0.6; on a linear scale both look flat."""
    from pwcore.book.figures import loss_curves
    spike = [0.77, 85.0] + [0.64] * 40
    histories = {"gd": _history(np.arange(3) / 4, [0.77, 5.0, np.nan], 2, "diverged"),
                 "pw": _history(np.arange(len(spike)) / 4, spike, 10, "max_epochs")}
    assert loss_curves(histories, 0.1).axes[0].get_yscale() == "log"
    calm = {"gd": _history(np.arange(40), np.linspace(0.77, 0.1, 40), 39)}
    assert loss_curves(calm, 0.1).axes[0].get_yscale() == "linear"


def test_the_accounting_figure_is_drawn_to_be_shown_near_its_natural_size(tmp_path):
    from pwcore.book.figures import accounting_figure
    steps = np.arange(30.0)
    run = SimpleNamespace(eval_positions=steps, eval_layer_updates=steps * 4, eval_flops=steps * 1e9,
                          eval_seconds=steps / 10, eval_loss=np.exp(-steps / 10))
    fig = accounting_figure({"gd": run, "pw": run, "gd_multipliers": run}, 0.1)
    fig.savefig(tmp_path / "figure.png", dpi=100, bbox_inches="tight")
    from PIL import Image
    width = Image.open(tmp_path / "figure.png").size[0]
    column = 772  # the book's column at a 1400 px window (browser_tests/bookpages.py)
    assert column / width >= 0.6, f"drawn {width} px wide: shown at {column} px it is below 60 % of its natural width"
    assert "target 0.1" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


# --- tables ---------------------------------------------------------------------------------------------------


def test_a_table_never_prints_a_bare_nan():
    text = report.table([{"ratio": float("nan"), "n": 3}, {"ratio": 1.5, "n": None}],
                        [("ratio", "GD/PW", ".2f"), ("n", "n", "d")])
    assert "nan" not in text and "undefined" in text and "1.50" in text


def test_a_ratio_keeps_three_significant_digits_near_one():
    assert [report.significant(x) for x in (0.9123, 1.0, 1.0249, 11.04, 112.4, 0.0123)] == [
        "0.912", "1.00", "1.02", "11.0", "112", "0.0123"]


def test_the_seeds_page_recovers_the_one_timing_its_seconds_were_computed_with():
    gd, pw = 0.25, 0.4  # seconds per epoch, as pwcore.study.seconds_per_epoch measured them once
    rows = [{"gd_elapsed": e_gd, "pw_elapsed": e_pw, "gd_seconds": e_gd * gd, "pw_seconds": e_pw * pw}
            for e_gd, e_pw in ((120.0, 80.5), (0.0, 0.0), (95.25, 60.75), (3000.0, 41.0))]  # met at once; GD missed
    assert report.seconds_per_epoch_ratio(rows) == pytest.approx(pw / gd, rel=1e-12)
    assert np.isnan(report.seconds_per_epoch_ratio(rows[1:2]))  # no row ran an epoch: no timing to recover


def test_the_flops_of_an_epoch_are_those_of_whole_epochs_wherever_the_run_stopped():
    from pwcore.history import History
    substeps = np.array([10.0, 20.0, 30.0, 40.0])  # a PW epoch's four sub-steps, unequal
    epochs, steps = np.repeat([1, 2, 3], 4)[:11], np.tile([1, 2, 3, 4], 3)[:11]  # stopped before sub-step 4 of epoch 3
    flops = 5.0 + np.concatenate([[0.0], np.cumsum(np.tile(substeps, 3))])[:11]  # 5: the initial evaluation
    run = History("pw", 0.1, "evaluation", status="target", epochs_completed=2, stopped_at=(3, 4),
                  eval_epoch=epochs, eval_substep=steps, eval_flops=flops, eval_seconds=np.arange(11.0),
                  substeps_per_epoch=4)
    assert report.flops_per_epoch(run) == 100.0
    from pwcore import study
    assert study.per_epoch_cost(run)["flops"] != 100.0  # the stopped epoch's cheap sub-steps, spread over all
    assert np.isnan(report.flops_per_epoch(History("gd", 0.1, "evaluation", eval_epoch=np.array([1]),
                                                   eval_substep=np.array([1]), eval_flops=np.array([5.0]))))


def test_the_calibration_ratio_says_why_it_is_missing():
    from pwcore.book.calibration import TABLE_COLUMNS
    fmt = dict((key, fmt) for key, _, fmt in TABLE_COLUMNS if isinstance(key, str))["ratio"]
    assert fmt(1.25) == "1.25" and "count" in fmt(float("nan"))


def test_the_calibration_table_pairs_counts_and_spaces_intervals():
    import csv
    from pwcore.book.calibration import TABLE_COLUMNS
    rows = list(csv.DictReader((GENERATED / "study_calibration_cifar10_combinations.csv").open()))[:2]
    for row in rows:  # the CSV's strings, as the page's rows would hold them
        for key in ("initial_loss", "s", "margin"):
            row[key] = float(row[key])
        row["ratio"] = float(row["ratio"] or "nan")
        row["pw_epochs_float64"] = None
    text = report.table(rows, TABLE_COLUMNS)
    header, rule, first = text.splitlines()[:3]
    assert header.count("|") == len(TABLE_COLUMNS) + 1 and "combination" in header
    assert "course, cosine, s 1, margin 1, /255, seed 1" in first
    low, high = (f"{float(rows[0][key]):.6g}" for key in ("rate_low", "rate_high"))
    assert f"{low} – {high}" in first and f"{rows[0]['gd_epochs']} / {rows[0]['pw_epochs']}" in first
    assert f"{rows[0]['gd_epochs_float64']} / -" in first


# --- the reproduce page's checksum tables ----------------------------------------------------------------------


def _recorded_checksums(name):
    glued = glued_outputs(json.loads((GENERATED / f"{name}.ipynb").read_text()))
    assert "data_checksums" in glued, f"{name} recorded no data_checksums"
    return glued["data_checksums"]["application/papermill.record/text/markdown"]


def test_the_reproduce_page_lists_the_files_the_experiments_read():
    from pwcore.data.sources import FILES
    text = (ROOT / "book" / "reproduce.md").read_text()
    for name in ("experiment_cat", "experiment_cifar10_sigmoid", "experiment_mnist_sigmoid"):
        assert _recorded_checksums(name) in text, f"reproduce.md does not show the files {name} read"
    for relpath, checksum in re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|$", text, flags=re.M):
        assert FILES[relpath].known_hash == checksum, f"{relpath}: reproduce.md says {checksum}"


def test_the_calibration_table_s_legend_says_what_each_status_shown_means():
    from pwcore.book.calibration import status_legend
    legend = status_legend([{"status": "calibrated"}, {"status": "starts below target"}, {"status": "calibrated"}])
    assert legend.count("*calibrated*") == 1 and "already below the target" in legend
    assert "not bracketed" not in legend


def test_a_glued_markdown_block_carries_html_that_another_page_can_paste():
    from IPython.core.formatters import format_display_data
    block = report.MarkdownBlock("At 4 layers:\n\n| | GD / PW time |\n|---|---|\n| L = 2 | 1.20 [1.05, 1.37] |")
    data, _ = format_display_data(block)
    assert data["text/markdown"] == block.text and "<IPython" not in data["text/plain"]
    html = data["text/html"]
    assert '<table class="table">' in html and "<td>L = 2</td>" in html and "<p>At 4 layers:</p>" in html


def test_the_margins_summary_spans_counts_per_dtype_and_names_the_closest_call():
    from pwcore.book import calibration as pages
    row = lambda dtype, rate, gd, pw, pw_below: {"dtype": dtype, "learning_rate": rate, "gd_epochs": gd, "pw_epochs": pw,
                                                 "gd_below": 1e-3, "gd_above": 2e-3, "pw_below": pw_below,
                                                 "pw_above": None if pw is None else 5e-4}
    margins = [row("float64", 0.1, 195, 140, 1e-4), row("float64", 0.2, 195, 139, 3.6e-7),
               row("float32", 0.1, 195, 140, 1e-4), row("float32", 0.2, 196, None, None)]
    values = pages.margins_summary(margins, page_rate=0.2, paper_pw=139)
    assert values["robust_pw_paper_rates"] == "at 1 of the 2 rates in float64, from 0.2 to 0.2"
    assert values["robust_at_page"] == ("at the experiment page's rate, 0.2 in float64, GD takes 195 and PW 139, "
                                        "PW's loss 3.6e-07 below the target when it stops")
    assert "robust_at_page" not in pages.margins_summary(margins, page_rate=0.3)
    assert values["robust_gd_counts"] == "195 in float64, 195-196 in float32"
    assert values["robust_pw_counts"] == "139-140 in float64, 140 (1 missed) in float32"
    assert values["robust_closest"] == ("3.6e-07 below the target, PW's loss at the check that stopped it "
                                        "(rate 0.2, float64)")
    text = report.table(margins, pages.MARGIN_COLUMNS)
    assert "| float64 | 0.2 | 195 / 139 | 0.001 | 0.002 | 3.6e-07 | 0.0005 |" in text
    assert "| float32 | 0.2 | 196 / - | 0.001 | 0.002 | - | - |" in text
