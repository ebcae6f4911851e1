"""The rule by which a page attaches a claim word to a paired ratio (pwcore.book.claims)."""
import math

import numpy as np
import pytest
from scipy import stats

from pwcore import study
from pwcore.book import claims


def interval(ratios):
    return study.ratio_interval(ratios, [1.0] * len(ratios))


@pytest.mark.parametrize("ratios", [[1.3, 1.1, 1.6, 1.2, 1.4], [0.9, 1.2, 1.05, 0.8, 1.1, 1.3], [2.0, 2.5]])
def test_the_p_value_is_the_paired_t_test_s_on_the_logarithms(ratios):
    expected = stats.ttest_1samp(np.log(ratios), 0.0).pvalue
    assert claims.p_value(interval(ratios)) == pytest.approx(expected, rel=1e-9)


def test_holm_rejects_step_down_and_leaves_untestable_ones_out():
    # thresholds 0.05/3, 0.05/2, 0.05/1 for the three finite p-values, in increasing order
    assert claims.holm([0.01, math.nan, 0.04, 0.02]) == [True, False, True, True]
    assert claims.holm([0.01, 0.03, 0.04]) == [True, False, False]  # 0.03 > 0.05/2 stops the steps
    assert claims.holm([0.02, 0.001]) == [True, True]
    assert claims.holm([]) == []


def test_a_claim_word_needs_five_paired_seeds_a_width_and_to_survive_holm():
    strong = interval([1.5, 1.6, 1.55, 1.7, 1.45])
    few = interval([1.5, 1.6, 1.55, 1.7])
    flat = {"mean": 0.91, "low": 0.91, "high": 0.91, "n": 5}
    slower = interval([0.6, 0.7, 0.65, 0.62, 0.68])
    judged = claims.judged([strong, few, flat, slower])
    assert [c["claim"] for c in judged] == [
        "PW has an advantage", "not testable here: 4 paired seeds, at least 5 needed",
        "not testable here: every paired seed gives the same ratio, so the interval has no width", "PW is slower"]
    assert [c["family"] for c in judged] == [2] * 4 and math.isnan(judged[1]["p_value"])
    assert judged[0]["mean"] == strong["mean"] and "claim" not in strong  # a copy, the input unchanged


def test_an_interval_that_excludes_1_alone_can_be_inconclusive_among_many_comparisons():
    marginal = interval([1.3, 1.0, 1.25, 1.05, 1.35])
    assert marginal["low"] > 1 and 0.01 < claims.p_value(marginal) < 0.05
    alone, = claims.judged([marginal])
    assert alone["claim"] == "PW has an advantage"
    among = claims.judged([marginal] + [interval([1.1, 0.9, 1.0, 1.05, 0.95])] * 4)
    assert among[0]["claim"] == "inconclusive after Holm's correction for 5 comparisons"


def test_the_rule_sentence_states_the_page_s_numbers():
    judged = claims.judged([interval([1.5, 1.6, 1.55, 1.7, 1.45])] * 3)
    sentence = claims.rule_sentence(judged)
    assert f"at least {claims.MIN_PAIRED_SEEDS} paired seeds" in sentence and "the 3 testable comparisons" in sentence


def test_a_page_cannot_print_a_claim_that_was_not_judged():
    with pytest.raises(ValueError, match="claims.judged"):
        claims.word({**interval([1.5, 1.6]), "claim": "PW has an advantage"})


def test_a_ratio_of_seconds_gets_no_claim_word_and_is_left_out_of_holm_s_family():
    # seconds are each seed's epochs times one timing per optimizer: a clear interval, yet no test of the timing
    epochs = {**interval([1.5, 1.6, 1.55, 1.7, 1.45]), "quantity": "epochs"}
    seconds = {**interval([0.6, 0.7, 0.65, 0.62, 0.68]), "quantity": "seconds"}
    assert seconds["high"] < 1 and claims.p_value(seconds) < 0.001
    judged_epochs, judged_seconds = claims.judged([epochs, seconds])
    assert judged_seconds["claim"] == claims.UNTIMED and judged_seconds["claim"].startswith("not testable here")
    assert judged_seconds["claim"] not in study.CLAIMS and math.isnan(judged_seconds["p_value"])
    assert judged_epochs["claim"] == "PW has an advantage" and judged_epochs["family"] == judged_seconds["family"] == 1
    # counted as epochs, these four would make the marginal ratio inconclusive (the test above); as seconds, not
    marginal = {**interval([1.3, 1.0, 1.25, 1.05, 1.35]), "quantity": "epochs"}
    seconds = [{**interval([1.1, 0.9, 1.0, 1.05, 0.95]), "quantity": "seconds"}] * 4
    alone, *rest = claims.judged([marginal] + seconds)
    assert alone["claim"] == "PW has an advantage" and alone["family"] == 1
    assert {c["claim"] for c in rest} == {claims.UNTIMED}
    assert claims.why_not_testable({**seconds[0], "n": 2}) == claims.UNTIMED  # the reason that holds whatever n


def test_the_rule_sentence_says_why_seconds_are_not_tested_only_where_the_page_has_them():
    epochs = claims.judged([{**interval([1.5, 1.6, 1.55, 1.7, 1.45]), "quantity": "epochs"}])
    both = claims.judged(epochs + [{**interval([1.5, 1.6, 1.55, 1.7, 1.45]), "quantity": "seconds"}])
    assert "seconds" not in claims.rule_sentence(epochs)
    assert "A ratio of seconds is never tested" in claims.rule_sentence(both)
    assert "the 1 testable comparisons" in claims.rule_sentence(both)
