"""Infit/outfit near 1 for fitting items, a mis-keyed item flagged."""
from __future__ import annotations

import numpy as np

from calibration import Calibrator
from calibration.fit import MIN_FIT_RESPONSES, mean_squares
from calibration.report import fitted_responses, item_fit
from calibration_helpers import dichotomous


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
    expected = np.array([0.5, 0.2, 0.9])
    variance = expected * (1 - expected)
    fit = mean_squares(item, score, expected, variance, 2)
    np.testing.assert_allclose(fit.outfit[0], (0.25 / 0.25 + 0.04 / 0.16) / 2)
    np.testing.assert_allclose(fit.infit[0], (0.25 + 0.04) / (0.25 + 0.16))
    assert not fit.misfit.any() and MIN_FIT_RESPONSES > 2
