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


def test_curve_evidence_is_the_sum_over_the_curves_of_the_answers_likelihood():
    """Two practice days (mean times 0.1 and 2.1), every ability on a node of the table: the
    quadrature equals the sum written out by hand."""
    from scipy.special import expit, logsumexp

    from engine.simulate_class import CurveFamily, curve_evidence

    learner = np.array([0, 0, 0, 1])
    days = np.array([0.05, 0.15, 2.1, 0.5])
    a, b, c = np.array([1.0, 1.5, 0.8, 1.0]), np.array([-0.5, 0.2, 1.0, 0.0]), np.array([0.0, 0.25, 1 / 3, 0.0])
    score = np.array([1, 0, 1, 1])
    start, start_weights = np.array([-1.0, 0.0]), np.log(np.array([0.25, 0.75]))
    families = [CurveFamily(np.array([0.0, 0.5]), np.log(np.array([0.5, 0.5])), np.array([np.inf])),
                CurveFamily(np.array([0.5]), np.zeros(1), np.array([0.1, 2.0]))]
    found = curve_evidence(learner, days, a, b, c, score, 2, start, start_weights, families)

    def by_hand(rates, rate_weights, until):
        terms = []
        for theta0, w0 in zip(start, start_weights):
            for g, wg in zip(rates, rate_weights):
                for u in until:
                    theta = theta0 + g * np.minimum(np.array([0.1, 0.1, 2.1]), u)
                    p = c[:3] + (1 - c[:3]) * expit(a[:3] * (theta - b[:3]))
                    terms.append(w0 + wg - np.log(len(until)) + np.sum(np.where(score[:3] > 0, np.log(p),
                                                                                 np.log1p(-p))))
        return logsumexp(terms)

    assert found[0, 0] == pytest.approx(by_hand([0.0, 0.5], np.log([0.5, 0.5]), [np.inf]), rel=1e-9)
    assert found[0, 1] == pytest.approx(by_hand([0.5], [0.0], [0.1, 2.0]), rel=1e-9)
    # the second learner's one right answer at day 0.5: theta0 + 0.5 g, g = 0 or 0.5
    one = [w + np.log(0.5) + np.log(expit(theta0 + 0.5 * g)) for theta0, w in zip(start, start_weights)
           for g in (0.0, 0.5)]
    assert found[1, 0] == pytest.approx(logsumexp(one), rel=1e-9)


def test_profile_posterior_on_a_seeded_class(bank):
    """The Bayes classifier that knows the design (the ceiling of bench/alerts.py --ceiling) on one
    class: pinned; its stalled learners are found, and so is one slow and one normal learner — the
    answers cannot do better."""
    from engine.simulate_class import profile_posterior

    log = simulate_classes(1, bank, np.random.default_rng(SEED + 2))
    posterior = profile_posterior(log, bank.a[log.item], bank.b[log.item], bank.c[log.item])
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
    # a dropping-out learner grows as a normal one: the two in the design's ratio, 11 to 3
    np.testing.assert_allclose(posterior[:, 4] / posterior[:, 0], 3 / 11)
    called = [PROFILES[i] for i in posterior.argmax(axis=1)]
    assert called == ["normal"] * 6 + ["slow"] + ["normal"] * 4 + ["fast"] * 2 + ["stalled", "normal"] \
        + ["stalled"] * 2 + ["normal"] * 2 + ["stalled"]
    assert posterior[15:17, 3] == pytest.approx([0.908849, 0.770085], abs=1e-6)  # the stalled learners
    assert posterior[13, 2:4] == pytest.approx([0.435719, 0.442296], abs=1e-6)  # slow, or stalled?
