"""Headless Chromium driven over the DevTools protocol on a pipe: open a page, run a script, print it.

No chromedriver and no Python package: Chromium's ``--remote-debugging-pipe`` reads commands from its
file descriptor 3 and writes answers to its descriptor 4. :mod:`pwcore.book.pdf` prints the book with it.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CSS_PX_PER_INCH = 96


class BrowserFailed(RuntimeError):
    """Chromium exited, refused a command, did not answer in time, or a script in its page failed."""


class DevTools:
    """A headless Chromium spoken to over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

    Chromium reads commands (JSON, each ended by a NUL byte) from its file descriptor 3 and writes
    answers and events to its descriptor 4. Use as a context manager: the browser and its scratch
    profile are removed on the way out.

    Parameters
    ----------
    executable : str
        Chromium.
    timeout : float
        Seconds to wait for any one answer.
    """

    def __init__(self, executable: str, timeout: float = 120.0):
        self.executable, self.timeout = executable, timeout
        self._next_id, self._buffer, self.process = 0, b"", None

    def __enter__(self) -> "DevTools":
        self._profile = tempfile.mkdtemp(prefix="pwcore-pdf-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
                 "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-quic",
                 "--allow-file-access-from-files", "--host-resolver-rules=MAP * ~NOTFOUND",  # no network
                 f"--user-data-dir={self._profile}", "about:blank"]

        def descriptors_3_and_4():  # in the child, before exec: its ends of the pipes become 3 and 4
            import fcntl
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, answers_write)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty browser never blocks on it
        try:
            self.process = subprocess.Popen([self.executable, *flags], stdin=subprocess.DEVNULL,
                                            stdout=self._log, stderr=self._log,
                                            pass_fds=(3, 4), preexec_fn=descriptors_3_and_4)
        finally:
            os.close(commands_read)
            os.close(answers_write)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.process.poll() is None:
                try:
                    self.send("Browser.close", timeout=10)
                except (BrowserFailed, OSError):
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            for fd in (self._commands, self._answers):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)

    def _died(self) -> BrowserFailed:
        self.process.wait(timeout=5)
        self._log.seek(0)
        log = self._log.read().decode(errors="replace")[-2000:]
        return BrowserFailed(f"{self.executable} exited with status {self.process.returncode} while printing "
                           f"the book; its last words:\n{log}")

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        """Send one command and return its result (events that arrive meanwhile are dropped).

        Raises
        ------
        BrowserFailed
            If Chromium answers with an error, exits, or does not answer within ``timeout`` seconds.
        """
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise self._died() from None
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            answer = self._read_message(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserFailed(f"Chromium refused {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def _read_message(self, deadline: float, method: str) -> dict:
        """The next message from Chromium, waiting until ``deadline`` (``time.monotonic()``) at most."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserFailed(f"Chromium did not answer {method} in time; raise --timeout on a busy machine")
            ready, _, _ = select.select([self._answers], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise self._died()
                self._buffer += chunk
            elif self.process.poll() is not None:
                raise self._died()
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> str:
        """Open ``url`` in a new tab, wait until it has loaded, and return the tab's session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            state = self.evaluate(session, "[location.href, document.readyState]")
            if state == [url, "complete"]:
                return session
            time.sleep(0.1)
        raise BrowserFailed(f"{url} did not finish loading in {self.timeout:.0f} s")

    def evaluate(self, session: str, expression: str):
        """The value of a JavaScript ``expression`` in the tab (awaited if it is a promise)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserFailed(f"a script in the page failed: {text}")
        return result["result"].get("value")

    def emulate_print(self, session: str, width_inches: float, height_inches: float) -> None:
        """Lay the tab out as it will be printed: print media, ``width_inches`` by ``height_inches`` of page."""
        self.send("Emulation.setEmulatedMedia", {"media": "print"}, session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": round(width_inches * CSS_PX_PER_INCH),
                                                         "height": round(height_inches * CSS_PX_PER_INCH),
                                                         "deviceScaleFactor": 1, "mobile": False}, session)

    def print_to_pdf(self, session: str, options: dict) -> bytes:
        """The tab printed to PDF with ``Page.printToPDF``'s ``options`` (paper, margins, footer, outline)."""
        return base64.b64decode(self.send("Page.printToPDF", options, session)["data"])
