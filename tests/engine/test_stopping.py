"""Stopping rules: length bounds, precision and the SPRT at the cuts."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr

from engine.cefr import DEFAULT_CUTS
from engine.estimation import GridPosterior, update
from engine.models import log_likelihood
from engine.simulate import CATDesign, simulate_cat
from engine.stopping import (
    ABOVE,
    BELOW,
    RULES,
    UNDECIDED,
    classification_decision,
    curtailment_probability,
    decided,
    future_information,
    log_ratios,
    should_stop,
    sprt_bounds,
    sprt_decision,
    verdicts_of,
)

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


def brute_force_glr(a, b, c, score, cut: float, delta: float) -> float:
    """max over theta >= cut + delta minus max over theta <= cut - delta of the log-likelihood, on a fine grid."""
    grid = np.linspace(-6.0, 6.0, 24001)
    values = log_likelihood(grid, a, b, c, score)
    return float(values[grid >= cut + delta].max() - values[grid <= cut - delta].max())


def test_glr_is_the_difference_of_the_two_hypotheses_best_fits():
    rng = np.random.default_rng(SEED + 2)
    for k in range(12):
        n = 10 + 3 * k
        a, b = rng.lognormal(0.0, 0.3, n), rng.normal(0.3 * (k % 5 - 2), 0.8, n)
        c = np.where(rng.random(n) < 0.5, 0.25, 0.0)
        score = (rng.random(n) < 0.5 + 0.04 * (k % 5 - 2)).astype(float)
        posterior = update(GridPosterior.prior(), a, b, c, score)
        ratios = log_ratios(posterior.nodes, posterior.log_likelihood, DEFAULT_CUTS, 0.3, "glr")
        exact = np.array([brute_force_glr(a, b, c, score, cut, 0.3) for cut in DEFAULT_CUTS])
        fine = np.linspace(-6.0, 6.0, 2401)
        curvature = np.abs(np.gradient(np.gradient(log_likelihood(fine, a, b, c, score), fine), fine)).max()
        # Each maximum is taken on the grid nodes and the region's end: never above the continuous
        # maximum, and below it by at most h^2 J / 8 (h = 0.2, J the largest curvature); two maxima.
        slack = 2 * 0.2**2 * curvature / 8 + 2e-3
        assert np.all(np.abs(ratios - exact) <= slack), (ratios, exact)
        sprt = log_ratios(posterior.nodes, posterior.log_likelihood, DEFAULT_CUTS, 0.3, "sprt")
        assert np.all(np.abs(ratios) >= np.abs(sprt) - 1e-9)


def test_glr_and_sprt_agree_when_the_best_fit_is_inside_the_indifference_region():
    # Answers that put the maximum likelihood near 0: the GLR at cut 0 is the SPRT's ratio.
    a, b = np.full(40, 1.2), np.linspace(-1.0, 1.0, 40)
    score = (np.arange(40) % 2).astype(float)
    posterior = update(GridPosterior.prior(), a, b, np.zeros(40), score)
    glr = log_ratios(posterior.nodes, posterior.log_likelihood, (0.0,), 0.3, "glr")
    sprt = log_ratios(posterior.nodes, posterior.log_likelihood, (0.0,), 0.3, "sprt")
    assert glr[0] == pytest.approx(sprt[0], abs=1e-12)


def test_batch_statistics_are_the_one_learner_statistics_row_by_row():
    rng = np.random.default_rng(SEED + 3)
    posteriors = [update(GridPosterior.prior(), rng.lognormal(0, 0.3, 15), rng.normal(0, 1, 15), np.zeros(15),
                         (rng.random(15) < 0.5).astype(float)) for _ in range(6)]
    batch = np.stack([p.log_likelihood for p in posteriors])
    nodes = posteriors[0].nodes
    for rule in RULES:
        together = log_ratios(nodes, batch, DEFAULT_CUTS, 0.3, rule)
        for row, posterior in zip(together, posteriors):
            np.testing.assert_array_equal(row, log_ratios(nodes, posterior.log_likelihood, DEFAULT_CUTS, 0.3, rule))
    verdicts = verdicts_of(log_ratios(nodes, batch, DEFAULT_CUTS), 0.1, 0.1)
    levels = np.array([classification_decision(p, DEFAULT_CUTS).level for p in posteriors])
    assert decided(levels, verdicts).tolist() == [classification_decision(p, DEFAULT_CUTS).decided for p in posteriors]


def test_curtailment_probability_follows_the_predictive_normal():
    theta, sd, future = np.array([0.3, -1.4, 0.05]), np.array([0.5, 0.4, 0.3]), np.array([4.0, 10.0, 0.0])
    p = curtailment_probability(theta, sd, future, DEFAULT_CUTS)
    spread = np.sqrt(sd**2 - 1 / (1 / sd**2 + future))
    assert p[0] == pytest.approx(ndtr((1.0 - 0.3) / spread[0]) - ndtr((0.0 - 0.3) / spread[0]), abs=1e-15)
    assert p[1] == pytest.approx(ndtr((-1.0 + 1.4) / spread[1]), abs=1e-15)
    assert p[2] == 1.0  # nothing left to learn: the band cannot change
    # A horizon at SE h: the test ends where the SD would reach h; at SD <= h it has ended.
    h = 0.45
    with_horizon = curtailment_probability(theta, sd, future, DEFAULT_CUTS, horizon_se=h)
    spread_h = np.sqrt(sd[0]**2 - max(1 / (1 / sd[0]**2 + future[0]), h**2))
    assert with_horizon[0] == pytest.approx(ndtr(0.7 / spread_h) - ndtr(-0.3 / spread_h), abs=1e-15)
    assert with_horizon[0] > p[0] and with_horizon[1] == 1.0


def test_future_information_sums_the_most_informative_available_items():
    info = np.array([[0.1, 0.5, 0.3, 0.2], [0.4, 0.4, 0.1, 0.9]])
    available = np.array([[True, False, True, True], [True, True, True, True]])
    assert future_information(info, available, 2).tolist() == pytest.approx([0.5, 1.3])
    assert future_information(info[0], available[0], 10) == pytest.approx(0.6)
    assert future_information(info, available, 0).tolist() == [0.0, 0.0]


def test_curtailment_stops_a_learner_whose_level_cannot_plausibly_change():
    low = answered(-2.0, 8)  # EAP -1.6, SD 0.46: below the first cut, but the GLR is still open
    kwargs = {"cuts": DEFAULT_CUTS, "min_items": 5, "max_items": 40, "se_target": None, "classify": True,
              "delta": 0.3, "alpha": 0.01, "beta": 0.01}
    assert not classification_decision(low, DEFAULT_CUTS, 0.3, 0.01, 0.01).decided
    assert not should_stop(low, 8, **kwargs)
    # Two units of information left: the band stays A1 with probability 0.99.
    assert should_stop(low, 8, **kwargs, curtail=0.98, curtail_se=None, future=2.0)
    assert not should_stop(low, 8, **kwargs, curtail=0.995, curtail_se=None, future=2.0)
    assert not should_stop(low, 8, **kwargs, curtail=0.98, curtail_se=None, future=50.0)
    with pytest.raises(ValueError, match="future"):
        should_stop(low, 8, **kwargs, curtail=0.9)
