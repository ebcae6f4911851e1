"""What a calibration page shows of its search (:mod:`pwcore.calibration`): the ranked table, the summary it
glues, the short name of a combination, and the best setting that other pages read back from its CSV file."""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from ..experiments import BINARY
from .paths import GENERATED_DIR

# How a page names each stopping rule of pwcore.calibration.READ_RULES.
RULE_NAMES = {"evaluation": "after every sub-step", "epoch": "once per epoch"}
# What each status of a combination (pwcore.calibration's rows) means, for the table's legend.
STATUS_MEANINGS = {
    "calibrated": "GD takes the paper's epochs at the rates found",
    "no single rate": "GD's count jumps over the paper's between rates as close as the search's tolerance",
    "starts below target": "the initial loss is already below the target",
    "not bracketed": "no rate bracketing the paper's count was found within the rounds allowed",
}


def best_row(output_name: str, folder=".") -> dict:
    """The best combination a calibration page found, as its CSV file ``folder/<output_name>_combinations.csv``
    gives it (text values), or, if there is none, the book's page of that name in ``book/generated``.

    Raises
    ------
    FileNotFoundError
        If the calibration page has not been executed (its CSV file is missing).
    """
    path = Path(folder) / f"{output_name}_combinations.csv"
    if not path.is_file() and (GENERATED_DIR / path.name).is_file():
        path = GENERATED_DIR / path.name
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: execute the calibration first "
                                f"(python -m pwcore.book --only {output_name})")
    with open(path, newline="") as file:
        return {"path": path, **next(csv.DictReader(file))}


def best_setting(output_name: str, folder=".") -> dict:
    """The ExperimentConfig fields of the best combination a calibration page found (:func:`best_row`): the
    combination, the rate where PW came nearest the paper's count, that reading of Algorithm 2 and that
    stopping rule.

    Raises
    ------
    FileNotFoundError
        If the calibration page has not been executed (its CSV file is missing).
    ValueError
        If its best combination is not calibrated.
    """
    best = best_row(output_name, folder)
    if best["status"] != "calibrated":
        raise ValueError(f"{best['path']}: the best combination is {best['status']!r}, so there is no calibrated rate")
    return {"learning_rate": float(best["pw_rate"]), "init": best["init"], "seed": int(best["seed"]),
            "am_input": best["am_input"], "s": float(best["s"]), "margin": float(best["margin"]),
            "scaling": best["scaling"], "algorithm2": best["pw_reading"], "stop_rule": best["pw_rule"]}


def searched_again(rows: list, calibrated_from: str, folder=".") -> str:
    """A sentence comparing the interval this page found for the combination of the page ``calibrated_from``
    (searched again here, e.g. seed 1 among seeds 1-5) with the interval that page found; "" if this page
    does not search that combination.

    Each edge of an interval is bracketed by the search: the low edge lies between the highest rate whose
    count missed (``bound_low``) and the lowest that met it (``rate_low``), the high edge likewise. Two
    searches find one interval when their brackets overlap at both edges.
    """
    base = best_row(calibrated_from, folder)
    name = label({**base, "s": float(base["s"]), "margin": float(base["margin"])})
    here = next((row for row in rows if label(row) == name), None)
    if here is None or base["status"] != "calibrated" or here["status"] != "calibrated":
        return ""
    there = {key: float(base[key]) for key in ("bound_low", "rate_low", "rate_high", "bound_high")}
    overlap = (max(here["bound_low"], there["bound_low"]) < min(here["rate_low"], there["rate_low"])
               and max(here["rate_high"], there["rate_high"]) < min(here["bound_high"], there["bound_high"]))
    apart = max(abs(here[k] / there[k] - 1) for k in ("rate_low", "rate_high"))
    verdict = ("their brackets overlap at both edges, so the two searches find one interval"
               if overlap else "their brackets do not overlap, so the two searches disagree")
    return (f"The calibration page's best combination ({name}) is searched again here: "
            f"GD takes the paper's count from {here['rate_low']:.6g} to {here['rate_high']:.6g} here and from "
            f"{there['rate_low']:.6g} to {there['rate_high']:.6g} there (edges {apart:.1e} apart, relatively). Each "
            f"search brackets each edge between a rate that missed the count and one that met it; {verdict}. "
            f"The experiment page runs at {float(base['pw_rate']):.6g}, from that page.")


def _ratio_cell(ratio: float) -> str:
    """GD/PW in the table, or why there is none (a count of 0 or none: the start is below the target, or
    the combination was not calibrated)."""
    return f"{ratio:.2f}" if math.isfinite(ratio) else "none: a count is 0 or missing"


def _pair(first: str, second: str):
    """A table column of two counts side by side, "121 / 97" ("-" for one not reached; None for neither)."""
    def cell(row: dict):
        a, b = row.get(first), row.get(second)
        return None if a is None and b is None else f"{'-' if a is None else a} / {'-' if b is None else b}"
    return cell


def _spaced_interval(row: dict):
    """The rate interval with spaces around its dash, so a narrow column can wrap it."""
    interval = row.get("rate_interval")
    return None if interval is None else re.sub(r"(\d)-(\d)", r"\1 – \2", str(interval))


# The ranked table of a calibration page, narrow enough for the book's column (the browser tests check
# that no table is wider): the open choices in one "combination" column, counts paired.
TABLE_COLUMNS = [(lambda row: label(row), "combination", ""), ("initial_loss", "initial loss", ".4f"),
                 ("status", "status", ""), (_spaced_interval, "rate(s) at GD's count", ""),
                 (_pair("gd_epochs", "pw_epochs"), "GD / PW epochs", ""), ("pw_reading", "Alg. 2", ""),
                 ("pw_rule", "loss checked", ""), ("ratio", "GD/PW", _ratio_cell),
                 (_pair("gd_epochs_float64", "pw_epochs_float64"), "float64: GD / PW", "")]


def label(row: dict) -> str:
    """A short name of a row's combination, e.g. ``"course, cosine, s 1, margin 1, /255, seed 1"``; for the
    binary task (one output, no AM-softmax) without the loss reading: ``"course, /255, seed 1"``."""
    inputs = "/255" if row["scaling"] == "255" else "standardized"
    loss = "" if row["dataset"] in BINARY else f"{row['am_input']}, s {row['s']:g}, margin {row['margin']:g}, "
    return f"{row['init']}, {loss}{inputs}, seed {row['seed']}"


def summary(rows: list) -> dict:
    """Counts of the statuses, the exact matches, the best row (``rows`` ranked), and the fewest and most
    epochs PW takes at GD's calibrated rate over the calibrated combinations (``pw_fewest``, ``pw_most``; -1
    if none), for the page to glue."""
    best = rows[0]
    setting = label(best)
    statuses = [row["status"] for row in rows]
    pw_counts = [row["pw_epochs"] for row in rows if row["status"] == "calibrated" and row["pw_epochs"] is not None]
    return {"n_combinations": len(rows), "n_calibrated": statuses.count("calibrated"),
            "n_below": statuses.count("starts below target"),
            "n_other": len(rows) - statuses.count("calibrated") - statuses.count("starts below target"),
            "n_exact": sum(row["exact"] for row in rows), "best_setting": setting,
            "best_gd": best["gd_epochs"] if best["gd_epochs"] is not None else -1,
            "best_pw": best["pw_epochs"] if best["pw_epochs"] is not None else -1,
            "best_rate_low": best["rate_low"], "best_rate_high": best["rate_high"],
            "best_reading": best["pw_reading"] or "-", "best_rule": RULE_NAMES.get(best["pw_rule"], "-"),
            "best_ratio": best["ratio"], "pw_fewest": min(pw_counts, default=-1), "pw_most": max(pw_counts, default=-1)}


def status_legend(rows: list) -> str:
    """The meaning of each status the table shows, in one line of Markdown."""
    shown = dict.fromkeys(row["status"] for row in rows)
    return "Status: " + "; ".join(f"*{status}*: {STATUS_MEANINGS.get(status, status)}" for status in shown) + "."


def margins_summary(margins: list, page_rate: float | None = None, paper_pw: int | None = None) -> dict:
    """What a calibration page glues of :func:`pwcore.robustness.count_margins`: per optimizer ``k`` (gd,
    pw) its counts over the interval in each dtype, ``robust_k_counts`` ("139-140 in float64, 139 in
    float32"), and the closest call, ``robust_closest`` (the smallest margin of any count, where it was);
    with ``paper_pw``, ``robust_pw_paper_rates`` (at how many of the float64 rates PW takes the paper's
    count, and from which to which); with ``page_rate`` (the rate the experiment page runs at, in float64),
    ``robust_at_page`` (the counts there and PW's margin below the target)."""
    values = {}
    exact = [m for m in margins if m["dtype"] == "float64"]
    if paper_pw is not None:
        hits = [m["learning_rate"] for m in exact if m["pw_epochs"] == paper_pw]
        values["robust_pw_paper_rates"] = (f"at {len(hits)} of the {len(exact)} rates in float64"
                                           + (f", from {min(hits):.6g} to {max(hits):.6g}" if hits else ""))
    at_page = [m for m in exact if page_rate is not None and math.isclose(m["learning_rate"], page_rate, rel_tol=1e-12)]
    if at_page:
        m = at_page[0]
        values["robust_at_page"] = (f"at the experiment page's rate, {page_rate:.6g} in float64, GD takes "
                                    f"{_span([m['gd_epochs']])} and PW {_span([m['pw_epochs']])}"
                                    + ("" if m["pw_below"] is None else
                                       f", PW's loss {m['pw_below']:.2g} below the target when it stops"))
    for k in ("gd", "pw"):
        spans = []
        for dtype in dict.fromkeys(m["dtype"] for m in margins):
            counts = [m[f"{k}_epochs"] for m in margins if m["dtype"] == dtype]
            spans.append(f"{_span(counts)} in {dtype}")
        values[f"robust_{k}_counts"] = ", ".join(spans)
    calls = [(m[f"{k}_{side}"], k, side, m) for m in margins for k in ("gd", "pw") for side in ("below", "above")
             if m[f"{k}_{side}"] is not None]
    if not calls:
        values["robust_closest"] = "none: no count was reached"
        return values
    margin, k, side, m = min(calls, key=lambda call: call[0])
    check = "at the check that stopped it" if side == "below" else "at the check before the one that stopped it"
    values["robust_closest"] = (f"{margin:.2g} {'below' if side == 'below' else 'above'} the target, {k.upper()}'s "
                                f"loss {check} (rate {m['learning_rate']:.6g}, {m['dtype']})")
    return values


def _span(counts: list) -> str:
    """``"139"``, ``"139-140"``, or with the runs that missed: ``"139-140 (2 missed)"``."""
    reached = [count for count in counts if count is not None]
    missed = f" ({len(counts) - len(reached)} missed)" if len(reached) < len(counts) else ""
    if not reached:
        return f"none reached{missed}"
    low, high = min(reached), max(reached)
    return (f"{low}" if low == high else f"{low}-{high}") + missed


MARGIN_COLUMNS = [("dtype", "dtype", ""), ("learning_rate", "learning rate", ".6g"),
                  (_pair("gd_epochs", "pw_epochs"), "GD / PW epochs", ""),
                  ("gd_below", "GD: below", ".2g"), ("gd_above", "GD: above before", ".2g"),
                  ("pw_below", "PW: below", ".2g"), ("pw_above", "PW: above before", ".2g")]
