"""Infit/outfit near 1 for fitting items, a mis-keyed item flagged: at EAPs after a calibration,
and against the estimate before each answer, as the service judges them."""
from __future__ import annotations

import numpy as np
import pytest
from calibration_helpers import dichotomous
from scipy import integrate, stats

from calibration import Calibrator
from calibration.fit import MIN_FIT_RESPONSES, _dichotomous, mean_squares, moments, predictive_moments
from calibration.report import fitted_responses, item_fit
from engine import models


def test_fitting_items_are_near_one_and_a_mis_keyed_item_is_flagged():
    sim = dichotomous(1500, 25, np.random.default_rng(31), rasch=True)
    scores = np.where(sim.item_ids == "item003", 1 - sim.scores, sim.scores)  # the key is wrong
    fitted = Calibrator("rasch").fit(sim.learners, sim.item_ids, scores)
    fit = item_fit(fitted, fitted_responses(fitted, sim.learners, sim.item_ids, scores))
    clean = np.arange(25) != 3
    assert np.all(np.abs(fit.infit[clean] - 1) < 0.15) and np.all(np.abs(fit.outfit[clean] - 1) < 0.25)
    assert fit.infit[3] > 1.3 and fit.outfit[3] > 1.3
    assert list(np.flatnonzero(fit.misfit)) == [3]


def test_mean_squares_by_hand_and_too_few_responses_are_not_flagged():
    item = np.array([0, 0, 1])
    score = np.array([1.0, 0.0, 1.0])
    answer = _dichotomous(np.array([0.5, 0.2, 0.9]))
    fit = mean_squares(item, score, answer, 2)
    np.testing.assert_allclose(fit.outfit[0], (0.25 / 0.25 + 0.04 / 0.16) / 2)
    np.testing.assert_allclose(fit.infit[0], (0.25 + 0.04) / (0.25 + 0.16))
    # C = P(1-P)^4 + (1-P)P^4; q_in^2 = sum(C - W^2) / (sum W)^2; t by Wilson–Hilferty.
    fourth = np.array([0.5 * 0.5**4 * 2, 0.2 * 0.8**4 + 0.8 * 0.2**4])
    q_in = np.sqrt((fourth - np.array([0.25, 0.16]) ** 2).sum()) / 0.41
    np.testing.assert_allclose(fit.infit_t[0], (np.cbrt(fit.infit[0]) - 1) * 3 / q_in + q_in / 3)
    assert not fit.misfit.any() and MIN_FIT_RESPONSES > 2


def test_the_predictive_probability_is_the_3pl_averaged_over_the_normal_posterior():
    cases = [(0.3, 0.9, 2.5, 0.7, 0.2), (-1.0, 0.4, 1.0, -2.0, 0.0), (0.0, 1.0, 0.4, 1.5, 0.33)]
    theta, se, a, b, c = (np.array(v) for v in zip(*cases, strict=True))
    answer = predictive_moments(theta, se, a, b, c)
    for k, (t, s, *item) in enumerate(cases):
        def integrand(x, t=t, s=s, item=item):
            return models.probability(x, *([v] for v in item))[0] * stats.norm.pdf(x, t, s)
        exact = integrate.quad(integrand, t - 10 * s, t + 10 * s, epsabs=1e-12)[0]
        assert answer.expected[k] == pytest.approx(exact, abs=1e-6)
    np.testing.assert_allclose(answer.variance, answer.expected * (1 - answer.expected))
    # A posterior with no spread is a point: the moments at an estimate.
    at_point = moments(theta, a, b[:, None], c, gpcm=False)
    np.testing.assert_allclose(predictive_moments(theta, se * 0, a, b, c).expected, at_point.expected)


def _answers(rng, theta, a, b, c, per_learner, wrong_key=None):
    """Each learner answers ``per_learner`` random items, scored with the wrong key on item
    ``wrong_key``; the grid posterior's mean and SD before every answer, and its mean after."""
    grid = np.linspace(-5, 5, 201)
    log_post = np.tile(stats.norm.logpdf(grid), (theta.size, 1))
    rows = []
    for _ in range(per_learner):
        item = rng.integers(0, a.size, theta.size)  # an item may come again, as in drills
        right = (rng.random(theta.size) < models.probability(theta, a, b, c)[np.arange(theta.size), item]).astype(float)
        # Learners answer what they think right, and the wrong key scores it the other way.
        right = np.where(item == wrong_key, 1 - right, right)
        weights = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        mean = weights @ grid
        sd = np.sqrt(weights @ grid**2 - mean**2)
        p = models.probability(grid, a[item], b[item], c[item]).T  # (learners, grid)
        log_post = log_post + np.where(right[:, None] == 1, np.log(p), np.log1p(-p))
        after = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        rows.append((item, right, mean, sd, (after @ grid) / after.sum(axis=1)))
    return (np.concatenate(column) for column in zip(*rows, strict=True))


def _bank(rng, m=20):
    a, b = rng.uniform(0.8, 2.0, m), rng.normal(0, 1, m)
    return a, b, np.where(np.arange(m) % 2 == 0, 1 / 3, 0.0)  # half are three-option choice items


def test_against_the_estimate_before_each_answer_the_t_statistics_are_standard_normal_when_items_fit():
    rng = np.random.default_rng(61)
    infit_t, outfit_t, flagged = [], [], 0
    for _ in range(10):
        a, b, c = _bank(rng)
        item, right, mean, sd, _ = _answers(rng, rng.normal(0, 1, 600), a, b, c, 12)
        fit = mean_squares(item, right, predictive_moments(mean, sd, a[item], b[item], c[item]), a.size)
        infit_t += list(fit.infit_t)
        outfit_t += list(fit.outfit_t)
        flagged += int(fit.misfit.sum())
    # 200 fitting items with about 360 answers each.
    assert abs(np.mean(infit_t)) < 0.15 and 0.85 < np.std(infit_t) < 1.15
    assert abs(np.mean(outfit_t)) < 0.15 and 0.85 < np.std(outfit_t) < 1.15
    assert flagged <= 4  # 1 % of fitting items or so


def test_against_the_estimate_before_each_answer_a_mis_keyed_item_stands_out():
    rng = np.random.default_rng(53)
    a, b, c = _bank(rng)
    theta = rng.normal(0, 1, 1500)
    wrong_key = 3
    item, right, mean, sd, after = _answers(rng, theta, a, b, c, 12, wrong_key)
    fit = mean_squares(item, right, predictive_moments(mean, sd, a[item], b[item], c[item]), a.size)
    assert fit.misfit[wrong_key] and fit.infit[wrong_key] > 2 and fit.infit_t[wrong_key] > 10
    # It misleads the estimates the other items are judged against, so they drift above 1
    # (most of all the easy ones), but none as far.
    assert np.argmax(fit.infit_t) == wrong_key and np.argmax(fit.outfit_t) == wrong_key
    # Why not the estimate after the answer: it has moved towards the answer, and fitting
    # items' mean squares fall below 1.
    clean = np.arange(a.size) != wrong_key
    pulled = mean_squares(item, right, moments(after, a[item], b[item][:, None], c[item], gpcm=False), a.size)
    assert np.median(pulled.infit[clean]) < np.median(fit.infit[clean]) - 0.1
