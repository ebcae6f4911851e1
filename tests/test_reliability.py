"""Bad input at every entry point, interrupted regeneration, full disks, determinism across processes and threads."""
import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwcore.data.fetch as fetch
from pwcore import BinaryCrossEntropy, GradientDescent, PositionWise, make_loss, make_optimizer, train
from pwcore.data import DataError
from pwcore.experiments import ExperimentConfig
from conftest import myst_notebook, small_problem

ROOT = Path(__file__).resolve().parents[1]
LOSS = BinaryCrossEntropy()
not_positive = st.one_of(st.floats(max_value=0.0, allow_nan=False), st.just(float("nan")), st.just(float("inf")),
                         st.just(-float("inf")))


# --- constructors and training: generated bad values ----------------------------

@given(rate=not_positive)
@settings(max_examples=40, deadline=None)
def test_bad_learning_rates_are_refused(rate):
    for name in ("gd", "pw"):
        with pytest.raises(ValueError, match="learning rate must be a positive finite number"):
            make_optimizer(name, rate)


@pytest.mark.slow
@given(epochs=st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=3), st.none()))
@settings(max_examples=40, deadline=None)
def test_bad_epoch_counts_are_refused(epochs):
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        train(net, X, y, LOSS, GradientDescent(0.1), max_epochs=epochs)


@given(rows=st.integers(1, 9), columns=st.integers(0, 9))
@settings(max_examples=40, deadline=None)
def test_mismatched_input_shapes_are_refused(rows, columns):
    net, X, y = small_problem()
    if rows == X.shape[0] and columns > 0:
        return  # a well-formed input
    with pytest.raises(ValueError, match="features|no samples"):
        train(net, np.ones((rows, columns)), np.zeros(columns, int), LOSS, GradientDescent(0.1), max_epochs=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused_before_training(bad):
    net, X, y = small_problem()
    X[2, 3] = bad
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match="1 NaN or infinite values"):
        train(net, X, y, LOSS, PositionWise(0.1))
    assert all(np.array_equal(p, q) for p, q in zip(before, net.parameters()))


def test_float_labels_are_refused():
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="labels y must be integers"):
        train(net, X, y.astype(float), LOSS, PositionWise(0.1))


@pytest.mark.parametrize("kwargs, message", [
    ({"am_input": "arc"}, "AM-softmax input"), ({"stop_rule": "never"}, "stopping rule"),
    ({"dtype": "int8"}, "float64 or float32"), ({"learning_rate": 0}, "learning rate"),
    ({"algorithm2": "other"}, "Algorithm 2 reading"), ({"hidden": (20, 0)}, "hidden layer widths"),
])
def test_bad_experiment_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.paper("cat", **kwargs)


@pytest.mark.parametrize("args, message", [(("hinge",), "unknown loss"), (("am_softmax", 10, 0.0), "scale s"),
                                           (("am_softmax", 10, 1.0, -1.0), "margin"), (("am_softmax", 1), "2 classes")])
def test_bad_losses_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        make_loss(*args)


# --- a full disk while writing data ---------------------------------------------

def test_full_disk_while_extracting_keeps_nothing_partial(monkeypatch, tmp_path):
    import tarfile, io
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("d/wanted.bin")
        info.size = 10
        tar.addfile(info, io.BytesIO(b"0123456789"))

    def disk_full(out, chunk, target):
        raise fetch._WriteError(target) from OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch, "_write", disk_full)
    with pytest.raises(DataError, match="free disk space"):
        fetch.extract_members(archive, "d", ["wanted.bin"], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


# --- notebook parameters as papermill injects them ---------------------------------

@pytest.mark.slow
def test_a_bad_notebook_parameter_fails_the_run_with_its_message(tmp_path):
    from pwcore.book.execution import execute
    from pwcore.book.runs import PageRun
    run = PageRun("bad", ROOT / "notebooks" / "experiment.md", {"dataset": "imagenet"})
    with pytest.raises(Exception, match="unknown dataset 'imagenet'"):
        execute(run, tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- interrupting the regeneration ------------------------------------------------

SLOW_TEMPLATE = myst_notebook("version = 1", 'import time\nfor step in range(20):\n    time.sleep(0.1)\nprint(f"version {version}")')


def regenerate(folder, version):
    (folder / "runs.yml").write_text(f"slow:\n  template: slow.md\n  parameters: {{version: {version}}}\n")
    return subprocess.Popen([sys.executable, "-m", "pwcore.book", "--no-html", "--runs", str(folder / "runs.yml"),
                             "--out", str(folder / "out")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def notebook_version(path):
    import nbformat
    notebook = nbformat.read(path, as_version=4)  # raises on a partial file
    text = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    return 1 if "version 1" in text else 2 if "version 2" in text else None


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_regeneration_leaves_the_old_or_the_new_notebook(tmp_path, sig):
    (tmp_path / "slow.md").write_text(SLOW_TEMPLATE)
    assert regenerate(tmp_path, 1).wait(120) == 0
    target = tmp_path / "out" / "slow.ipynb"
    assert notebook_version(target) == 1
    rng = np.random.default_rng(int(sig))
    for delay in sorted(rng.uniform(0.2, 6.0, size=5)):
        process = regenerate(tmp_path, 2)
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(60)
        assert notebook_version(target) in (1, 2), f"interrupted after {delay:.1f} s: neither version"
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["slow.ipynb"], "a temporary was left behind"
    assert regenerate(tmp_path, 2).wait(120) == 0
    assert notebook_version(target) == 2


# --- determinism ---------------------------------------------------------------------

DETERMINISM_SCRIPT = """
import hashlib, sys
import numpy as np
from threadpoolctl import threadpool_limits
from pwcore import Network, BinaryCrossEntropy, PositionWise, train
rng = np.random.default_rng(0)
X = rng.random((2000, 300)); y = (X[:5].sum(0) > 2.5).astype(int)
with threadpool_limits(int(sys.argv[1])):
    net = Network.initialize([2000, 20, 7, 5, 1], ["relu"] * 3 + ["sigmoid"])
    history = train(net, X, y, BinaryCrossEntropy(), PositionWise(0.01), max_epochs=20)
print(hashlib.sha256(history.eval_loss.tobytes()).hexdigest(), repr(history.eval_loss.tolist()))
"""


def run_in_process(threads):
    output = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT, str(threads)], capture_output=True,
                            text=True, check=True).stdout.split(" ", 1)
    return output[0], np.array(eval(output[1]))


@pytest.mark.slow
def test_histories_are_bit_identical_across_processes():
    assert run_in_process(2)[0] == run_in_process(2)[0]
    assert run_in_process(1)[0] == run_in_process(1)[0]


def test_blas_thread_count_changes_only_the_last_bits():
    # OpenBLAS splits products differently with 1 and 2 threads, so sums are ordered differently:
    # the histories may differ bit-wise, but only by rounding.
    _, one = run_in_process(1)
    _, two = run_in_process(2)
    np.testing.assert_allclose(one, two, rtol=1e-12, atol=0)
