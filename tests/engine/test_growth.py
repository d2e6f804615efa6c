"""The growth model: forward filter, smoother and drift estimation."""
from __future__ import annotations

import numpy as np
import pytest

from engine.growth import (
    REANCHOR_DAYS,
    GrowthGrid,
    GrowthParameters,
    GrowthState,
    _advance,
    diffuse,
    filter_abilities,
    fit_growth,
    shift,
)
from engine.models import probability

SEED = 20261122


def _answers(theta_true: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Items a little around each true ability; 2PL answers."""
    a = rng.lognormal(0.0, 0.2, size=theta_true.size)
    b = theta_true + rng.normal(0.0, 0.7, size=theta_true.size)
    c = np.zeros(theta_true.size)
    p_correct = 1.0 / (1.0 + np.exp(-a * (theta_true - b)))
    score = (rng.random(theta_true.size) < p_correct).astype(int)
    return a, b, c, score


def test_one_step_keeps_mass_and_moves_ability_by_the_trend_plus_the_drift():
    params = GrowthParameters(drift=0.01, growth_mean=0.0, growth_sd=0.01)
    grid = GrowthGrid.default(params)
    density = np.zeros((1, grid.growth.size, grid.u.size))
    density[0, :, np.argmin(np.abs(grid.u))] = 1.0 / grid.growth.size
    for elapsed in (0.3, 2.0, 25.0, 45.0):
        moved, tau, *_ = _advance(density, np.array([elapsed]), np.zeros(1), np.zeros(1), params, grid)
        assert moved.sum() == pytest.approx(1.0)
        theta = grid.theta(tau)[0]
        for row, growth in enumerate(grid.growth):
            weights = moved[0, row] / moved[0, row].sum()
            mean = weights @ theta[row]
            variance = weights @ theta[row] ** 2 - mean**2
            assert mean == pytest.approx(growth * elapsed, abs=1e-9)
            # Moving the frame (after REANCHOR_DAYS) splits mass linearly: + f(1-f)h^2.
            steps = growth * elapsed / grid.spacing if elapsed > REANCHOR_DAYS else 0.0
            split = (steps - np.floor(steps)) * (1 - steps + np.floor(steps)) * grid.spacing**2
            # Exact for the three-point kernel; the sampled Gaussian is within 0.1%.
            assert variance == pytest.approx(params.drift * elapsed + split, rel=1e-3, abs=1e-12)


def test_backward_transition_is_the_adjoint_of_the_forward_one():
    rng = np.random.default_rng(SEED)
    params = GrowthParameters(drift=0.02, growth_mean=0.01, growth_sd=0.01)
    grid = GrowthGrid.default(params)
    shape = (3, grid.growth.size, grid.u.size)
    x, y = rng.random(shape), rng.random(shape)
    steps = rng.normal(0.0, 3.0, size=shape[:2])
    np.testing.assert_allclose(np.sum(shift(x, steps) * y, axis=(1, 2)),
                               np.sum(x * shift(y, steps, transpose=True), axis=(1, 2)), rtol=1e-12)
    variance = np.array([0.001, 0.05, 0.8])
    np.testing.assert_allclose(np.sum(diffuse(x, variance, grid) * y, axis=(1, 2)),
                               np.sum(x * diffuse(y, variance, grid), axis=(1, 2)), rtol=1e-12)


def test_zero_drift_filter_equals_static_eap_on_the_same_answers():
    rng = np.random.default_rng(SEED)
    n = 25
    a, b, c, score = _answers(np.full(n, 0.8), rng)
    days = np.sort(rng.uniform(0.0, 60.0, size=n))
    params = GrowthParameters.static(theta_mean=0.0, theta_sd=1.0)
    track = filter_abilities(np.zeros(n), days, a, b, c, score, params)
    grid = GrowthGrid.default(params).u
    # Independent computation: the prior times the product of the likelihoods so far.
    log_posterior = -0.5 * grid**2
    for k in range(n):
        p_correct = 1.0 / (1.0 + np.exp(-a[k] * (grid - b[k])))
        log_posterior = log_posterior + np.log(p_correct if score[k] else 1.0 - p_correct)
        weights = np.exp(log_posterior - log_posterior.max())
        weights /= weights.sum()
        mean = weights @ grid
        sd = np.sqrt(weights @ grid**2 - mean**2)
        assert track.theta[k] == pytest.approx(mean, abs=1e-10)
        assert track.se[k] == pytest.approx(sd, abs=1e-10)


def _rising_cohort(rng: np.random.Generator, n_learners: int = 60):
    """Learners whose true theta rises by 1.5 over 60 days; a session every other day."""
    learner, days, theta = [], [], []
    for person in range(n_learners):
        start = rng.normal(-1.0, 0.5)
        session_days = np.arange(0, 60, 2)
        answer_days = np.repeat(session_days, 8) + np.tile(np.arange(8) * 30.0 / 86_400, session_days.size)
        learner.append(np.full(answer_days.size, person))
        days.append(answer_days)
        theta.append(start + 1.5 * answer_days / 60.0)
    learner, days, theta = map(np.concatenate, (learner, days, theta))
    a, b, c, score = _answers(theta, rng)
    return learner, days, theta, a, b, c, score


def test_filter_follows_a_learner_whose_ability_rises_by_one_and_a_half_over_sixty_days():
    rng = np.random.default_rng(SEED)
    learner, days, theta, a, b, c, score = _rising_cohort(rng)
    growing = GrowthParameters(drift=0.002, growth_mean=0.01, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.7)
    static = GrowthParameters.static(theta_mean=-1.0, theta_sd=0.7)
    track = filter_abilities(learner, days, a, b, c, score, growing)
    lagging = filter_abilities(learner, days, a, b, c, score, static)
    last_week = days >= 53
    error = track.theta[last_week] - theta[last_week]
    static_error = lagging.theta[last_week] - theta[last_week]
    assert abs(error.mean()) < 0.15
    assert np.sqrt(np.mean(error**2)) < 0.45
    # Pooling all answers as if ability stood still lags far behind.
    assert static_error.mean() < -0.4
    # The growth rate learned per learner is close to the true 1.5 / 60 per day.
    assert track.growth[last_week].mean() == pytest.approx(1.5 / 60, rel=0.3)


def test_smoothed_se_is_never_above_filtered_se():
    rng = np.random.default_rng(SEED + 1)
    learner, days, _, a, b, c, score = _rising_cohort(rng, n_learners=20)
    params = GrowthParameters(drift=0.005, growth_mean=0.01, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.7)
    filtered = filter_abilities(learner, days, a, b, c, score, params)
    smoothed = filter_abilities(learner, days, a, b, c, score, params, smooth=True)
    # Later answers can only add information: E[Var(theta_t | y_1:T) | y_1:t] <= Var(theta_t | y_1:t).
    # Pointwise this is a theorem for linear-Gaussian models only; with logistic likelihoods a
    # surprising later answer may widen the posterior a hair, so allow 0.001 logit.
    assert np.all(smoothed.se <= filtered.se + 1e-3)
    assert np.mean(smoothed.se <= filtered.se + 1e-9) > 0.99
    # ... and strictly below it before each learner's last answer.
    assert np.mean(smoothed.se < filtered.se - 1e-6) > 0.9


def test_drift_estimate_recovers_a_simulated_drift_within_thirty_percent():
    rng = np.random.default_rng(SEED + 2)
    true_drift = 0.02
    learner, days, theta = [], [], []
    for person in range(150):
        walk = rng.normal(0.0, 0.6) + np.cumsum(rng.normal(0.0, np.sqrt(true_drift), size=60))
        answer_days = np.repeat(np.arange(60), 6) + np.tile(np.arange(6) * 30.0 / 86_400, 60)
        learner.append(np.full(answer_days.size, person))
        days.append(answer_days)
        theta.append(walk[answer_days.astype(int)])
    learner, days, theta = map(np.concatenate, (learner, days, theta))
    a, b, c, score = _answers(theta, rng)
    start = GrowthParameters(drift=0.001, growth_mean=0.0, growth_sd=0.0, theta_mean=0.0, theta_sd=0.6)
    fitted = fit_growth(learner, days, a, b, c, score, start=start, fit_priors=False)
    assert fitted.drift == pytest.approx(true_drift, rel=0.3)


def test_state_updates_one_answer_at_a_time_like_the_batch_filter():
    rng = np.random.default_rng(SEED + 3)
    learner, days, _, a, b, c, score = _rising_cohort(rng, n_learners=1)
    params = GrowthParameters(drift=0.003, growth_mean=0.01, growth_sd=0.01, theta_mean=-1.0, theta_sd=0.7)
    track = filter_abilities(learner, days, a, b, c, score, params)
    state = GrowthState.new(params)
    for k in range(days.size):
        state = GrowthState.from_dict(state.update(a[k], b[k], c[k], score[k], days[k]).to_dict())
        estimate = state.estimate()
        assert estimate.theta == pytest.approx(track.theta[k], abs=1e-9)
        assert estimate.se == pytest.approx(track.se[k], abs=1e-9)


def test_probability_convention_used_by_the_filter():
    # The filter relies on probability(theta grid, item arrays) being grid x items.
    grid = np.linspace(-1.0, 1.0, 3)
    assert probability(grid, np.ones(2), np.zeros(2), np.zeros(2)).shape == (3, 2)
