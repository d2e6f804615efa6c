"""Item models: each formula against an independent computation."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.models import (
    gpcm_expected_score,
    gpcm_information,
    gpcm_log_likelihood,
    gpcm_probabilities,
    information,
    log_likelihood,
    log_probabilities,
    probability,
)

#: Step for central second differences: truncation O(h^2 a^2) ~ 1e-5 relative, rounding ~ 1e-16 |log P| / h^2.
STEP = 1e-3

thetas = st.floats(-5.0, 5.0)
discriminations = st.floats(0.2, 3.0)
difficulties = st.floats(-3.0, 3.0)
guessing = st.floats(0.0, 0.35)


def second_difference(function, theta: float) -> np.ndarray:
    return (function(theta + STEP) - 2.0 * function(theta) + function(theta - STEP)) / STEP**2


@given(theta=thetas, a=discriminations, b=difficulties, c=guessing)
def test_dichotomous_information_is_the_expected_negative_curvature_of_the_log_likelihood(theta, a, b, c):
    # I(theta) = sum_u P(u) * (-d^2/dtheta^2 log P(u)): finite differences, not the closed form.
    item = (np.array([a]), np.array([b]), np.array([c]))
    p = probability(theta, *item)[0]
    curvature = [-second_difference(lambda t, u=u: log_likelihood(t, *item, [u]), theta) for u in (1, 0)]
    assert information(theta, *item)[0] == pytest.approx(p * curvature[0] + (1 - p) * curvature[1],
                                                         rel=1e-4, abs=1e-5)


@given(theta=thetas, a=discriminations,
       steps=st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=4))
def test_gpcm_information_is_the_expected_negative_curvature_of_the_log_likelihood(theta, a, steps):
    a_, thresholds = np.array([a]), np.array([steps])
    p = gpcm_probabilities(theta, a_, thresholds)[0]
    curvature = [-second_difference(lambda t, k=k: gpcm_log_likelihood(t, a_, thresholds, [k]), theta)
                 for k in range(len(steps) + 1)]
    assert gpcm_information(theta, a_, thresholds)[0] == pytest.approx(p @ np.array(curvature),
                                                                       rel=1e-4, abs=1e-5)


@given(theta=thetas, a=st.lists(discriminations, min_size=3, max_size=3),
       steps=st.lists(st.floats(-3.0, 3.0), min_size=9, max_size=9))
def test_gpcm_probabilities_sum_to_one_with_unused_steps_at_zero(theta, a, steps):
    thresholds = np.array(steps).reshape(3, 3)
    thresholds[1, 2] = np.nan              # item 1: three categories used of four
    thresholds[2, 1:] = np.nan             # item 2: dichotomous
    p = gpcm_probabilities(theta, np.array(a), thresholds)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert p[1, 3] == 0.0 and np.all(p[2, 2:] == 0.0)
    assert np.all(p >= 0.0)


def test_gpcm_with_one_step_is_the_2pl():
    theta = np.linspace(-4, 4, 9)
    a, b = np.array([0.7, 1.8]), np.array([-1.0, 0.5])
    p = gpcm_probabilities(theta, a, b[:, np.newaxis])
    np.testing.assert_allclose(p[..., 1], probability(theta, a, b), rtol=1e-12)
    np.testing.assert_allclose(gpcm_information(theta, a, b[:, np.newaxis]), information(theta, a, b), rtol=1e-12)
    np.testing.assert_allclose(gpcm_expected_score(theta, a, b[:, np.newaxis]), probability(theta, a, b))


def test_gpcm_category_probabilities_follow_muraki_by_hand():
    theta, a, steps = 0.4, 1.3, np.array([-0.5, 0.2, 1.1])
    numerators = np.exp(np.concatenate([[0.0], np.cumsum(a * (theta - steps))]))
    expected = numerators / numerators.sum()
    np.testing.assert_allclose(gpcm_probabilities(theta, [a], steps[np.newaxis])[0], expected, rtol=1e-12)


@given(a=discriminations, b=difficulties, c=guessing,
       pair=st.tuples(thetas, thetas).filter(lambda t: abs(t[0] - t[1]) > 1e-6))
def test_probability_rises_with_ability_and_information_is_never_negative(a, b, c, pair):
    low, high = sorted(pair)
    p_low, p_high = probability(np.array([low, high]), [a], [b], [c])[:, 0]
    assert c <= p_low <= p_high <= 1.0
    assert np.all(information(np.array([low, high]), [a], [b], [c]) >= 0.0)


def test_shapes_follow_ability_first_items_last():
    items = (np.ones(4), np.zeros(4), np.zeros(4))
    assert probability(np.zeros(3), *items).shape == (3, 4)
    assert probability(0.0, *items).shape == (4,)
    assert information(np.zeros((2, 3)), *items).shape == (2, 3, 4)
    assert log_likelihood(np.zeros(3), *items, np.ones(4)).shape == (3,)
    assert gpcm_probabilities(np.zeros(3), np.ones(4), np.zeros((4, 2))).shape == (3, 4, 3)


def test_logs_and_information_stay_finite_far_into_the_tails():
    theta = np.array([-1e3, -40.0, 40.0, 1e3])
    a, b = np.array([1.0, 2.5]), np.array([0.0, 1.0])
    for c in (np.zeros(2), np.array([0.2, 0.25])):
        log_right, log_wrong = log_probabilities(theta, a, b, c)
        assert np.all(np.isfinite(log_right)) and np.all(np.isfinite(log_wrong))
        np.testing.assert_allclose(np.exp(log_right), probability(theta, a, b, c), rtol=1e-12)
        info = information(theta, a, b, c)
        assert np.all(np.isfinite(info)) and np.all(info >= 0)
    # 2PL: log P is exact in the far tail, not floored.
    assert log_probabilities(-40.0, [1.0], [0.0], [0.0])[0][0] == pytest.approx(-40.0, rel=1e-12)
