"""Where stacks train: here (the default) or on a Dask cluster, with the same numbers to rounding.

Dask starts its workers with one BLAS thread; the runs trained here for comparison are held to one thread
too, since OpenBLAS may round a large product differently in the last bit with two (it does on the
command line's cat fixture: 0.4885789424690503 against 0.48857894246905037). Even so a worker may round
differently from here (its arrays arrive by pickle, laid out anew; OpenBLAS's SkylakeX kernels then take
other paths), so losses and weights are compared at the tolerance of tests/tolerance.py, counts exactly.
"""
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from pwcore import executors, study
from pwcore.cli import main
from pwcore.experiments import ExperimentConfig, config_run
from pwcore.training import train_runs
from test_cli import SWEEP, small_data  # noqa: F401 (a fixture)
from test_study import small_cat
from tolerance import assert_same_history, assert_same_rows, assert_same_weights

distributed = pytest.importorskip("distributed", reason="the Dask extra: pip install -e '.[dask]'")

QUIET = lambda line: None


@pytest.fixture(scope="module")
def cluster():
    """A two-worker cluster of processes on this machine, as a user's cluster would be (no shared memory)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with distributed.Client(local) as client:
            yield client
            for opened in executors._clients.values():  # those resolve() opened from the address, before it closes
                opened.close()
            executors._clients.clear()


def _runs(data, seeds=(1, 2, 3, 4, 5)):
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=200, learning_rate=0.05)
    return [config_run(replace(base, seed=seed), data, name) for name in ("gd", "pw") for seed in seeds]


def test_here_trains_each_task_only_when_its_result_is_asked_for():
    done = []
    results = executors.Here().map(lambda task, shared: done.append(task) or task * shared, [(1,), (2,), (3,)], 10)
    assert done == [] and next(results) == 10 and done == [1]
    assert list(results) == [20, 30]


def test_resolve_reads_the_environment_and_refuses_what_it_does_not_know(monkeypatch, cluster):
    monkeypatch.delenv(executors.ENVIRONMENT, raising=False)
    assert isinstance(executors.resolve(None), executors.Here)
    here = executors.Here()
    assert executors.resolve(here) is here
    assert executors.resolve(cluster).client is cluster
    monkeypatch.setenv(executors.ENVIRONMENT, cluster.scheduler.address)
    on_cluster = executors.resolve(None)
    assert isinstance(on_cluster, executors.DaskCluster) and on_cluster.client.scheduler.address == cluster.scheduler.address
    with pytest.raises(ValueError, match="pass pwcore.executors.Here\\(\\), a distributed.Client"):
        executors.resolve(4)


def test_without_dask_a_cluster_asked_for_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install -e '\.\[dask\]', or unset PWCORE_DASK_SCHEDULER"):
        executors.resolve("tcp://127.0.0.1:1")


def test_stacks_trained_on_a_cluster_give_the_same_numbers(cluster):
    data = small_cat()
    here, there = _runs(data), _runs(data)
    lines = []
    with threadpool_limits(1):  # as the workers (Dask's default): see the module's description
        expected = train_runs(here, data.X_train, data.y_train, runs_per_stack=2, log=lines.append)
    found = train_runs(there, data.X_train, data.y_train, runs_per_stack=2, executor=cluster)
    assert len(lines) == 6  # five GD runs and five PW runs in stacks of at most two: six stacks
    for a, b, run_a, run_b in zip(expected, found, here, there):
        assert (a.status, a.epochs_completed, a.epochs_elapsed) == (b.status, b.epochs_completed, b.epochs_elapsed)
        assert_same_history(a, b)
        assert_same_weights(run_a.net, run_b.net)  # the trained weights came back into the runs' networks
    assert not np.array_equal(there[0].net.W[1], _runs(data)[0].net.W[1])  # and they are trained ones


@pytest.mark.slow
def test_a_sweep_runs_on_the_cluster_named_by_the_environment(monkeypatch, cluster):
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    monkeypatch.delenv(executors.ENVIRONMENT, raising=False)
    with threadpool_limits(1):
        rows, summary = study.rate_sweep(data, base, [0.05, 0.1], [1, 2, 3], log=QUIET, batch_size=3)
    monkeypatch.setenv(executors.ENVIRONMENT, cluster.scheduler.address)
    with distributed.get_task_stream(cluster) as stream:
        rows_there, summary_there = study.rate_sweep(data, base, [0.05, 0.1], [1, 2, 3], log=QUIET, batch_size=3)
    assert any("train_stack" in task["key"] for task in stream.data)  # it did train there
    timeless = lambda found: [{k: v for k, v in row.items() if "seconds" not in k} for row in found]
    assert_same_rows(timeless(rows_there), timeless(rows))
    assert [s["best_rate"] for s in summary_there] == [s["best_rate"] for s in summary]


def test_progress_and_report_are_refused_on_a_cluster(cluster):
    data = small_cat()
    with pytest.raises(ValueError, match="leave them out to train on a cluster"):
        train_runs(_runs(data, (1,)), data.X_train, data.y_train, report=print, executor=cluster)



@pytest.mark.slow
def test_the_command_line_sweep_trains_on_the_cluster_of_the_environment(small_data, tmp_path, monkeypatch, capsys,
                                                                          cluster):
    summaries = []
    for address in (None, cluster.scheduler.address):
        if address:
            monkeypatch.setenv(executors.ENVIRONMENT, address)
        path = tmp_path / f"{bool(address)}.json"
        with threadpool_limits(1):  # as the workers: on this data, two BLAS threads round differently
            assert main(SWEEP + ["--runs-per-stack", "2", "--json", str(path)]) == 0
        summaries.append(json.loads(path.read_text())["runs"])
    out = capsys.readouterr().out
    assert f"training the stacks on the Dask cluster at {cluster.scheduler.address}" in out
    timeless = lambda runs: [{k: v for k, v in run.items() if "seconds" not in k} for run in runs]
    assert_same_rows(timeless(summaries[1]), timeless(summaries[0]))
    assert len(summaries[0]) == 12


def test_a_cluster_whose_workers_run_another_pwcore_is_refused(cluster, monkeypatch):
    monkeypatch.setattr(executors, "source_digest", lambda: "0" * 64)  # as if this checkout had changed
    with pytest.raises(RuntimeError, match=r"the pwcore of Dask worker\(s\) \['tcp://.*'\] differs .* install this "
                                           r"checkout on every worker"):
        executors.resolve(cluster)


def test_a_scheduler_that_does_not_answer_is_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ConnectionError, match=r"no Dask scheduler answers at 'tcp://127.0.0.1:9' \(from "
                                              r"PWCORE_DASK_SCHEDULER .* or unset PWCORE_DASK_SCHEDULER"):
        executors.resolve("tcp://127.0.0.1:9")


def test_an_interrupted_cluster_sweep_says_its_runs_went_to_the_cluster():
    from pwcore.cli import SoFar
    so_far = SoFar({"gd": 3, "pw": 3})
    so_far.cluster = "tcp://10.0.0.5:8786"
    assert so_far.lines() == [f"{name}: 3 run(s) sent to the Dask cluster at tcp://10.0.0.5:8786, which reports no "
                              f"progress (its tasks may still be running)" for name in ("gd", "pw")]


def test_the_source_digest_covers_every_python_file_of_the_package_and_only_them(tmp_path):
    import shutil
    import subprocess
    package = Path(executors.__file__).resolve().parent
    shutil.copytree(package, tmp_path / "pwcore", ignore=shutil.ignore_patterns("__pycache__"))

    def digest():
        command = [sys.executable, "-c", "import pwcore.executors as e; print(e.source_digest())"]
        return subprocess.run(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
                              capture_output=True, text=True, check=True).stdout.strip()

    assert digest() == executors.source_digest()
    files = sorted((tmp_path / "pwcore").rglob("*.py"))
    seen = {digest()}
    for path in (files[0], files[len(files) // 2], files[-1], tmp_path / "pwcore" / "data" / "formats.py"):
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        seen.add(digest())
        path.write_bytes(original)
    (tmp_path / "pwcore" / "notes.txt").write_text("not code")
    assert digest() == executors.source_digest() and len(seen) == 5
