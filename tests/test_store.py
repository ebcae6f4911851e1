"""The results store and resumable training: computed once, read back while the key holds, never trusted blindly."""
import json
import math
import os
from dataclasses import replace

import numpy as np
import pytest

from pwcore import store, study
from pwcore.experiments import ExperimentConfig, config_run
from pwcore.resume import Resumable
from pwcore.sources import code_digest
from pwcore.store import Store, StoreError, decode, encode, read_entry
from pwcore.training import train_runs
from test_study import small_cat
from tolerance import assert_same_history, assert_same_weights

QUIET = lambda line: None
SEEDS = [1, 2, 3]


def counted(function):
    """``function`` with a count of its calls, under its own module and name (the store keys by them)."""
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        return function(*args, **kwargs)
    wrapper.calls = 0
    wrapper.__module__, wrapper.__qualname__, wrapper.__wrapped__ = function.__module__, function.__qualname__, function
    return wrapper


@pytest.fixture
def seed_study():
    return counted(study.seed_study)


def small_base():
    return ExperimentConfig.paper("cat", target=0.6, max_epochs=60, learning_rate=0.1)


def test_a_result_is_computed_once_then_read_back_as_the_same_values(tmp_path, seed_study):
    data, base = small_cat(), small_base()
    results = Store(tmp_path, log=QUIET)
    first = results.compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    second = Store(tmp_path, log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log",), log=print)
    assert seed_study.calls == 1  # the second call read the file; the log, ignored, did not change the key
    assert first == second and [row["seed"] for row in first] == SEEDS
    assert all(type(row["gd_seconds"]) is float and type(row["gd_epochs"]) is int for row in second)
    (entry,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    recorded = read_entry(entry)
    assert recorded["made"]["how"] == "computed" and "cores" in recorded["made"]["machine"]
    assert "training.py" in recorded["code"] and "study.py" in recorded["code"]
    assert results.used[0]["how"] == "computed" and results.used[0]["key"] == recorded["key"]


def test_another_argument_is_another_entry(tmp_path, seed_study):
    data, base = small_cat(), small_base()
    results = Store(tmp_path, log=QUIET)
    results.compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    results.compute(seed_study, data, replace(base, learning_rate=0.2), SEEDS, ignore=("log",), log=QUIET)
    results.compute(seed_study, small_cat(seed=1), base, SEEDS, ignore=("log",), log=QUIET)  # other data, same shape
    assert seed_study.calls == 3 and len({entry["key"] for entry in results.used}) == 3


def test_arguments_without_a_stable_description_must_be_named_in_ignore(tmp_path, seed_study):
    data, base = small_cat(), small_base()
    with pytest.raises(TypeError, match="argument 'log' of seed_study: .* name its argument in `ignore`"):
        Store(tmp_path, log=QUIET).compute(seed_study, data, base, SEEDS, log=QUIET)
    with pytest.raises(ValueError, match=r"ignore names \['logger'\]"):
        Store(tmp_path, log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log", "logger"), log=QUIET)
    assert seed_study.calls == 0


@pytest.mark.parametrize("damage", ["truncated", "edited result", "wrong key"])
def test_a_damaged_entry_is_named_and_recomputed_never_used(tmp_path, seed_study, damage):
    data, base = small_cat(), small_base()
    results = Store(tmp_path, log=QUIET)
    first = results.compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    (path,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    text = path.read_text()
    if damage == "truncated":
        path.write_text(text[: len(text) // 2])
    else:
        entry = json.loads(text)
        if damage == "edited result":
            entry["result"][0]["gd_epochs"] += 1
        else:
            entry["key"] = "0" * 64
        path.write_text(json.dumps(entry))
    with pytest.warns(UserWarning, match=rf"stored result {path}.*(does not parse|recorded hash|records key).*"
                                         rf"recomputing it"):
        again = Store(tmp_path, log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    assert seed_study.calls == 2
    assert [row["gd_epochs"] for row in again] == [row["gd_epochs"] for row in first]
    assert read_entry(path)["result_sha256"]  # the entry was written anew, whole


def test_a_write_that_fails_leaves_the_old_entry_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "f" / "key.json"
    store.write_entry(path, {"a": 1})
    def fail(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.write_entry(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(path.parent) == ["key.json"]


def test_bypassed_the_store_computes_and_neither_reads_nor_writes(tmp_path, seed_study, monkeypatch):
    data, base = small_cat(), small_base()
    Store(tmp_path / "a", log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    monkeypatch.setenv(store.BYPASS, "1")
    bypassed = Store(tmp_path / "a", log=QUIET)
    bypassed.compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    assert seed_study.calls == 2 and bypassed.used[0]["how"] == "computed (store bypassed)"
    Store(tmp_path / "b", log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    assert not (tmp_path / "b").exists()


def test_values_come_back_exactly_as_they_went_in():
    value = {"nan": math.nan, "inf": -math.inf, "tuple": (1, "a", None), "array": np.arange(6, dtype="f4").reshape(2, 3),
             "scalar": np.float64(0.1), "nested": [{"x": True, "y": 2.5e-300}]}
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    assert math.isnan(back["nan"]) and back["inf"] == -math.inf and back["tuple"] == (1, "a", None)
    assert back["array"].dtype == np.float32 and np.array_equal(back["array"], value["array"])
    assert type(back["scalar"]) is float and back["nested"] == value["nested"]
    with pytest.raises(TypeError, match="string keys"):
        encode({1: "a"})
    with pytest.raises(TypeError, match="cannot be stored as data"):
        encode(object())


def test_the_code_digest_ignores_comments_and_docstrings_but_not_code(tmp_path):
    path = tmp_path / "m.py"
    path.write_text('"""A module."""\n\ndef f(x):\n    """Twice."""\n    return 2 * x  # doubled\n')
    digest = code_digest(path)
    path.write_text('"""A module, reworded."""\n\n\ndef f(x):\n    """Twice x.\n\n    More words."""\n'
                    '    # a comment\n    return 2 * x\n')
    assert code_digest(path) == digest
    path.write_text('"""A module."""\n\ndef f(x):\n    """Twice."""\n    return 3 * x  # doubled\n')
    assert code_digest(path) != digest


def _runs(data, seeds=(1, 2, 3, 4, 5, 6)):
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=200, learning_rate=0.05)
    return [config_run(replace(base, seed=seed), data, name) for name in ("gd", "pw") for seed in seeds]


def test_an_interrupted_training_resumes_with_the_stacks_it_finished(tmp_path):
    data = small_cat()
    reference_runs = _runs(data)
    reference = train_runs(reference_runs, data.X_train, data.y_train, runs_per_stack=2)
    started = []
    def interrupt_as_the_fourth_stack_starts(line):
        started.append(line)
        if len(started) == 4:
            raise KeyboardInterrupt
    first = Resumable(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        train_runs(_runs(data), data.X_train, data.y_train, runs_per_stack=2, log=interrupt_as_the_fourth_stack_starts,
                   executor=first)
    assert first.trained == 3 and len(list(tmp_path.glob("*.json"))) == 3  # stacks are kept as they finish
    again = Resumable(tmp_path)
    runs = _runs(data)
    resumed = train_runs(runs, data.X_train, data.y_train, runs_per_stack=2, executor=again)
    assert (again.read, again.trained) == (3, 3)  # six stacks: three read back, three trained
    for found, expected, run, reference_run in zip(resumed, reference, runs, reference_runs):
        assert_same_history(found, expected)
        assert_same_weights(run.net, reference_run.net)  # the kept weights came back into the runs' networks
    assert not np.array_equal(runs[0].net.W[1], _runs(data)[0].net.W[1])
    third = Resumable(tmp_path)
    train_runs(_runs(data), data.X_train, data.y_train, runs_per_stack=2, executor=third)
    assert (third.read, third.trained) == (6, 0)


def test_a_kept_stack_is_read_back_bit_for_bit_and_another_learning_rate_is_trained(tmp_path):
    data = small_cat()
    kept = Resumable(tmp_path)
    trained = train_runs(_runs(data, (1,)), data.X_train, data.y_train, executor=kept)
    read = train_runs(_runs(data, (1,)), data.X_train, data.y_train, executor=Resumable(tmp_path))
    for a, b in zip(trained, read):  # the same bytes, read back
        assert np.array_equal(a.eval_loss, b.eval_loss) and a.stopped_at == b.stopped_at
        assert np.array_equal(a.updates_per_layer, b.updates_per_layer) and a.update_log == b.update_log
    other = Resumable(tmp_path)
    faster = [config_run(ExperimentConfig.paper("cat", target=0.6, max_epochs=200, learning_rate=0.1, seed=1),
                         data, "gd")]
    train_runs(faster, data.X_train, data.y_train, executor=other)
    assert (other.read, other.trained) == (0, 1)


def test_a_damaged_kept_stack_is_trained_again(tmp_path):
    data = small_cat()
    train_runs(_runs(data, (1,)), data.X_train, data.y_train, executor=Resumable(tmp_path))
    for path in tmp_path.glob("*.json"):
        path.write_text(path.read_text()[:100])
    again = Resumable(tmp_path)
    with pytest.warns(UserWarning, match="does not parse.*training that stack again"):
        train_runs(_runs(data, (1,)), data.X_train, data.y_train, executor=again)
    assert (again.read, again.trained) == (0, 2)
    with pytest.raises(StoreError, match="does not parse"):
        read_entry(tmp_path / "missing.json")


def test_stale_entries_name_changed_code_edited_keys_and_vanished_functions(tmp_path, seed_study):
    data, base = small_cat(), small_base()
    Store(tmp_path, log=QUIET).compute(seed_study, data, base, SEEDS, ignore=("log",), log=QUIET)
    assert store.stale_entries(tmp_path) == {}
    (path,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    entry = json.loads(path.read_text())
    for change, reason in [(lambda e: e["code"].update({"training.py": "0" * 64}), "its key is not the hash"),
                           (lambda e: e.update(function="pwcore.study.gone"), "its key is not the hash")]:
        edited = json.loads(json.dumps(entry))
        change(edited)
        path.write_text(json.dumps(edited))
        assert reason in store.stale_entries(tmp_path)[path]
    for change, reason in [(lambda e: e["code"].update({"training.py": "0" * 64}),
                            "the code of training.py changed since it was computed"),
                           (lambda e: e.update(function="pwcore.study.gone"), "pwcore.study.gone no longer exists")]:
        edited = json.loads(json.dumps(entry))
        change(edited)  # as if computed by other code: recorded with a key that matches what it records
        edited["key"] = store.sha256(store.canonical({k: edited[k] for k in ("function", "arguments", "code")}))
        path.write_text(json.dumps(edited))
        assert store.stale_entries(tmp_path) == {path: reason}
    path.write_text("{")
    assert "does not parse" in store.stale_entries(tmp_path)[path]


def _stale_by_code(path, module="training.py"):
    """Rewrite the entry at ``path`` as if another version of ``module`` had computed it (a consistent record)."""
    entry = json.loads(path.read_text())
    entry["code"][module] = "0" * 64
    entry["key"] = store.sha256(store.canonical({k: entry[k] for k in ("function", "arguments", "code")}))
    path.unlink()
    (path.parent / f"{entry['key']}.json").write_text(json.dumps(entry))
    return entry


@pytest.mark.slow
def test_a_refactor_that_changes_no_number_is_re_stamped_on_a_sample(tmp_path, shared_data, monkeypatch):
    from pwcore import restamp
    from pwcore.experiments import load_data
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=40)
    results = Store(tmp_path, log=QUIET)
    rows = results.compute(study.seed_study, load_data(base), base, [1, 2], ignore=("log",), log=QUIET)
    key = results.used[0]["key"]
    (path,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    old = _stale_by_code(path)
    assert "the code of training.py changed" in list(store.stale_entries(tmp_path).values())[0]
    lines = []
    assert restamp.restamp(tmp_path, log=lines.append)
    assert "1 stored result(s) stale through their code; recomputing a sample of 1" in lines[0]
    assert store.stale_entries(tmp_path) == {}
    restamped = read_entry(tmp_path / "pwcore.study.seed_study" / f"{key}.json", key)
    assert restamped["made"]["how"] == "re-stamped" and restamped["made"]["from_key"] == old["key"]
    assert restamped["made"]["sample"] == [old["key"]] and restamped["made"]["computed"]["how"] == "computed"
    again = Store(tmp_path, log=QUIET)
    assert again.compute(study.seed_study, load_data(base), base, [1, 2], ignore=("log",), log=QUIET) == rows
    assert again.used[0]["how"] == "read"


@pytest.mark.slow
def test_a_refactor_above_training_is_re_stamped_on_stacks_read_back(tmp_path, shared_data, monkeypatch):
    from pwcore import restamp
    from pwcore.experiments import load_data
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=40)
    results, stacks = Store(tmp_path / "results", log=QUIET), tmp_path / "stacks"
    first = Resumable(stacks)
    results.compute(study.seed_study, load_data(base), base, [1, 2], ignore=("log", "executor"), log=QUIET,
                    executor=first)
    (path,) = (tmp_path / "results" / "pwcore.study.seed_study").glob("*.json")
    _stale_by_code(path, "study.py")
    lines = []
    assert restamp.restamp(tmp_path / "results", log=lines.append, stacks=stacks)
    assert f"({first.trained} of its stacks read back, 0 trained;" in lines[-1] and first.trained > 0
    (path,) = (tmp_path / "results" / "pwcore.study.seed_study").glob("*.json")
    assert read_entry(path)["made"]["sample_stacks"] == {"folder": str(stacks), "read": first.trained, "trained": 0,
                                                        "recomputed_in_full": []}
    with pytest.raises(FileNotFoundError, match="no such folder of kept stacks"):
        restamp.restamp(tmp_path / "results", stacks=tmp_path / "nowhere")


@pytest.mark.slow
def test_an_interrupted_re_stamp_resumes_without_recomputing_what_agreed(tmp_path, shared_data, monkeypatch):
    from pwcore import restamp
    from pwcore.experiments import load_data
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    for dtype in ("float64", "float32"):  # two code paths, so a sample of two
        base = ExperimentConfig.paper("cat", target=0.6, max_epochs=40, dtype=dtype)
        Store(tmp_path, log=QUIET).compute(study.seed_study, load_data(base), base, [1], ignore=("log",), log=QUIET)
    olds = [_stale_by_code(path)["key"] for path in (tmp_path / "pwcore.study.seed_study").glob("*.json")]
    recomputed, recompute = [], restamp.recompute

    def interrupted_after_one(entry, executor=None):
        if recomputed:
            raise KeyboardInterrupt
        recomputed.append(entry["key"])
        return recompute(entry, executor)

    monkeypatch.setattr(restamp, "recompute", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        restamp.restamp(tmp_path, log=QUIET)
    assert len(store.stale_entries(tmp_path)) == 2 and (tmp_path / restamp.PROGRESS).exists()

    def counting(entry, executor=None):
        recomputed.append(entry["key"])
        return recompute(entry, executor)

    monkeypatch.setattr(restamp, "recompute", counting)
    lines = []
    assert restamp.restamp(tmp_path, log=lines.append)
    assert sorted(recomputed) == sorted(olds) and len(recomputed) == 2  # the first once, the second once
    assert "agreed in an earlier, interrupted run" in lines[1] and recomputed[0][:12] in lines[1]
    assert store.stale_entries(tmp_path) == {} and not (tmp_path / restamp.PROGRESS).exists()


@pytest.mark.slow
def test_a_sample_run_under_code_that_changed_meanwhile_re_stamps_nothing(tmp_path, shared_data, monkeypatch):
    from pwcore import restamp
    from pwcore.experiments import load_data
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=40)
    Store(tmp_path, log=QUIET).compute(study.seed_study, load_data(base), base, [1], ignore=("log",), log=QUIET)
    (path,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    _stale_by_code(path)
    recompute, code_hashes = restamp.recompute, restamp.code_hashes
    edited = []

    def recompute_then_edit(entry, executor=None):
        result = recompute(entry, executor)
        edited.append(True)  # as if a file of pwcore were saved while the sample ran
        return result

    monkeypatch.setattr(restamp, "recompute", recompute_then_edit)
    monkeypatch.setattr(restamp, "code_hashes", lambda f: {**code_hashes(f), **({"study.py": "1" * 64} if edited else {})})
    before = sorted(p.name for p in path.parent.iterdir())
    lines = []
    assert not restamp.restamp(tmp_path, log=lines.append)
    assert "pwcore's code changed while the sample ran" in lines[-1]
    assert sorted(p.name for p in path.parent.iterdir()) == before


def test_an_agreement_counts_only_for_the_code_it_was_shown_under(tmp_path):
    from pwcore.restamp import Progress
    Progress(tmp_path / "progress.json").record("old", "new", 12.5)
    kept = Progress(tmp_path / "progress.json")
    assert kept.agreed("old", "new") and not kept.agreed("old", "newer") and not kept.agreed("other", "new")
    assert kept.said("old").startswith("12 s on ")


@pytest.mark.slow
def test_a_sample_that_disagrees_re_stamps_nothing(tmp_path, shared_data, monkeypatch):
    from pwcore import restamp
    from pwcore.experiments import load_data
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=40)
    Store(tmp_path, log=QUIET).compute(study.seed_study, load_data(base), base, [1, 2], ignore=("log",), log=QUIET)
    (path,) = (tmp_path / "pwcore.study.seed_study").glob("*.json")
    entry = json.loads(path.read_text())
    entry["result"][0]["gd_epochs"] += 1  # a number the code now does not give
    entry["result_sha256"] = store.sha256(store.canonical(entry["result"]))
    path.write_text(json.dumps(entry))
    _stale_by_code(path)
    before = sorted(p.name for p in path.parent.iterdir())
    lines = []
    assert not restamp.restamp(tmp_path, log=lines.append)
    assert any("result[0].gd_epochs: " in line for line in lines) and "nothing re-stamped" in lines[-1]
    assert sorted(p.name for p in path.parent.iterdir()) == before


def test_keyword_options_are_keyed_one_by_one_and_may_be_ignored():
    def search(base, grid, log=print, **options):
        return base
    arguments = Store._arguments(search, (1, [2]), {"log": QUIET, "n_rates": 3, "executor": object()},
                                 ("log", "executor"))
    assert arguments == {"base": 1, "grid": [2], "n_rates": 3}
    with pytest.raises(TypeError, match="argument 'executor' of .*search"):
        Store._arguments(search, (1, [2]), {"log": QUIET, "executor": object()}, ("log",))


def test_a_page_says_how_it_had_each_stored_result(tmp_path):
    from pwcore.book.results import computing_seconds, store_table
    used = Store(tmp_path, log=QUIET)
    used.used = [{"function": "pwcore.study.seed_study", "key": "a" * 64, "how": "read",
                  "made": {"how": "computed", "when": "2026-12-04T21:05:33+0000", "machine": "x86_64, SkylakeX",
                           "seconds": 1272.7}},
                 {"function": "pwcore.study.rate_sweep", "key": "b" * 64, "how": "read",
                  "made": {"how": "re-stamped", "when": "2026-12-05T10:00:00+0000", "sample": ["c" * 64, "d" * 64],
                           "computed": {"when": "2026-12-01T09:00:00+0000", "machine": "x86_64, Haswell",
                                        "seconds": 38.2}}}]
    rows = store_table(used).splitlines()[4:]
    assert rows[0] == "| `seed_study` | `aaaaaaaa` | read | 2026-12-04 21:05 | x86_64, SkylakeX | 21.2 min |"
    assert rows[1] == ("| `rate_sweep` | `bbbbbbbb` | read; re-stamped 2026-12-05 after a sample of 2 agreed "
                       "| 2026-12-01 09:00 | x86_64, Haswell | 38 s |")
    assert [computing_seconds(entry) for entry in used.used] == [1272.7, 38.2]
    used.used[1]["made"]["sample_stacks"] = {"folder": ".stacks", "read": 12, "trained": 0, "recomputed_in_full": []}
    assert "after a sample of 2 agreed (its kept stacks read back) |" in store_table(used)


def test_computed_bypassed_and_read_results_come_in_the_same_order(tmp_path, monkeypatch):
    from pwcore import plain
    data, base = small_cat(), small_base()
    fresh = Store(tmp_path, log=QUIET).compute(plain.accounting, data, base)
    read = Store(tmp_path, log=QUIET).compute(plain.accounting, data, base)
    monkeypatch.setenv(store.BYPASS, "1")
    bypassed = Store(tmp_path, log=QUIET).compute(plain.accounting, data, base)
    assert list(fresh) == list(read) == list(bypassed) == sorted(fresh)  # the files' order, whichever way


def test_the_sample_trains_through_the_kept_stacks_wherever_a_function_takes_an_executor(monkeypatch):
    from pwcore import calibration, plain, restamp
    assert restamp._takes_executor(study.seed_study) and restamp._takes_executor(calibration.calibration_grid)
    assert not restamp._takes_executor(plain.experiment)
    passed = []
    monkeypatch.setattr(restamp, "function_of", lambda entry: lambda log=print, executor=None: passed.append(executor))
    monkeypatch.setattr(restamp, "rebuild_arguments", lambda entry: {})
    kept = object()
    restamp.recompute({"function": "x.y"}, kept)
    assert passed == [kept]


def test_a_re_stamp_compares_no_timing_not_even_a_ratio_of_seconds():
    from pwcore.restamp import differences
    stored = {"rows": [{"epochs": 3, "seconds": 1.0}], "comparisons": [
        {"quantity": "seconds", "mean": 1.04, "claim": "inconclusive"},
        {"quantity": "epochs", "mean": 1.25, "claim": "PW has an advantage"}]}
    timings_moved = {"rows": [{"epochs": 3, "seconds": 2.0}], "comparisons": [
        {"quantity": "seconds", "mean": 0.94, "claim": "inconclusive"},
        {"quantity": "epochs", "mean": 1.25, "claim": "PW has an advantage"}]}
    assert differences(stored, timings_moved) == []
    epochs_moved = {**timings_moved, "comparisons": [timings_moved["comparisons"][0],
                                                     {"quantity": "epochs", "mean": 1.5, "claim": "PW has an advantage"}]}
    assert differences(stored, epochs_moved) == ["result.comparisons[1].mean: 1.25 stored, 1.5 now"]


def test_the_sample_takes_each_code_path_once_cheapest_first_whatever_the_data_set_or_the_optimizers_beside():
    from pwcore.restamp import code_paths, sample
    from pwcore.store import computing_seconds
    config = lambda dataset: {"$class": "pwcore.experiments.ExperimentConfig", "dataset": dataset, "dtype": "float64",
                              "am_input": "cosine", "minibatch": None}
    entry = lambda dataset, made, optimizers: {"function": "pwcore.beyond.sweep", "made": made,
                                               "arguments": {"base": config(dataset), "optimizers": optimizers}}
    restamped = {"how": "re-stamped", "computed": {"how": "re-stamped", "computed": {"seconds": 9.0}}}
    entries = {"cifar10": entry("cifar10", {"seconds": 1273.0}, ["gd", "adam"]),
               "mnist": entry("mnist", restamped, ["gd", "pw", "adam"]),
               "cat": entry("cat", {"seconds": 1.0}, ["gd"]),
               "unknown": entry("mnist", {"how": "computed"}, ["gd", "momentum"])}
    assert computing_seconds(restamped) == 9.0 and math.isnan(computing_seconds({"how": "computed"}))
    assert code_paths(entries["cifar10"]) < code_paths(entries["mnist"])  # the data set is no part of a path
    assert not code_paths(entries["cat"]) & code_paths(entries["mnist"])  # the binary task is another
    # mnist's 9 s under two re-stamps covers cifar10's paths; "unknown" alone trains momentum
    assert sample(entries) == ["cat", "mnist", "unknown"]
