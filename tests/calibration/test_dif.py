"""Mantel-Haenszel DIF: a 0.6-logit shift is found, clean items are not flagged beyond the nominal rate."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from calibration import Calibrator
from calibration.dif import SIGNIFICANCE, ets_classes, mantel_haenszel
from calibration.report import dif, fitted_responses
from calibration_helpers import design, item_names

N_ITEMS = 40
SHIFT = 0.6


@pytest.mark.parametrize("seed", [41, 42])
def test_a_shifted_item_is_detected_and_clean_items_are_not(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    focal = rng.random(n) < 0.4
    theta = rng.normal(0, 1, n) - 0.5 * focal  # the focal group is also less able on average
    a, b = rng.lognormal(0, 0.3, N_ITEMS), rng.normal(0, 1, N_ITEMS)
    learner, item = design(n, N_ITEMS, None, rng)
    logit = a[item] * (theta[learner] - b[item]) - SHIFT * ((item == 0) & focal[learner])
    scores = (rng.random(len(item)) < expit(logit)).astype(int)
    ids = item_names(N_ITEMS)[item]
    fitted = Calibrator().fit(learner, ids, scores)
    groups = np.where(focal, "focal", "reference")[fitted.learner_ids_]
    rows = dif(fitted, fitted_responses(fitted, learner, ids, scores), groups)
    assert [r.reference for r in rows[:1]] == ["reference"] and len(rows) == N_ITEMS
    shifted, clean = rows[0], rows[1:]
    assert shifted.ets_class in ("B", "C") and shifted.d_dif < -1.0 and shifted.p_value < 0.001
    assert abs(shifted.d_dif + 2.35 * SHIFT) < 0.5
    flagged = sum(r.ets_class != "A" for r in clean)
    significant = sum(r.p_value < SIGNIFICANCE for r in clean)
    assert flagged <= 2 and significant <= 2 * SIGNIFICANCE * len(clean) + 2


def test_mantel_haenszel_by_hand():
    # One item, two strata; tables[item, stratum, group (ref, focal), (wrong, right)].
    tables = np.array([[[[10, 30], [20, 20]], [[5, 45], [10, 40]]]], dtype=float)
    mh = mantel_haenszel(tables)
    r = 30 * 20 / 80 + 45 * 10 / 100
    s = 10 * 20 / 80 + 5 * 40 / 100
    np.testing.assert_allclose(mh.alpha, r / s)
    np.testing.assert_allclose(mh.d_dif, -2.35 * np.log(r / s))
    expected = 40 * 50 / 80 + 50 * 85 / 100
    variance = 40 * 40 * 50 * 30 / (80**2 * 79) + 50 * 50 * 85 * 15 / (100**2 * 99)
    np.testing.assert_allclose(mh.chi_square, (abs(75 - expected) - 0.5) ** 2 / variance)
    assert mh.n_reference[0] == 90 and mh.n_focal[0] == 90 and mh.ets_class[0] in "ABC"


def test_ets_classes_follow_size_and_significance():
    d = np.array([-0.5, -1.2, -2.0, 2.0, -1.6, -2.0])
    se = np.array([0.1, 0.1, 0.1, 0.1, 0.5, 0.1])
    p = np.array([0.001, 0.001, 0.001, 0.001, 0.001, 0.2])
    assert list(ets_classes(d, se, p)) == ["A", "B", "C", "C", "B", "A"]
