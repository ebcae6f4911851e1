"""The command line end to end on small data, and its handling of bad arguments."""
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import pwcore.data.fetch as fetch
from pwcore.cli import SoFar, main, unwritable, writable_file
from pwcore.history import Progress
from pwcore.experiments import ExperimentConfig, run_experiment
from fixture_files import trust, write_all


@pytest.fixture
def small_data(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    trust(monkeypatch, folder, write_all(folder))
    monkeypatch.setenv("PWCORE_DATA_DIR", str(folder))
    monkeypatch.setenv("PWCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fetch, "_verified", {})
    return folder


def test_run_reports_both_optimizers(small_data, tmp_path, capsys):
    summary_file = tmp_path / "summary.json"
    code = main(["run", "--dataset", "cat", "--lr", "0.01", "--target", "0.3", "--max-epochs", "40",
                 "--no-progress", "--json", str(summary_file)])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(summary_file.read_text())
    assert list(summary["runs"]) == ["gd", "pw"] and summary["config"]["learning_rate"] == 0.01
    # the same experiment through the library
    config = ExperimentConfig.paper("cat", learning_rate=0.01, target=0.3, max_epochs=40)
    result = run_experiment(config)
    assert summary["initial_loss"] == result.initial_loss
    assert f"initial loss {result.initial_loss:.6f}" in out.splitlines()
    for name in ("gd", "pw"):
        row, history = summary["runs"][name], result.histories[name]
        assert row["status"] == history.status == "target" and row["paper_epochs"] is None  # not the paper's target
        assert row["epochs_completed"] == history.epochs_completed < 40
        assert row["final_loss"] == history.final_loss < 0.3
        assert row["updates_per_layer"] == history.updates_per_layer.tolist()
        fields = table_row(out, name, "target")
        assert fields[2] == str(history.epochs_completed) and fields[4] == f"{history.final_loss:.6f}"
        assert out.count(str(history.updates_per_layer.tolist())) == 1
        assert f"{name}: {history.message}" in out.splitlines()
    gd, pw = (summary["runs"][name] for name in ("gd", "pw"))
    assert gd["updates_per_layer"] == [gd["epochs_completed"]] * 4
    # PW stopped part-way through an epoch: the completed epochs' 1, 2, 3, 4 updates, plus the sub-steps run
    epoch, substep = result.histories["pw"].stopped_at
    done = [sum(1 for k in range(1, substep) if l > 4 - k) for l in range(1, 5)]
    assert pw["updates_per_layer"] == [pw["epochs_completed"] * l + d for l, d in zip(range(1, 5), done)]


def test_run_multiclass_with_cosine_reading(small_data, tmp_path, capsys):
    summary_file = tmp_path / "summary.json"
    code = main(["run", "--dataset", "mnist", "--loss-reading", "cosine", "--s", "10", "--margin", "0.2",
                 "--max-epochs", "3", "--optimizer", "pw", "--no-progress", "--dtype", "float32",
                 "--json", str(summary_file)])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(summary_file.read_text())
    assert (summary["config"]["am_input"], summary["config"]["dtype"]) == ("cosine", "float32")
    assert list(summary["runs"]) == ["pw"]
    pw = summary["runs"]["pw"]
    assert pw["status"] == "max_epochs" and pw["epochs_completed"] == 3
    assert pw["updates_per_layer"] == [3, 6, 9, 12]
    fields = table_row(out, "pw", "max_epochs")
    assert fields[2] == "3" and f"{pw['final_loss']:.6f}" in fields[3:]
    assert not any(line.split()[:1] == ["gd"] for line in out.splitlines())


def test_data_verify_lists_every_file(small_data, capsys):
    assert main(["data", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok ") == 13 and "absent   cifar10/test_batch.bin" in out


def test_data_verify_fails_on_a_corrupt_file(small_data, capsys):
    path = small_data / "cat" / "train_catvnoncat.h5"
    path.write_bytes(path.read_bytes()[:-1])
    assert main(["data", "verify", "--dataset", "cat"]) == 1
    assert "FAILED   cat/train_catvnoncat.h5" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["run", "--lr", "-1"], "learning rate must be a positive"),
    (["run", "--max-epochs", "0"], "max_epochs must be a positive integer"),
    (["run", "--s", "0", "--dataset", "mnist"], "scale s must be a positive"),
])
def test_bad_values_exit_2_with_the_problem(small_data, capsys, argv, message):
    assert main(argv + ["--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_unknown_choices_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--dataset", "imagenet"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_module_entry_point_runs(small_data):
    completed = subprocess.run([sys.executable, "-m", "pwcore", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0 and "run" in completed.stdout


def without_timing(summary):
    """The summary with every run's seconds left out (the only part that differs between identical runs)."""
    runs = summary["runs"]
    rows = runs.values() if isinstance(runs, dict) else runs
    return [{key: value for key, value in row.items() if key != "seconds"} for row in rows]


def table_row(out, *leading):
    """The fields of the one printed line whose first fields are ``leading``."""
    rows = [line.split() for line in out.splitlines() if tuple(line.split()[:len(leading)]) == leading]
    assert len(rows) == 1, (leading, out)
    return rows[0]


SWEEP = ["run", "--dataset", "cat", "--seed", "1", "2", "3", "--lr", "0.01", "0.02", "--target", "0.5",
         "--max-epochs", "30", "--no-progress"]


def test_a_batched_sweep_reports_every_run_as_one_at_a_time(small_data, tmp_path, capsys):
    summaries, outputs = [], []
    for extra in ([], ["--runs-per-stack", "1"]):
        summary_file = tmp_path / f"sweep{len(extra)}.json"
        assert main(SWEEP + extra + ["--json", str(summary_file)]) == 0
        outputs.append(capsys.readouterr().out)
        summaries.append(json.loads(summary_file.read_text()))
    batched, alone = summaries
    assert (batched["runs_per_stack"], alone["runs_per_stack"]) == (None, 1)
    assert batched["varied"] == ["seed", "learning_rate"]
    runs = batched["runs"]
    assert [(r["optimizer"], r["seed"], r["learning_rate"]) for r in runs] == [
        (name, seed, rate) for name in ("gd", "pw") for seed in (1, 2, 3) for rate in (0.01, 0.02)]
    for b, a in zip(runs, alone["runs"], strict=True):
        assert (b["status"], b["epochs"], b["epochs_completed"], b["updates_per_layer"], b["test_accuracy"]) == (
            a["status"], a["epochs"], a["epochs_completed"], a["updates_per_layer"], a["test_accuracy"])
        # not bit for bit: with 2 OpenBLAS threads, (120 x 12288) @ (12288 x 7) rounds differently from
        # (20 x 12288) @ (12288 x 7) (see test_stacks.py::test_a_wide_input_with_few_samples_...)
        assert b["final_loss"] == pytest.approx(a["final_loss"], rel=1e-12, abs=0)
    statuses = [r["status"] for r in runs]
    assert statuses.count("target") >= 6 and len({r["epochs_completed"] for r in runs}) > 3
    assert outputs[0].count("stack of 6 ") == 2 and outputs[1].count("stack of 1 ") == 12
    for out in outputs:
        for r in runs:  # each run's row: its settings, optimizer, status, epochs and final loss
            fields = table_row(out, str(r["seed"]), str(r["learning_rate"]), r["optimizer"])
            assert fields[3:6] == [r["status"], str(r["epochs_completed"]), f"{r['final_loss']:.15g}"]
        for name in ("gd", "pw"):
            mine = [r for r in runs if r["optimizer"] == name]
            reached = sum(r["status"] == "target" for r in mine)
            assert f"{name}: {reached} of 6 runs reached the target" in out


@pytest.mark.parametrize("alias, canonical, extra", [
    (["--reading", "printed"], ["--algorithm2", "printed"], ["--dataset", "cat", "--target", "0.3"]),
    (["--loss-reading", "cosine"], ["--am-input", "cosine"], ["--dataset", "mnist", "--s", "10", "--margin", "0.2"]),
])
def test_old_option_names_are_aliases(small_data, tmp_path, capsys, alias, canonical, extra):
    summaries = []
    for flags in (alias, canonical, []):
        summary_file = tmp_path / "summary.json"
        assert main(["run", "--max-epochs", "6", "--no-progress", "--json", str(summary_file)] + extra + flags) == 0
        capsys.readouterr()
        summaries.append(json.loads(summary_file.read_text()))
    by_alias, by_name, default = summaries
    field, value = canonical[0][2:].replace("-", "_"), canonical[1]
    assert by_alias["config"][field] == by_name["config"][field] == value != default["config"][field]
    assert by_alias["config"] == by_name["config"]
    assert without_timing(by_alias) == without_timing(by_name)
    assert without_timing(by_name) != without_timing(default)  # the option changed the runs


# --- stopped by Ctrl-C or SIGTERM: what ran so far on standard error, status 130, no traceback

LONG_RUN = ["run", "--dataset", "cat", "--target", "0", "--max-epochs", "1000000"]  # a loss never below 0


def interrupted(argv, signum, data_dir, timeout=120):
    """Run ``python -m pwcore argv``, send ``signum`` once a progress bar shows a loss; (status, stdout, stderr).

    The child's SIGINT is reset to the default (as at a terminal): a parent started in the
    background may ignore it, and Python then leaves it ignored.
    """
    process = subprocess.Popen([sys.executable, "-m", "pwcore", *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(os.environ, PWCORE_DATA_DIR=str(data_dir)),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    chunks, seen_loss = [], threading.Event()

    def read_stderr():
        while chunk := os.read(process.stderr.fileno(), 4096):
            chunks.append(chunk)
            if b"loss=" in b"".join(chunks):  # the bar shows a loss after its first epoch
                seen_loss.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert seen_loss.wait(timeout), b"".join(chunks).decode()
        process.send_signal(signum)
        status = process.wait(timeout)
        out = process.stdout.read().decode()
    finally:
        process.kill()
    reader.join(timeout)
    return status, out, b"".join(chunks).decode()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_says_what_ran_and_exits_130(shared_data, signum):
    status, out, err = interrupted(LONG_RUN, signum, shared_data)
    assert status == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "interrupted: stopped before the end" in err
    gd = re.search(r"^  gd: interrupted after (\d+) epochs, last loss (\S+), updates per layer \[(.*)\]$", err, re.MULTILINE)
    assert gd, err
    epochs = int(gd[1])
    assert epochs >= 1 and 0 < float(gd[2]) < 1 and gd[3] == ", ".join([str(epochs)] * 4)  # GD: every layer, every epoch
    assert re.search(r"^  pw: not started$", err, re.MULTILINE)
    assert out.startswith("pwcore run: ") and "initial loss" not in out  # no summary of an unfinished run


@pytest.mark.slow
def test_an_interrupted_sweep_counts_each_optimizers_runs(shared_data):
    status, out, err = interrupted(LONG_RUN + ["--seed", "1", "2"], signal.SIGINT, shared_data)
    assert status == 130 and "Traceback" not in err, err
    # the stack's runs may have completed one epoch apart when the signal came: "after 92 to 93 epochs"
    assert re.search(r"^  gd: 2 runs: 2 interrupted after [1-9]\d*( to [1-9]\d*)? epochs \(last loss \S+( to \S+)?\)$",
                     err, re.MULTILINE), err
    assert re.search(r"^  pw: 2 runs: 2 not started$", err, re.MULTILINE), err
    assert "stack of 2 gd run(s)" in out and "reached the target" not in out


def test_the_interrupt_report_counts_ended_interrupted_and_unstarted_runs():
    def progress(index, status, epochs, loss):
        return Progress(index, "pw", status, epochs, loss, (epochs, 2 * epochs))

    so_far = SoFar({"gd": 1, "pw": 5})
    for report in (progress(0, None, 3, 0.5), progress(0, "target", 7, 0.25), progress(1, "diverged", 2, math.inf),
                   progress(2, None, 9, 0.625), progress(3, None, 10, 0.75)):
        so_far(report)
    assert so_far.lines() == [
        "gd: not started",
        ("pw: 5 runs: 1 ended (target), 1 ended (diverged), 2 interrupted after 9 to 10 epochs "
         "(last loss 0.625 to 0.75), 1 not started")]
    alone = SoFar({"pw": 1})
    alone(progress(0, "max_epochs", 4, 0.5))
    assert alone.lines() == ["pw: ended (max_epochs) after 4 epochs, last loss 0.5, updates per layer [4, 8]"]


# --- every path a command will write is checked before any work starts

@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder where no file can be created: permissions for a user; for root (whom they do not stop), sysfs."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
    elif Path("/sys/kernel").is_dir():
        yield Path("/sys")  # sysfs refuses new files, root's too
    else:
        pytest.skip("running as root without sysfs: no folder refuses root's writes")


BAD_PATHS = {  # where -> (the path under tmp_path, or from a fixture; what the message says)
    "missing folder": (lambda tmp, request: tmp / "missing" / "x.json", "does not exist; create it (mkdir -p"),
    "a folder": (lambda tmp, request: tmp, "it is a folder; give a file name inside it"),
    "under a file": (lambda tmp, request: tmp / "file.txt" / "x.json", "file.txt is a file, not a folder"),
    "unwritable folder": (lambda tmp, request: request.getfixturevalue("unwritable_folder") / "x.json",
                          "is not writable"),
}


@pytest.mark.parametrize("where", BAD_PATHS)
def test_a_bad_output_path_fails_before_any_work(small_data, tmp_path, request, capsys, where):
    (tmp_path / "file.txt").write_text("")
    make_path, problem = BAD_PATHS[where]
    path = make_path(tmp_path, request)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--max-epochs", "2", "--no-progress", "--json", str(path)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and out == ""  # nothing ran
    assert f"argument --json: cannot write {path}: " in err and problem in err
    assert sorted(tmp_path.rglob("*")) == before


def test_a_good_output_path_is_checked_without_leaving_a_file(tmp_path):
    assert unwritable(tmp_path / "summary.json") is None and list(tmp_path.iterdir()) == []
    assert writable_file(str(tmp_path / "summary.json")) == str(tmp_path / "summary.json")


def test_a_bad_output_path_costs_no_run(shared_data, tmp_path):
    """The whole command, as a user starts it: refused at once, before loading data or training."""
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "pwcore", *LONG_RUN, "--json", str(tmp_path / "no" / "x.json")],
                               capture_output=True, text=True, env=dict(os.environ, PWCORE_DATA_DIR=str(shared_data)),
                               timeout=60, check=False)
    assert completed.returncode == 2 and completed.stdout == ""
    assert f"cannot write {tmp_path / 'no' / 'x.json'}: its folder {tmp_path / 'no'} does not exist" in completed.stderr
    assert "gd" not in completed.stderr.split("error:")[-1] and "Traceback" not in completed.stderr
    assert time.monotonic() - started < 20  # the run itself would take hours; starting Python takes under a second
