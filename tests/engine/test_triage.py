"""Teachers' alert rules (engine/triage.py): practice rhythm, the rules, their ranking, and a seeded class."""
from __future__ import annotations

import numpy as np
import pytest

from engine.growth import GrowthParameters, WindowGains
from engine.simulate import draw_bank
from engine.simulate_class import ClassDesign, simulate_classes
from engine.triage import KINDS, Evidence, Practice, TriageRules, gather, practice, triage

SEED = 20261218
NOW = 100.0


def test_practice_counts_calendar_days_in_the_rhythm_and_the_window():
    learner = np.array([5, 5, 5, 5, 5, 9, 9, 5])
    days = np.array([0.5, 1.2, 1.6, 3.5, 8.0, 40.0, 41.0, 60.0])
    found = practice(learner, days, np.array([2, 5, 9]), now=70.0, since=2.0)
    # learner 2 has no answers
    assert np.isnan(found.first[0]) and np.isnan(found.usual_per_week[0]) and found.practice_days[0] == 0
    # learner 5: calendar days 0, 1, 3, 8, 60; the rhythm is the 28 days before day 60 (day 60 only,
    # counted over at least a week: fewer than 3 practice days, no rhythm)
    assert (found.first[1], found.last[1], found.practice_days[1]) == (0.5, 60.0, 5)
    assert np.isnan(found.usual_per_week[1])
    assert found.days_since[1] == 3  # days 3, 8 and 60 are after day 2
    # learner 9: 2 practice days, no rhythm either
    assert np.isnan(found.usual_per_week[2]) and found.days_since[2] == 2
    # with the day-60 answer gone, learner 5's four days over 7.5 days are a rhythm of 3.73 a week
    again = practice(learner[:-1], days[:-1], np.array([5]), now=70.0, since=2.0)
    assert again.usual_per_week[0] == pytest.approx(4 * 7 / 7.5)


def _evidence(last, usual, joined, gain, gain_se, span, window_answers) -> Evidence:
    n = len(last)
    last = np.asarray(last, dtype=float)
    window = WindowGains(learner=np.arange(n), answers=np.where(np.isfinite(last), 100, 0),
                         start_days=last - np.asarray(span), end_days=last, window_answers=np.asarray(window_answers),
                         theta_start=np.zeros(n), se_start=np.full(n, 0.3), theta_end=np.asarray(gain, dtype=float),
                         se_end=np.full(n, 0.3), growth_end=np.zeros(n), gain=np.asarray(gain, dtype=float),
                         gain_se=np.asarray(gain_se, dtype=float))
    return Evidence(now=NOW, learners=np.arange(n), joined=np.asarray(joined, dtype=float),
                    practice=Practice(first=last - 60, last=last, usual_per_week=np.asarray(usual, dtype=float),
                                      practice_days=np.full(n, 20), days_since=np.full(n, 10)),
                    window=window)


def test_inactive_is_a_silence_long_for_the_learner_and_at_least_the_minimum():
    rules = TriageRules()
    assert (rules.inactive_min_days, rules.inactive_gaps) == (10.0, 2.5)
    nan = np.nan
    evidence = _evidence(
        last=[89.0, 85.0, 90.5, nan, nan, 80.0],
        usual=[7.0, 1.0, nan, nan, nan, 1.0],
        joined=[0, 0, 0, 95.0, 80.0, 0],
        gain=[0, 0, 0, 0, 0, 0], gain_se=[0.1] * 6, span=[42] * 6, window_answers=[100] * 6)
    found = triage(evidence, rules)
    # daily learner silent 11 days: inactive; weekly learner silent 15 days: not yet (2.5 weeks);
    # no rhythm, 9.5 days: not yet; never answered, account 5 days old: no; 20 days old: yes;
    # weekly learner silent 20 days: yes
    assert found.flags["inactive"].tolist() == [True, False, False, False, True, True]
    assert found.idle_days.tolist() == [11.0, 15.0, 9.5, 5.0, 20.0, 20.0]
    # inactive learners are not judged on progress (their window is stale)
    assert not found.flags["stalled"][[0, 4, 5]].any()
    # most urgent first: 11 daily gaps, 20 days over the 10 of no rhythm, 20 days over a 7-day gap
    assert found.ranked()[:3] == [(0, "inactive"), (5, "inactive"), (4, "inactive")]


def test_progress_rules_read_the_gain_as_a_rate_with_its_uncertainty():
    evidence = _evidence(
        last=[NOW - 1] * 7, usual=[3.0] * 7, joined=[0] * 7,
        gain=[0.0, 0.3, 1.5, 0.6, 0.0, 0.0, 0.4],
        gain_se=[0.1, 0.05, 0.2, 0.2, 0.1, 0.1, 0.5],
        span=[42, 42, 42, 42, 10, 42, 42], window_answers=[100, 100, 100, 100, 100, 20, 100])
    found = triage(evidence, TriageRules())
    flagged = {kind: np.flatnonzero(found.flags[kind]).tolist() for kind in KINDS}
    # 0: flat, sure of it; 1: 0.3 in six weeks, sure it is under 0.01/day; 2: 1.5, sure it is over
    # 0.025/day; 3: 0.6 (0.014/day), ordinary; 4 and 5: too short a window, too few answers;
    # 6: 0.4 +- 0.5, could be anything: nothing said
    assert flagged == {"inactive": [], "stalled": [0], "slow": [1], "fast": [2]}
    assert found.judged.tolist() == [True, True, True, True, False, False, True]
    assert found.probability_below_stalled[0] == pytest.approx(0.953521, abs=1e-6)  # Phi(0.004 * 42 / 0.1)
    assert np.isnan(found.probability_below_stalled[4])
    assert found.ranked() == [(0, "stalled"), (1, "slow"), (2, "fast")]


def test_rules_are_checked():
    with pytest.raises(ValueError, match="rates"):
        TriageRules(stalled_rate=0.02, slow_rate=0.01)
    with pytest.raises(ValueError, match="stalled_probability"):
        TriageRules(stalled_probability=1.0)
    with pytest.raises(ValueError, match="min_span_days"):
        TriageRules(window_days=14.0, min_span_days=21.0)


def test_gather_aligns_learners_without_answers():
    evidence = gather(np.array([4, 4]), np.array([1.0, 2.0]), np.ones(2), np.zeros(2), np.zeros(2),
                      np.array([1, 0]), np.array([2, 4, 6]), np.zeros(3), 5.0, GrowthParameters(), TriageRules())
    window = evidence.window
    assert window.learner.tolist() == [2, 4, 6] and window.answers.tolist() == [0, 2, 0]
    assert np.isnan(window.theta_end[[0, 2]]).all() and np.isfinite(window.theta_end[1])
    empty = gather(np.zeros(0, dtype=int), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, dtype=int),
                   np.array([2]), np.array([1.0]), 12.0, GrowthParameters(), TriageRules())
    assert triage(empty).flags["inactive"].tolist() == [True]  # an account 11 days old, never used


def test_rules_on_two_seeded_simulated_classes():
    """The whole path on two classes of known truth (bench/alerts.py runs a hundred): pinned, so a
    change to the rules, the gain or the simulator that moves a flag fails here."""
    bank = draw_bank(np.random.default_rng(SEED), 600)
    log = simulate_classes(2, bank, np.random.default_rng(SEED + 1), ClassDesign())
    learners = np.arange(log.profile.size)
    rules = TriageRules()
    evidence = gather(log.learner, log.days, bank.a[log.item], bank.b[log.item], bank.c[log.item], log.score,
                      learners, np.zeros(learners.size), log.now, GrowthParameters(), rules)
    found = triage(evidence, rules)
    truth = log.truth()
    flagged = {kind: np.flatnonzero(found.flags[kind]).tolist() for kind in KINDS}
    expected = {kind: np.flatnonzero(truth[kind]).tolist() for kind in KINDS}
    assert expected == EXPECTED_TRUTH
    assert flagged == EXPECTED_FLAGS
    # a minority: at most a third of each class gets a follow-up alert
    follow_up = found.flags["inactive"] | found.flags["stalled"] | found.flags["slow"]
    assert follow_up.reshape(2, 20).sum(axis=1).tolist() == [6, 5]


#: Each class: learners 0-10 normal, 11-12 fast, 13-14 slow, 15-16 stalled, 17-19 dropping out.
EXPECTED_TRUTH = {"inactive": [18, 19, 37], "stalled": [15, 16, 35, 36], "slow": [13, 14, 33, 34],
                  "fast": [11, 12, 31, 32]}
#: Missed: 19 (stopped, silent 7 to 10 days); stalled 36 called slow and slow 34 called stalled;
#: normal learners 1, 5 and 25 called slow.
EXPECTED_FLAGS = {"inactive": [18, 37], "stalled": [15, 16, 34, 35], "slow": [1, 5, 13, 25, 36],
                  "fast": [11, 12, 31, 32]}
