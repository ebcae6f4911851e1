"""What a page may say of its paired ratios: a claim word only where the interval can carry it.

A paired ratio *other / PW* (:func:`pwcore.study.paired_ratio`, :func:`pwcore.study.ratio_interval`: a
geometric mean over paired seeds with a 95 % t-interval on the logarithms) earns a claim word (one of
:data:`pwcore.study.CLAIMS` but "inconclusive") only if

- it is not a ratio of seconds (``quantity`` "seconds", as :func:`pwcore.study.paired_ratio` marks it): each
  seed's seconds are its fractional epochs times one seconds-per-epoch per optimizer, measured once
  (:func:`pwcore.study.seconds_per_epoch`), so the interval is the epochs' spread times a single timing
  ratio and carries none of the timing's own error,
- it rests on at least :data:`MIN_PAIRED_SEEDS` paired seeds,
- its interval has a width (every seed giving the same ratio, as when two optimizers take the same
  epochs on every seed, says nothing of the spread over seeds),
- and it survives Holm's correction for all the testable comparisons its page makes (:func:`holm`): the
  95 % interval printed beside it is not corrected, so a ratio whose interval excludes 1 can still be
  "inconclusive" once the page's other comparisons are counted.

Otherwise the page says "not testable here" and why, or "inconclusive"; a comparison that is not testable
is left out of Holm's family. The words are decided here, at presentation, from the numbers a computation
stored, so a stricter rule costs no recomputation.
"""
from __future__ import annotations

import math

from ..study import CLAIMS, supported_claim

MIN_PAIRED_SEEDS = 5
ALPHA = 0.05  # the family-wise error rate Holm's correction keeps; the intervals are 95 % ones
INCONCLUSIVE = CLAIMS[2]
UNTIMED = ("not testable here: each seed's seconds are its epochs times one timing per optimizer, so the "
           "interval carries no timing error")  # the word of every comparison of seconds


def p_value(interval: dict) -> float:
    """The two-sided p-value of a paired t-test that the geometric-mean ratio is 1, recovered from a
    95 % interval of :func:`pwcore.study.ratio_interval` (``mean``, ``high`` and ``n`` are enough: the
    interval is symmetric about the mean of the logarithms). NaN without an interval or a width."""
    from scipy import stats
    n, mean, high = interval["n"], interval["mean"], interval["high"]
    if n < 2 or not (math.isfinite(mean) and math.isfinite(high)) or high <= mean:
        return math.nan
    standard_error = (math.log(high) - math.log(mean)) / stats.t.ppf(1 - ALPHA / 2, n - 1)
    return float(2 * stats.t.sf(abs(math.log(mean)) / standard_error, n - 1))


def holm(p_values, alpha: float = ALPHA) -> list:
    """Holm's step-down procedure: which hypotheses (ratio = 1) are rejected at family-wise ``alpha``.

    NaN p-values (comparisons that are not testable) are left out of the family. Returns one bool per
    p-value, in the order given.
    """
    tested = sorted((p, i) for i, p in enumerate(p_values) if math.isfinite(p))
    rejected = [False] * len(p_values)
    for rank, (p, i) in enumerate(tested):
        if p > alpha / (len(tested) - rank):
            break
        rejected[i] = True
    return rejected


def why_not_testable(interval: dict) -> str | None:
    """Why an interval cannot carry a claim word, or None if it can. A comparison of seconds (its
    ``quantity`` "seconds") never can: :data:`UNTIMED`; nor one whose page found a reason of its own, its
    ``untestable_because``."""
    if interval.get("quantity") == "seconds":
        return UNTIMED
    if interval.get("untestable_because"):
        return f"not testable here: {interval['untestable_because']}"
    n = interval["n"]
    if n < MIN_PAIRED_SEEDS:
        return f"not testable here: {n} paired seed{'s' if n != 1 else ''}, at least {MIN_PAIRED_SEEDS} needed"
    if not interval["high"] > interval["low"]:
        return "not testable here: every paired seed gives the same ratio, so the interval has no width"
    return None


def judged(comparisons: list) -> list:
    """``comparisons`` (dicts with ``mean``, ``low``, ``high``, ``n``, and ``quantity`` where it is
    "seconds"), each copied with ``claim`` set as this module's rule says, ``p_value`` (NaN if not
    testable), and ``family`` (how many testable comparisons the page's Holm correction counted). Pass every
    comparison one page makes, in one call."""
    reasons = [why_not_testable(c) for c in comparisons]
    p_values = [math.nan if reason else p_value(c) for c, reason in zip(comparisons, reasons)]
    rejected = holm(p_values)
    family = sum(math.isfinite(p) for p in p_values)
    out = []
    for c, reason, p, significant in zip(comparisons, reasons, p_values, rejected):
        word = reason or supported_claim(c)
        if not reason and word != INCONCLUSIVE and not significant:
            word = f"{INCONCLUSIVE} after Holm's correction for {family} comparisons"
        out.append({**c, "claim": word, "p_value": p, "family": family})
    return out


def word(comparison: dict) -> str:
    """The claim of one comparison of :func:`judged`; a comparison not judged (its ``claim`` set by the
    computation's older, looser rule) is refused, so that no page prints that rule's word."""
    if "family" not in comparison:
        raise ValueError("this comparison's claim was not judged: pass the page's comparisons through "
                         "pwcore.book.claims.judged first")
    return comparison["claim"]


def rule_sentence(judged_comparisons: list) -> str:
    """The rule of this module in one sentence, for the page whose ``judged_comparisons`` (:func:`judged`)
    it explains; and a second, why a ratio of seconds is never tested, if the page has one."""
    family = judged_comparisons[0]["family"] if judged_comparisons else 0
    sentence = (f"A claim word (an advantage, or slower) needs at least {MIN_PAIRED_SEEDS} paired seeds and an "
                f"interval with a width, and must survive Holm's correction for the {family} testable comparisons "
                f"this page makes (the 95 % intervals shown are not corrected); otherwise the page says "
                f"inconclusive, or not testable here and why.")
    if any(c.get("quantity") == "seconds" for c in judged_comparisons):
        sentence += (" A ratio of seconds is never tested: each seed's seconds are its fractional epochs times one "
                     "seconds-per-epoch per optimizer, measured once, so its interval is the epochs' spread times "
                     "one timing ratio and carries no timing error.")
    return sentence
