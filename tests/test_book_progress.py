"""The progress of a regeneration: durations, the time left from the last timings, a bar only on a terminal."""
import io

import pytest

from pwcore.book import progress
from pwcore.book.progress import Progress, duration, time_left


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("seconds, text", [(4.2, "4 s"), (89, "89 s"), (600, "10 min"), (7500, "2 h 05 min")])
def test_durations_read_plainly(seconds, text):
    assert duration(seconds) == text


def test_time_left_counts_the_running_notebook_s_remainder_and_untimed_ones_apart():
    previous = {"a": 600.0, "b": 1200.0, "new": None}
    assert time_left(["a", "b"], previous) == "about 30 min left"
    assert time_left(["a", "b"], previous, elapsed=300) == "about 25 min left"
    assert time_left(["a", "b"], previous, elapsed=9999) == "about 20 min left"  # overran: no negative remainder
    assert time_left(["a", "b", "new"], previous) == "about 30 min left (+ 1 never timed)"
    assert time_left(["new"], previous) == "time left unknown"


def test_outside_a_terminal_each_notebook_gets_plain_lines_and_no_bar():
    stream = io.StringIO()
    with Progress(["a", "b"], {"a": 60.0, "b": 120.0}, stream) as bar:
        bar.start("a", "template changed")
        bar.done("a", 58.0, "out/a.ipynb")
        bar.start("b", "depends on a")
        bar.done("b", 121.0, "out/b.ipynb")
    lines = stream.getvalue().splitlines()
    assert lines == ["[1/2] executing a (template changed); last time 60 s; about 3 min left",
                     "        wrote out/a.ipynb in 58 s",
                     "[2/2] executing b (depends on a); last time 2 min; about 2 min left",
                     "        wrote out/b.ipynb in 2 min"]
    assert "\r" not in stream.getvalue()


def test_on_a_terminal_one_bar_names_the_current_notebook_and_the_time_left(monkeypatch):
    monkeypatch.setattr(progress, "REFRESH_SECONDS", 0.01)
    stream = Terminal()
    with Progress(["a", "b"], {"a": 60.0, "b": None}, stream) as bar:
        bar.start("a", "no record")
        assert "a (0 s); about 60 s left (+ 1 never timed)" in bar._bar.desc
        bar.done("a", 1.0, "out/a.ipynb")
    text = stream.getvalue()
    assert "[1/2] executing a (no record)" in text and "1/2 |" in text and "\r" in text
