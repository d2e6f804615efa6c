"""RP67 cut scores from authors' level tags, with bootstrap intervals, per language."""
from __future__ import annotations

import numpy as np

from calibration.cuts import RESPONSE_PROBABILITY, cut_scores, rp_theta
from engine.models import gpcm_expected_score, probability


def test_rp67_location_is_where_the_model_gives_067():
    a, b, c = np.array([0.8, 1.5, 1.0]), np.array([-1.0, 0.5, 2.0]), np.array([0.0, 0.2, 0.7])
    theta = rp_theta(a, b[:, None], c, gpcm=False)
    p = probability(0.0, a[:2], b[:2] - theta[:2], c[:2])
    np.testing.assert_allclose(p, RESPONSE_PROBABILITY)
    assert np.isnan(theta[2])  # guessing above 0.67: never defined
    steps = np.array([[-1.0, 0.0, 1.0], [0.5, np.nan, np.nan]])
    theta = rp_theta(np.array([1.2, 0.9]), steps, np.zeros(2), gpcm=True)
    expected = [gpcm_expected_score(t, np.array([a_]), s[None])[0] for t, a_, s in zip(theta, (1.2, 0.9), steps)]
    np.testing.assert_allclose(expected, [3 * RESPONSE_PROBABILITY, RESPONSE_PROBABILITY], atol=1e-9)


def test_cuts_are_medians_of_the_higher_level_with_intervals_per_language():
    rng = np.random.default_rng(51)
    centres = {"A1": -1.5, "A2": -0.5, "B1": 0.5, "B2": 1.5}
    levels = np.repeat(list(centres), 40)
    theta67 = np.array([centres[lv] for lv in levels]) + rng.normal(0, 0.3, len(levels))
    languages = np.array(["nb", "en"] * (len(levels) // 2))
    cuts = cut_scores(theta67, levels, languages, rng, n_bootstrap=400)
    assert [(c.language, c.lower, c.upper) for c in cuts] == [
        ("en", "A1", "A2"), ("en", "A2", "B1"), ("en", "B1", "B2"),
        ("nb", "A1", "A2"), ("nb", "A2", "B1"), ("nb", "B1", "B2")]
    for cut in cuts:
        chosen = (languages == cut.language) & (levels == cut.upper)
        assert cut.theta == np.median(theta67[chosen]) and cut.n_items == 20
        assert cut.low < cut.theta < cut.high and cut.high - cut.low < 0.5
        assert abs(cut.theta - centres[cut.upper]) < 0.25


def test_a_level_without_items_gives_no_cut():
    cuts = cut_scores(np.array([0.1, 0.2]), np.array(["A1", "B1"]), np.array(["it", "it"]),
                      np.random.default_rng(0), n_bootstrap=50)
    assert [(c.lower, c.upper) for c in cuts] == [("A2", "B1")]
