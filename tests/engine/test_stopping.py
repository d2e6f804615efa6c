"""Stopping rules: length bounds, precision and the SPRT at the cuts."""
from __future__ import annotations

import numpy as np
import pytest

from engine.cefr import DEFAULT_CUTS
from engine.estimation import GridPosterior, update
from engine.models import log_likelihood
from engine.simulate import CATDesign, simulate_cat
from engine.stopping import ABOVE, BELOW, UNDECIDED, should_stop, sprt_bounds, sprt_decision

SEED = 20260903


def answered(theta_hint: float, n: int, right: float = 0.5) -> GridPosterior:
    """A posterior after n items at ``theta_hint`` with a share ``right`` answered right."""
    score = (np.arange(n) < round(right * n)).astype(float)
    return update(GridPosterior.prior(), np.full(n, 1.5), np.full(n, theta_hint), np.zeros(n), score)


def test_length_bounds_and_precision():
    precise = answered(0.0, 60)
    assert precise.estimate().se < 0.3
    assert not should_stop(precise, 4, min_items=5, max_items=40, se_target=0.3)
    assert should_stop(precise, 5, min_items=5, max_items=40, se_target=0.3)
    vague = answered(0.0, 2)
    assert not should_stop(vague, 10, min_items=5, max_items=40, se_target=0.3)
    assert should_stop(vague, 40, min_items=5, max_items=40, se_target=0.3)
    assert not should_stop(precise, 10, min_items=5, max_items=40, se_target=None)


def test_the_cuts_alone_do_not_classify_the_service_call_is_a_precision_rule():
    # What api.services.engine_adapter passes: cuts and an SE target, no classify.
    decided_but_vague = answered(-2.5, 12, right=0.0)
    assert sprt_decision(decided_but_vague, DEFAULT_CUTS).decided
    assert decided_but_vague.estimate().se > 0.35
    assert not should_stop(decided_but_vague, 12, cuts=DEFAULT_CUTS, min_items=10, max_items=30, se_target=0.35)
    assert should_stop(decided_but_vague, 12, cuts=DEFAULT_CUTS, min_items=10, max_items=30, se_target=0.35,
                       classify=True)
    with pytest.raises(ValueError, match="needs cuts"):
        should_stop(decided_but_vague, 12, classify=True, se_target=None)


def test_sprt_log_ratios_and_verdicts_follow_wald():
    lower, upper = sprt_bounds(0.05, 0.1)
    assert (lower, upper) == pytest.approx((np.log(0.1 / 0.95), np.log(0.9 / 0.05)))
    rng = np.random.default_rng(SEED)
    a, b = rng.lognormal(0, 0.3, 25), rng.normal(0.5, 0.3, 25)
    score = (rng.random(25) < 0.8).astype(float)
    posterior = update(GridPosterior.prior(), a, b, np.zeros(25), score)
    decision = sprt_decision(posterior, DEFAULT_CUTS, delta=0.25, alpha=0.05, beta=0.1)
    cuts = np.asarray(DEFAULT_CUTS)
    exact = log_likelihood(cuts + 0.25, a, b, 0.0, score) - log_likelihood(cuts - 0.25, a, b, 0.0, score)
    np.testing.assert_allclose(decision.log_ratios, exact, atol=2e-3)
    expected = [ABOVE if r >= upper else BELOW if r <= lower else UNDECIDED for r in exact]
    assert list(decision.verdicts) == expected


def test_a_level_is_decided_only_when_both_neighbouring_cuts_are():
    high = answered(0.5, 40, right=0.95)        # far above 0 and -1; near cut 1
    decision = sprt_decision(high, DEFAULT_CUTS)
    assert decision.verdicts[:2] == (ABOVE, ABOVE)
    assert decision.decided == (decision.verdicts[2] == (BELOW if decision.level == 2 else ABOVE)) or \
        decision.level == 3 and decision.decided == (decision.verdicts[2] == ABOVE)
    bottom = answered(-1.0, 20, right=0.0)
    assert sprt_decision(bottom, DEFAULT_CUTS).level == 0 and sprt_decision(bottom, DEFAULT_CUTS).decided
    nothing = GridPosterior.prior()
    assert not sprt_decision(nothing, DEFAULT_CUTS).decided
    assert sprt_decision(nothing, DEFAULT_CUTS).verdicts == (UNDECIDED,) * 3


def test_sprt_stops_early_and_classifies_correctly_in_simulation():
    rng = np.random.default_rng(SEED + 1)
    m = 300
    a, b, c = rng.lognormal(0.2, 0.25, m), rng.uniform(-2.5, 2.5, m), np.zeros(m)
    # Learners at least 0.5 logit from every cut: the SPRT's error rates apply.
    thetas = np.repeat([-2.0, -0.5, 0.5, 1.5], 40)
    design = CATDesign(classify=True, se_target=None, min_items=5, max_items=40)
    results = simulate_cat(thetas, a, b, c, rng, design)
    truth = np.searchsorted(DEFAULT_CUTS, thetas, side="right")
    assert np.mean(results.level == truth) >= 0.93
    assert results.n_items.mean() < 25
    assert np.all(results.n_items >= 5) and np.all(results.n_items <= 40)
