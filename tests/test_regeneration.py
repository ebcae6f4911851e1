"""Regeneration timings read back from executed notebooks."""
from datetime import datetime

import nbformat
import pytest

from pwcore.book.fingerprint import Fingerprint
from pwcore.book.record import stamp
from pwcore.book.timings import NotebookTiming, previous_seconds, read_timing, summary, timings_table


def _notebook(path, papermill=None):
    notebook = nbformat.v4.new_notebook()
    if papermill is not None:
        notebook.metadata["papermill"] = papermill
    nbformat.write(notebook, path)
    return path


def test_timing_and_machine_are_read_back(tmp_path):
    path = _notebook(tmp_path / "run.ipynb", {"duration": 12.5, "start_time": "2026-11-27T10:00:00.000000",
                                              "end_time": "2026-11-27T10:00:12.500000"})
    assert read_timing(path).machine == "not recorded"
    stamp(path, Fingerprint("t", "p", "c"), "notebooks/run.md")
    timing = read_timing(path)
    assert (timing.name, timing.seconds, timing.started.minute) == ("run", 12.5, 0)
    assert "logical cores" in timing.machine


def test_a_notebook_not_run_by_papermill_is_named_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"plain.ipynb holds no papermill timing.*--only plain"):
        read_timing(_notebook(tmp_path / "plain.ipynb"))
    with pytest.raises(FileNotFoundError, match=r"gone.ipynb does not exist.*--only gone"):
        read_timing(tmp_path / "gone.ipynb")


def test_summary_adds_durations_and_spans_first_start_to_last_end():
    t = lambda name, seconds, start, end, machine: NotebookTiming(
        name, seconds, datetime(2026, 1, 1, 10, start), datetime(2026, 1, 1, 10, end), machine)
    timings = [t("a", 60.0, 0, 1, "cpu x"), t("b", 120.0, 5, 7, "cpu x")]
    total = summary(timings)
    assert total["seconds"] == 180.0 and total["span_seconds"] == 420.0 and total["machines"] == ["cpu x"]
    assert total["slowest"].name == "b"
    table = timings_table(timings).splitlines()
    assert table[2].startswith("| b | 120 |") and table[3].startswith("| a | 60 |")


def test_previous_seconds_are_none_for_notebooks_never_timed(tmp_path):
    _notebook(tmp_path / "timed.ipynb", {"duration": 3.0, "start_time": "2026-11-27T10:00:00",
                                         "end_time": "2026-11-27T10:00:03"})
    _notebook(tmp_path / "plain.ipynb")
    assert previous_seconds(tmp_path, ["timed", "plain", "missing"]) == {"timed": 3.0, "plain": None, "missing": None}
