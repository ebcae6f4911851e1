"""The command line end to end on small data, and its handling of bad arguments."""
import json
import subprocess
import sys

import pytest

import pwcore.data.fetch as fetch
from pwcore.cli import main
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
    assert "initial loss" in out and "gd" in out and "pw" in out and "updates per layer" in out
    summary = json.loads(summary_file.read_text())
    assert set(summary["runs"]) == {"gd", "pw"}
    pw = summary["runs"]["pw"]
    assert pw["status"] in ("target", "max_epochs") and pw["paper_epochs"] is None
    assert summary["config"]["learning_rate"] == 0.01


def test_run_multiclass_with_cosine_reading(small_data, capsys):
    code = main(["run", "--dataset", "mnist", "--loss-reading", "cosine", "--s", "10", "--margin", "0.2",
                 "--max-epochs", "3", "--optimizer", "pw", "--no-progress", "--dtype", "float32"])
    assert code == 0
    assert "pw" in capsys.readouterr().out


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
