"""The committed notebooks of book/generated/: current with their sources, and their imports still valid."""
import ast
import importlib
import json
import re

import nbformat
import pytest

from conftest import glued_text
from pwcore.book.audit import ROW as STORE_ROW
from pwcore.book.calibration import best_setting
from pwcore.book.claims import MIN_PAIRED_SEEDS
from pwcore.book.paths import BOOK_DIR, GENERATED_DIR, RUNS_FILE
from pwcore.book.plan import reasons_text, stale
from pwcore.book.results import STORE_DIR
from pwcore.book.runs import load_runs
from pwcore.store import stale_entries


@pytest.mark.slow
def test_every_committed_notebook_matches_its_sources():
    found = stale(load_runs(RUNS_FILE), GENERATED_DIR)
    lines = [f"  {name}: {reasons_text(reasons)}" for name, reasons in found.items()]
    assert not found, (f"{len(found)} notebook(s) of book/generated/ do not match their sources now:\n"
                       + "\n".join(lines) + "\nre-execute them with `make book` (it re-executes exactly these; "
                       "`python -m pwcore.book --dry-run --no-html` lists them) and commit the notebooks")


@pytest.mark.slow
def test_every_stored_result_matches_its_sources():
    found = stale_entries(STORE_DIR)
    lines = [f"  {path.relative_to(STORE_DIR)}: {reason}" for path, reason in found.items()]
    assert not found, (f"{len(found)} stored result(s) of results/ are not what the sources compute now:\n"
                       + "\n".join(lines) + "\nre-execute the pages that use them (`make book`), then delete the "
                       "stale files (or re-stamp them after a sample shows the change alters no number)")


def imported_names():
    """``{(module, name)}`` imported from pwcore by the code cells of the committed notebooks."""
    found = set()
    for path in sorted(GENERATED_DIR.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                found |= {(module, name, path.name) for module, name in _imports(cell.source)}
    return found


def _imports(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pwcore"):
            yield from ((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names if alias.name.startswith("pwcore"))


def test_every_pwcore_import_of_the_committed_notebooks_resolves():
    missing = []
    for module, name, notebook in sorted(imported_names(), key=str):
        imported = importlib.import_module(module)
        if name and not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{notebook}: from {module} import {name}")
    assert not missing, "committed notebooks import names that no longer exist (keep them until the " \
                        "notebooks are regenerated):\n" + "\n".join(missing)


def glued_value(name: str, key: str):
    """A value the committed notebook ``name`` glued, as Python (from its text/plain form)."""
    return ast.literal_eval(glued_text(json.loads((GENERATED_DIR / f"{name}.ipynb").read_text()))[key])


@pytest.mark.parametrize("dataset", ["cifar10", "mnist"])
def test_a_calibrated_experiment_runs_at_its_calibration_pages_rate_inside_its_interval(dataset):
    rate = glued_value(f"experiment_{dataset}_calibrated", "learning_rate")
    assert rate == best_setting(f"study_calibration_{dataset}", GENERATED_DIR)["learning_rate"]
    low, high = (glued_value(f"study_calibration_{dataset}", key) for key in ("best_rate_low", "best_rate_high"))
    assert low <= rate <= high


def test_the_prose_pages_quote_a_calibrated_rate_as_the_tables_do():
    # the tables print rates to 6 significant digits (pwcore.calibration's intervals); a page quoting one to
    # 5 shows a reader two numbers for one rate
    quoted = {(path.name, digits) for path in BOOK_DIR.glob("*.md")
              for digits in re.findall(r"::(?:best_rate_low|best_rate_high|learning_rate):\.(\d+)g", path.read_text())}
    assert quoted and {digits for _, digits in quoted} == {"6"}, sorted(quoted)


def output_texts(notebook: dict):
    """The text a reader sees in a notebook's outputs (streams, text and Markdown; not glued values)."""
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook"):
                continue
            yield "".join(output.get("text", ""))
            for kind in ("text/plain", "text/markdown"):
                yield "".join(output.get("data", {}).get(kind, ""))


def test_no_page_prints_an_accuracy_or_a_ratio_it_has_not_got():
    # "test accuracy nan" on a diverged run, a per-epoch ratio of runs that trained no epoch: a page says why
    # there is no number instead
    found = [f"{path.name}: {match.group(0)!r}" for path in sorted(GENERATED_DIR.glob("*.ipynb"))
             for text in output_texts(json.loads(path.read_text()))
             for match in re.finditer(r"(accuracy|ratio|per epoch|GD/PW|PW/GD)[^.\n]{0,40}\b(nan|inf)\b", text, re.I)]
    assert not found, "\n".join(found)


def test_an_experiment_page_gives_no_ratio_for_a_run_of_no_epochs():
    for path in sorted(GENERATED_DIR.glob("experiment_*.ipynb")):
        notebook = json.loads(path.read_text())
        glued = {key: ast.literal_eval(plain.replace("nan", "None")) for key, plain in glued_text(notebook).items()
                 if key in ("gd_epochs", "pw_epochs", "seconds_per_epoch_ratio", "pw_gd_flops_per_epoch", "epoch_ratio")}
        if 0 in (glued.get("gd_epochs"), glued.get("pw_epochs")):
            assert glued["seconds_per_epoch_ratio"] is None and glued["epoch_ratio"] is None, path.name
            assert glued.get("pw_gd_flops_per_epoch", None) is None, path.name
            assert any("no ratio of seconds per epoch:" in text for text in output_texts(notebook)), path.name


def test_every_stored_result_is_used_by_a_page():
    # a result no page reads (computed for a setting the book no longer runs) only misleads a reader of results/
    used = set()
    for path in sorted(GENERATED_DIR.glob("*.ipynb")):
        used |= set(STORE_ROW.findall("\n".join(output_texts(json.loads(path.read_text())))))
    unused = [str(path.relative_to(STORE_DIR.parent)) for path in sorted(STORE_DIR.glob("*/*.json"))
              if (path.parent.name.rsplit(".", 1)[-1], path.stem[:8]) not in used]
    assert not unused, ("stored results no page of book/generated/ used (delete them with git rm):\n  "
                        + "\n  ".join(unused))


CLAIM_WORD = re.compile(r"PW[-\w]* (?:has an advantage|is slower)")
# within one sentence: "fastest by median seconds is X (median 0.8 s). GD / PW: epochs ..." is a claim of epochs
TIMED_CLAIM = re.compile(r"(?:\btime|\bseconds)\b(?:(?!\. )[^\[\]\n]){0,60}\[[\d.]+, [\d.]+\][^\[\]]{0,60}? over \d+ paired seeds"
                         r"\W{0,6}(?:\*\*)?PW[-\w]* (?:has an advantage|is slower)")
BACKED_CLAIM = re.compile(r"\[([\d.]+), ([\d.]+)\][^\[\]]{0,60}? over (\d+) paired seeds\W{0,6}(?:\*\*)?"
                          r"PW[-\w]* (?:has an advantage|is slower)")


def unearned_claims(notebook: dict) -> list:
    """Each claim word of a notebook that the rule of pwcore.book.claims does not allow: in its text, one not
    right after an interval "[low, high] ... over n paired seeds" with n >= MIN_PAIRED_SEEDS and low != high,
    or one after an interval of seconds ("time ... [low, high] ... over n paired seeds"); among its glued
    values, a ``<prefix>_claim`` of time, or one whose interval (``<prefix>[_ratio]_low``, ``_high``, ``_n``)
    is not so."""
    found = []
    for text in output_texts(notebook):
        backed = {m.end() for m in BACKED_CLAIM.finditer(text)
                  if int(m.group(3)) >= MIN_PAIRED_SEEDS and m.group(1) != m.group(2)}
        found += [text[max(0, m.start() - 80):m.end()] for m in CLAIM_WORD.finditer(text) if m.end() not in backed]
        found += [m.group(0) for m in TIMED_CLAIM.finditer(text)]  # seconds: one timing per optimizer, never tested
    glued = glued_text(notebook)
    for key, plain in glued.items():
        if key.endswith("_claim") and "time" in key and CLAIM_WORD.search(plain):
            found.append(f"{key} = {plain}: a ratio of seconds")
        elif key.endswith("_claim") and CLAIM_WORD.search(plain):
            prefix = next(p for p in (key[:-6], key[:-6] + "_ratio") if f"{p}_n" in glued)
            n, low, high = (float(glued[f"{prefix}_{field}"]) for field in ("n", "low", "high"))
            if n < MIN_PAIRED_SEEDS or not high > low:
                found.append(f"{key} = {plain} with n = {n:g}, [{low}, {high}]")
    return found


def test_no_page_attaches_a_claim_word_to_an_interval_that_cannot_carry_it():
    found = [f"{path.name}: {fault!r}" for path in sorted(GENERATED_DIR.glob("*.ipynb"))
             for fault in unearned_claims(json.loads(path.read_text()))]
    assert not found, "\n".join(found)


def test_the_claim_check_catches_a_zero_width_interval_and_too_few_seeds():
    def page(text):
        return {"cells": [{"outputs": [{"output_type": "display_data", "metadata": {},
                                        "data": {"text/markdown": text}}]}]}
    assert not unearned_claims(page("Adam / PW-Adam epochs 1.20 [1.05, 1.37] over 5 paired seeds, PW-Adam is slower"))
    assert unearned_claims(page("Adam / PW-Adam epochs 0.91 [0.91, 0.91] over 5 paired seeds, PW-Adam is slower"))
    assert unearned_claims(page("GD / PW epochs 1.20 [1.05, 1.37] over 2 paired seeds, PW has an advantage"))
    assert unearned_claims(page("GD / PW epochs 1.96 [1.50, 2.10], PW has an advantage"))
    # seconds are each seed's epochs times one timing per optimizer: never a claim word, however clear the interval
    assert unearned_claims(page("Adam / PW-Adam time 1.20 [1.05, 1.37] over 5 paired seeds, PW-Adam is slower"))
    assert unearned_claims(page("GD/PW seconds: geometric mean 0.94, 95% interval [0.89, 0.996] over 15 paired "
                                "seeds: PW is slower"))
    assert unearned_claims(page("GD / PW seconds at each one's best rate: 1.20, 95 % interval [1.05, 1.37] over 5 "
                                "paired seeds: **PW has an advantage**."))
    assert not unearned_claims(page("GD / PW time 1.20 [1.05, 1.37] over 5 paired seeds, not testable here: each "
                                    "seed's seconds are its epochs times one timing per optimizer"))


def test_every_learning_rate_page_tunes_each_optimizer_to_an_interior_best_or_says_the_budget_stopped_it():
    import csv
    summaries = sorted(GENERATED_DIR.glob("study_learning_rate_*_summary.csv"))
    assert summaries
    for path in summaries:
        for row in csv.DictReader(path.open()):
            where = f"{path.name}: {row['optimizer']}"
            assert "failed_above" in row, f"{where}: not tuned by pwcore.tuning's rule (re-execute the page)"
            if row["capped"] != "True":  # else the page's table says "budget spent"
                assert row["interior"] == "True" and row["failed_above"] == "True", where


def significant_digits(number: str) -> int:
    """Significant digits as written: "0.912" 3, "1.00" 3, "11.0" 3, "0.91" 2."""
    return len(number.replace(".", "").lstrip("0"))


def test_the_beyond_pages_give_every_ratio_three_significant_digits():
    # "0.91 [0.91, 0.91]" beside "1.02 [0.95, 1.10]": two digits below 1, three above
    interval = re.compile(r"(\d+\.?\d*) \[(\d+\.?\d*), (\d+\.?\d*)\] over \d+ paired seeds")
    found, short = 0, []
    for path in sorted(GENERATED_DIR.glob("beyond_*.ipynb")):
        for text in output_texts(json.loads(path.read_text())):
            for match in interval.finditer(text):
                found += 1
                short += [f"{path.name}: {match.group(0)}" for number in match.groups() if significant_digits(number) != 3]
    assert found and not short, "\n".join(short[:20])
