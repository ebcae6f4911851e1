"""One progress bar over the notebooks being executed: the current one named, the time left estimated
from how long each took at the last regeneration (its papermill timing).

On a terminal the bar is redrawn in place (tqdm) every few seconds, with the messages printed above it;
elsewhere (a CI log) there is no bar, only one line per notebook started and finished.
"""
from __future__ import annotations

import os
import sys
import threading
import time

REFRESH_SECONDS = 2.0


def duration(seconds: float) -> str:
    """``seconds`` for a reader: "45 s", "12 min", "2 h 05 min"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def time_left(pending: list, previous: dict, elapsed: float = 0.0) -> str:
    """The time left for the notebooks ``pending`` (the first of them running for ``elapsed`` seconds),
    from their ``previous`` seconds; notebooks never timed are counted apart."""
    known = [previous[name] for name in pending if previous.get(name) is not None]
    left = sum(known) - (min(elapsed, previous[pending[0]]) if pending and previous.get(pending[0]) else 0.0)
    untimed = len(pending) - len(known)
    estimate = f"about {duration(left)} left" if known else "time left unknown"
    return estimate + (f" (+ {untimed} never timed)" if untimed and known else "")


class Progress:
    """Progress over the notebooks ``names``, given the seconds each took last time (None: never timed).

    Use as a context manager; call :meth:`start` before each notebook and :meth:`done` after it.
    """

    def __init__(self, names: list, previous: dict, stream=None):
        self.names, self.previous = list(names), dict(previous)
        self.stream = stream or sys.stderr
        self.tty = _is_terminal(self.stream)
        self.current, self.started, self.finished = None, 0.0, 0
        self._bar, self._stop, self._ticker = None, threading.Event(), None

    def __enter__(self):
        if self.tty:
            from tqdm import tqdm
            self._bar = tqdm(total=len(self.names), file=self.stream, unit="notebook", dynamic_ncols=True,
                             bar_format="{n_fmt}/{total_fmt} |{bar}| {desc}")
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._ticker:
            self._ticker.join()
        if self._bar:
            self._bar.close()

    def say(self, line: str) -> None:
        """Print ``line`` (above the bar on a terminal)."""
        if self._bar:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def start(self, name: str, why: str = "") -> None:
        """Notebook ``name`` starts executing (``why``: the reasons, in words)."""
        self.current, self.started = name, time.monotonic()
        last = self.previous.get(name)
        self.say(f"[{self.finished + 1}/{len(self.names)}] executing {name} ({why or 'requested'}); "
                 f"{'last time ' + duration(last) if last is not None else 'never timed'}; {self._left()}")
        self._draw()

    def done(self, name: str, seconds: float, path) -> None:
        """Notebook ``name`` was written to ``path`` after ``seconds``."""
        self.finished += 1
        self.current = None
        self.say(f"        wrote {path} in {duration(seconds)}")
        if self._bar:
            self._bar.update(1)
        self._draw()

    def _left(self) -> str:
        pending = self.names[self.finished:]
        elapsed = time.monotonic() - self.started if self.current else 0.0
        return time_left(pending, self.previous, elapsed)

    def _draw(self) -> None:
        if not self._bar:
            return
        if self.finished == len(self.names):
            self._bar.set_description_str("all done")
            return
        running = f"{self.current} ({duration(time.monotonic() - self.started)})" if self.current else "next"
        self._bar.set_description_str(f"{running}; {self._left()}")

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            self._draw()


def _is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal a bar can be drawn on (one reporting no width, as under some CI
    runners, gets plain lines)."""
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return True  # a terminal of unknown width: tqdm picks one
