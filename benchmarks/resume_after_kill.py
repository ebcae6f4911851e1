"""A calibration search killed part-way, then run again: how many stacks the second run reads back.

Starts the cat calibration search (the book's ``study_calibration_cat`` settings) in a child process
with a :class:`pwcore.resume.Resumable` executor over a scratch folder, kills it (SIGKILL: no clean-up)
after ``--kill-after`` seconds, then runs the same search to its end and prints the stacks read back
and trained, the seconds of each attempt, and whether the result equals an uninterrupted search's.

    PWCORE_DATA_DIR=../shared/data .venv/bin/python benchmarks/resume_after_kill.py [--kill-after 40]
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEARCH = """
import json, sys, time
from dataclasses import replace
from pwcore import calibration
from pwcore.experiments import ExperimentConfig, load_data
from pwcore.resume import Resumable
config = ExperimentConfig.paper("cat", max_epochs=6000)
data = load_data(config)
executor = Resumable(sys.argv[1]) if sys.argv[1] != "-" else None
started = time.perf_counter()
rows = calibration.calibrate(data, [config], tolerance=0.001, log=lambda line: print(line, flush=True),
                             executor=executor)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "read": getattr(executor, "read", 0), "trained": getattr(executor, "trained", 0)},
                 default=str))
"""


def search(folder: str, kill_after: float | None = None) -> dict | None:
    """Run the search in a child process over ``folder`` ("-": no Resumable); kill it after ``kill_after`` s."""
    child = subprocess.Popen([sys.executable, "-c", SEARCH, folder], stdout=subprocess.PIPE, text=True)
    if kill_after is not None:
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
        child.wait()
        return None
    out, _ = child.communicate()
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kill-after", type=float, default=40.0)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="pwcore-resume-")
    search(folder, args.kill_after)
    kept = len(list(Path(folder).glob("*.json")))
    print(f"killed after {args.kill_after:.0f} s: {kept} finished stack(s) kept in {folder}")
    resumed = search(folder)
    print(f"run again: {resumed['read']} stack(s) read back, {resumed['trained']} trained, "
          f"{resumed['seconds']:.1f} s")
    whole = search("-")
    print(f"uninterrupted, without the executor: {whole['seconds']:.1f} s")
    same = resumed["rows"] == whole["rows"]
    print(f"the resumed search's result equals the uninterrupted one's: {same}")
    row = resumed["rows"][0]
    print(f"  status {row['status']}, rates {row['rate_interval']}, GD {row['gd_epochs']}, PW {row['pw_epochs']}")


if __name__ == "__main__":
    main()
