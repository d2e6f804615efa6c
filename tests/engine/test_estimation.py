"""Ability estimation: EAP, MAP and WLE against independent computations."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

from engine.estimation import (
    GRID_MAX,
    GRID_MIN,
    AbilityEstimate,
    GridPosterior,
    PosteriorDict,
    eap,
    map_estimate,
    update,
    update_gpcm,
    wle,
)
from engine.models import information, log_likelihood, probability
from engine.simulate import answer

SEED = 20260901
#: Integration range for the reference integrals: the prior has < 1e-30 mass outside.
WIDE = 12.0


def bank(rng: np.random.Generator, m: int, guessing: float = 0.0):
    return rng.lognormal(0.0, 0.3, m), rng.normal(0.0, 1.0, m), np.full(m, guessing)


def posterior_density(theta: float, items, score, mean: float, sd: float) -> float:
    """Unnormalised posterior at one theta, straight from the model."""
    p = probability(theta, *items)
    return float(np.exp(-0.5 * ((theta - mean) / sd) ** 2) * np.prod(np.where(score == 1, p, 1 - p)))


@pytest.mark.parametrize("guessing", [0.0, 0.2])
@pytest.mark.parametrize("mean, sd", [(0.0, 1.0), (0.5, 0.8)])
def test_eap_and_posterior_sd_match_quad(guessing, mean, sd):
    rng = np.random.default_rng(SEED)
    items = bank(rng, 12, guessing)
    score = answer(rng, 0.7, *items)
    moments = [integrate.quad(lambda t, k=k: t**k * posterior_density(t, items, score, mean, sd),
                              -WIDE, WIDE, points=[mean], limit=200)[0] for k in range(3)]
    expected_mean = moments[1] / moments[0]
    expected_sd = np.sqrt(moments[2] / moments[0] - expected_mean**2)
    estimate = eap(*items, score, prior=GridPosterior.prior(mean, sd))
    assert estimate.theta == pytest.approx(expected_mean, abs=1e-6)
    assert estimate.se == pytest.approx(expected_sd, abs=1e-6)


@pytest.mark.parametrize("guessing", [0.0, 0.2])
def test_map_is_the_mode_of_the_posterior_and_its_se_the_curvature(guessing):
    rng = np.random.default_rng(SEED + 1)
    items = bank(rng, 15, guessing)
    score = answer(rng, -0.4, *items)

    def negative_log_posterior(t):
        return 0.5 * t**2 - float(log_likelihood(t, *items, score))

    mode = optimize.minimize_scalar(negative_log_posterior, bounds=(-5, 5), method="bounded",
                                    options={"xatol": 1e-10}).x
    h = 1e-4
    curvature = (negative_log_posterior(mode + h) - 2 * negative_log_posterior(mode)
                 + negative_log_posterior(mode - h)) / h**2
    estimate = map_estimate(*items, score)
    assert estimate.theta == pytest.approx(mode, abs=1e-6)
    assert estimate.se == pytest.approx(1 / np.sqrt(curvature), rel=1e-4)


@pytest.mark.parametrize("guessing", [0.0, 0.2])
def test_wle_solves_warms_equation_and_its_se_is_the_test_information(guessing):
    rng = np.random.default_rng(SEED + 2)
    items = bank(rng, 15, guessing)
    score = answer(rng, 0.9, *items)
    h = 1e-4

    def warm(t):
        # Warm (1989): dlogL/dtheta + J / (2 I), J = sum P' P'' / (P Q), by finite differences.
        p = probability(np.array([t - h, t, t + h]), *items)
        slope, bend = (p[2] - p[0]) / (2 * h), (p[2] - 2 * p[1] + p[0]) / h**2
        gradient = (log_likelihood(t + h, *items, score) - log_likelihood(t - h, *items, score)) / (2 * h)
        test_information = information(t, *items).sum()
        return gradient + np.sum(slope * bend / (p[1] * (1 - p[1]))) / (2 * test_information)

    root = optimize.brentq(warm, -4, 4, xtol=1e-12)
    estimate = wle(*items, score)
    assert estimate.theta == pytest.approx(root, abs=1e-5)
    assert estimate.se == pytest.approx(1 / np.sqrt(information(root, *items).sum()), rel=1e-4)


def test_wle_of_2pl_items_maximises_the_likelihood_times_root_information():
    rng = np.random.default_rng(SEED + 3)
    items = bank(rng, 10)
    score = answer(rng, 0.0, *items)

    def penalised(t):
        return -(float(log_likelihood(t, *items, score)) + 0.5 * np.log(information(t, *items).sum()))

    best = optimize.minimize_scalar(penalised, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).x
    assert wle(*items, score).theta == pytest.approx(best, abs=1e-5)


@pytest.mark.parametrize("pattern", ["right", "wrong"])
def test_extreme_patterns_give_finite_documented_values(pattern):
    rng = np.random.default_rng(SEED + 4)
    items = bank(rng, 20)
    score = np.ones(20) if pattern == "right" else np.zeros(20)
    sign = 1 if pattern == "right" else -1
    for estimator in (eap, map_estimate, wle):
        estimate = estimator(*items, score)
        assert np.isfinite(estimate.theta) and np.isfinite(estimate.se) and estimate.se > 0
        assert sign * estimate.theta > 0
    # 2PL WLE is finite on its own (inside the grid, not bounded by it).
    assert GRID_MIN < wle(*items, score).theta < GRID_MAX
    # 3PL all right: no finite root is guaranteed; documented bound is the grid.
    guessed = (items[0], items[1], np.full(20, 0.25))
    assert GRID_MIN <= wle(*guessed, score).theta <= GRID_MAX
    posterior = update(GridPosterior.prior(), *items, score)
    assert np.all(np.isfinite(posterior.log_likelihood))
    assert posterior.estimate().theta == pytest.approx(eap(*items, score).theta, abs=1e-12)


def test_wle_is_bounded_to_the_grid_when_the_root_lies_beyond():
    # One 2PL item right: Warm's root is where P = 3/4, theta = b + log(3) / a.
    assert wle([1.0], [0.5], [0.0], [1]).theta == pytest.approx(0.5 + np.log(3.0), abs=1e-10)
    # With b = 5.5 that is 6.6, beyond the grid: the estimate is the grid's end.
    for score, end in ((1, GRID_MAX), (0, GRID_MIN)):
        estimate = wle([1.0], [5.5 * (2 * score - 1)], [0.0], [score])
        assert estimate.theta == end and np.isfinite(estimate.se)
    with pytest.raises(ValueError, match="at least one"):
        wle([], [], [], [])


def test_sequential_updates_through_json_equal_the_batch_eap():
    rng = np.random.default_rng(SEED + 5)
    items = bank(rng, 25, 0.1)
    score = answer(rng, 1.2, *items)
    posterior = GridPosterior.prior(0.2, 1.1)
    for j in range(25):
        posterior = GridPosterior.from_dict(json.loads(json.dumps(
            update(posterior, items[0][j], items[1][j], items[2][j], int(score[j])).to_dict())))
    batch = eap(*items, score, prior=GridPosterior.prior(0.2, 1.1))
    assert posterior.estimate().theta == pytest.approx(batch.theta, abs=1e-12)
    assert posterior.estimate().se == pytest.approx(batch.se, abs=1e-12)
    stored = posterior.to_dict()
    assert stored["grid"] == [GRID_MIN, GRID_MAX, 61] and len(json.dumps(stored)) < 2000


def test_batch_estimators_handle_many_learners_at_once():
    rng = np.random.default_rng(SEED + 6)
    items = bank(rng, 8)
    scores = answer(rng, rng.normal(size=5), *items)
    for estimator in (eap, map_estimate, wle):
        together = estimator(*items, scores)
        assert together.theta.shape == (5,)
        for n in range(5):
            alone = estimator(*items, scores[n])
            assert isinstance(alone, AbilityEstimate) and isinstance(alone.theta, float)
            assert together.theta[n] == pytest.approx(alone.theta, abs=1e-10)
            assert together.se[n] == pytest.approx(alone.se, abs=1e-10)


def test_gpcm_update_with_one_step_equals_the_dichotomous_update():
    prior = GridPosterior.prior()
    gpcm = update_gpcm(update_gpcm(prior, 1.3, [0.4], 1), 0.8, [-0.2], 0)
    dichotomous = update(update(prior, 1.3, 0.4, 0.0, 1), 0.8, -0.2, 0.0, 0)
    np.testing.assert_allclose(gpcm.log_likelihood, dichotomous.log_likelihood, rtol=1e-12)
    three_categories = update_gpcm(prior, 1.0, [-0.5, 0.5], 2)
    assert three_categories.estimate().theta > update_gpcm(prior, 1.0, [-0.5, 0.5], 1).estimate().theta


def test_log_likelihood_between_nodes_is_interpolated_closely():
    rng = np.random.default_rng(SEED + 7)
    items = bank(rng, 20)
    score = answer(rng, 0.0, *items)
    posterior = update(GridPosterior.prior(), *items, score)
    theta = np.linspace(-3, 3, 37)
    np.testing.assert_allclose(posterior.log_likelihood_at(theta), log_likelihood(theta, *items, score),
                               atol=1e-3)


@settings(max_examples=60, deadline=None)
@given(a=st.lists(st.floats(0.3, 2.5), min_size=1, max_size=6),
       b=st.lists(st.floats(-3, 3), min_size=6, max_size=6),
       c=st.floats(0.0, 0.3), mean=st.floats(-1.5, 1.5), right=st.booleans())
def test_eap_moves_from_the_prior_mean_toward_the_data(a, b, c, mean, right):
    # Every answer right: the likelihood rises in theta, so the posterior mean exceeds the
    # prior mean (and falls below it when every answer is wrong); one more right answer
    # can only raise it (monotone likelihood ratio).
    m = len(a)
    items = (np.array(a), np.array(b[:m]), np.full(m, c))
    prior = GridPosterior.prior(mean, 1.0)
    estimate = eap(*items, np.full(m, float(right)), prior=prior).theta
    assert (estimate > mean) if right else (estimate < mean)
    before = eap(*(x[:-1] for x in items), np.zeros(m - 1), prior=prior).theta
    assert eap(*items, np.r_[np.zeros(m - 1), 1.0], prior=prior).theta > before


def test_seeded_eap_recovers_theta_with_rmse_close_to_the_mean_posterior_sd():
    # Learners drawn from the prior: E[(theta - EAP)^2] = E[posterior variance] exactly.
    rng = np.random.default_rng(SEED + 8)
    items = bank(rng, 20)
    theta = rng.normal(size=4000)
    estimate = eap(*items, answer(rng, theta, *items))
    rmse = np.sqrt(np.mean((estimate.theta - theta) ** 2))
    assert rmse == pytest.approx(np.sqrt(np.mean(estimate.se**2)), rel=0.04)
    assert abs(np.mean(estimate.theta - theta)) < 0.03


def test_stored_posterior_has_the_documented_keys():
    stored = GridPosterior.prior().to_dict()
    assert set(stored) == PosteriorDict.__required_keys__
    assert stored["grid"] == [-6.0, 6.0, 61] and isinstance(stored["grid"][2], int)


def test_posterior_rejects_a_mismatched_stored_grid():
    stored = GridPosterior.prior().to_dict()
    stored["log_likelihood"] = stored["log_likelihood"][:-1]
    with pytest.raises(ValueError, match="61-node"):
        GridPosterior.from_dict(stored)
    with pytest.raises(ValueError):
        GridPosterior.prior(sd=0.0)
