"""The command line end to end on small data, and its handling of bad arguments."""
import json
import subprocess
import sys

import pytest

import pwcore.data.fetch as fetch
from pwcore.cli import main
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
    for extra in ([], ["--batch-size", "1"]):
        summary_file = tmp_path / f"sweep{len(extra)}.json"
        assert main(SWEEP + extra + ["--json", str(summary_file)]) == 0
        outputs.append(capsys.readouterr().out)
        summaries.append(json.loads(summary_file.read_text()))
    batched, alone = summaries
    assert (batched["batch_size"], alone["batch_size"]) == (None, 1)
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
