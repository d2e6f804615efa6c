"""Simulated classes over weeks (engine/simulate_class.py): stories that match their profiles, a seed that repeats."""
from __future__ import annotations

import numpy as np
import pytest

from engine.simulate import draw_bank
from engine.simulate_class import PROFILES, ClassDesign, simulate_classes

SEED = 20261219


@pytest.fixture(scope="module")
def bank():
    return draw_bank(np.random.default_rng(SEED), 300)


@pytest.fixture(scope="module")
def log(bank):
    return simulate_classes(3, bank, np.random.default_rng(SEED + 1))


def test_a_seed_gives_the_same_classes(bank, log):
    again = simulate_classes(3, bank, np.random.default_rng(SEED + 1))
    for name in ("learner", "days", "item", "score", "theta", "profile", "stop"):
        np.testing.assert_array_equal(getattr(log, name), getattr(again, name))


def test_each_class_has_the_designs_profiles_and_answers_sorted_by_learner_then_time(log):
    design = ClassDesign()
    assert log.profile.size == 3 * design.class_size == 60
    counts = {p: int(np.count_nonzero(log.profile[:20] == p)) for p in PROFILES}
    assert tuple(counts.values()) == design.profile_counts
    order = np.lexsort((log.days, log.learner))
    np.testing.assert_array_equal(order, np.arange(log.days.size))
    assert log.days.min() >= 0 and log.days.max() < design.days and log.now == design.days


def test_stories_follow_their_profiles(log):
    design = ClassDesign()
    for person, profile in enumerate(log.profile):
        mine = log.learner == person
        days, theta = log.days[mine], log.theta[mine]
        curve = log.curves[person]
        # day 0 is the placement: its length; other days are drills
        assert np.count_nonzero(days < 1) == design.placement_length
        if profile == "stalled":
            assert curve.until <= design.days - design.stalled_min_days
            assert curve.at(log.now) == curve.at(log.now - design.stalled_min_days)
        if profile == "dropping_out":
            assert days.max() < log.stop[person] and log.fade[person] < log.stop[person]
        else:
            assert np.isinf(log.stop[person])
        low, high = {"fast": design.fast_rate, "slow": design.slow_rate}.get(profile, design.normal_rate)
        assert low <= curve.rate <= high
        # the true ability at an answer is the curve plus a wander that moves from day to day
        wander = theta - curve.at(days)
        for day in np.unique(np.floor(days)):
            assert np.ptp(wander[np.floor(days) == day]) < 1e-12
    gains = log.true_gain(log.now - 42)
    assert np.all(gains[log.profile == "stalled"] == 0.0)
    assert gains[log.profile == "fast"].min() > gains[log.profile == "slow"].max()


def test_answers_follow_the_model_near_the_drills_target(log, bank):
    drills = log.days >= 1
    p = bank.c[log.item] + (1 - bank.c[log.item]) / (1 + np.exp(-bank.a[log.item] * (log.theta - bank.b[log.item])))
    assert log.score[drills].mean() == pytest.approx(p[drills].mean(), abs=0.01)
    assert 0.65 < p[drills].mean() < 0.8  # items picked near 75 % for a noisy view of the learner


def test_designs_are_checked():
    with pytest.raises(ValueError, match="profile_counts"):
        ClassDesign(profile_counts=(1, 2, 3))
    with pytest.raises(ValueError, match="drill_length"):
        ClassDesign(drill_length=0)
