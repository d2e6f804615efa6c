"""The growth model: forward filter, smoother and drift estimation."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import engine.growth
from engine.growth import (
    REANCHOR_DAYS,
    GrowthGrid,
    GrowthParameters,
    GrowthParametersDict,
    GrowthState,
    GrowthStateDict,
    _advance,
    contract_growth,
    diffuse,
    diffuse_growth,
    filter_abilities,
    fit_growth,
    shift,
)
from engine.growth.marginal import FitData, MarginalLikelihood
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


def _cohort(rng: np.random.Generator, n_learners: int, start_sd: float, span_days: int,
            per_session: int, rise):
    """Learners starting near -1 whose true theta is ``start + rise(day)``; a session of
    ``per_session`` answers 30 s apart every other day for ``span_days`` days."""
    learner, days, theta = [], [], []
    for person in range(n_learners):
        start = rng.normal(-1.0, start_sd)
        session_days = np.arange(0, span_days, 2)
        answer_days = (np.repeat(session_days, per_session)
                       + np.tile(np.arange(per_session) * 30.0 / 86_400, session_days.size))
        learner.append(np.full(answer_days.size, person))
        days.append(answer_days)
        theta.append(start + rise(answer_days))
    learner, days, theta = map(np.concatenate, (learner, days, theta))
    a, b, c, score = _answers(theta, rng)
    return learner, days, theta, a, b, c, score


def _rising_cohort(rng: np.random.Generator, n_learners: int = 60):
    """Learners whose true theta rises by 1.5 over 60 days; a session every other day."""
    return _cohort(rng, n_learners, 0.5, 60, 8, lambda day: 1.5 * day / 60.0)


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


# --- A growth rate that changes: growth_drift (random walk on g) and growth_gap_days. ---


def test_without_growth_change_the_model_is_exactly_the_one_before():
    rng = np.random.default_rng(SEED + 4)
    learner, days, _, a, b, c, score = _rising_cohort(rng, n_learners=6)
    days = days * 1.6  # 96 days: the frame moves three times
    old = {"drift": 0.003, "growth_mean": 0.01, "growth_sd": 0.01, "theta_mean": -1.0, "theta_sd": 0.7}
    before = GrowthParameters.from_dict(old)  # a fit stored before the new parameters existed
    assert before.growth_drift == 0.0 and before.growth_gap_days == 0.0
    # No limit on a gap's growth (0) and a limit above every gap are the same model.
    roomy = GrowthParameters(**old, growth_gap_days=1000.0)
    for smooth in (False, True):
        reference = filter_abilities(learner, days, a, b, c, score, before, smooth=smooth)
        other = filter_abilities(learner, days, a, b, c, score, roomy, smooth=smooth)
        for name in ("theta", "se", "growth", "log_marginal"):
            np.testing.assert_array_equal(getattr(other, name), getattr(reference, name))
    # The growth rate moves only where the frame moves: within REANCHOR_DAYS, growth_drift changes nothing.
    early = days < REANCHOR_DAYS - 1
    drifting = GrowthParameters(**old, growth_drift=1e-5)
    for smooth in (False, True):
        reference = filter_abilities(learner[early], days[early], a[early], b[early], c[early], score[early],
                                     before, smooth=smooth)
        other = filter_abilities(learner[early], days[early], a[early], b[early], c[early], score[early],
                                 drifting, smooth=smooth)
        np.testing.assert_array_equal(other.theta, reference.theta)
        np.testing.assert_array_equal(other.se, reference.se)
    assert GrowthParameters.from_dict(drifting.to_dict()) == drifting


@pytest.mark.parametrize("growth_drift", [5e-7, 2e-6])
def test_growth_rate_step_keeps_mass_and_adds_exactly_its_variance_to_g(growth_drift):
    params = GrowthParameters(drift=0.0, growth_mean=0.0, growth_sd=0.01, growth_drift=growth_drift)
    grid = GrowthGrid.default(params)
    density = np.zeros((1, grid.growth.size, grid.u.size))
    middle = grid.growth.size // 2
    density[0, middle - 1:middle + 2, np.argmin(np.abs(grid.u))] = (0.25, 0.5, 0.25)
    before_var = grid.growth**2 @ density[0].sum(axis=1)
    elapsed = REANCHOR_DAYS + 1.0
    moved, tau, *_ = _advance(density, np.array([elapsed]), np.zeros(1), np.zeros(1), params, grid)
    assert tau[0] == 0.0  # moved to the new anchor, where the growth rate took its step
    assert moved.sum() == pytest.approx(1.0, abs=1e-12)
    marginal = moved[0].sum(axis=1)
    assert marginal @ grid.growth == pytest.approx(0.0, abs=1e-15)
    added = marginal @ grid.growth**2 - before_var
    # Exact for the three-point kernel (q_g * days <= spacing^2); sampled Gaussian within 0.1%.
    assert added == pytest.approx(growth_drift * elapsed, rel=1e-9 if growth_drift * elapsed <= 0.005**2 else 1e-3)


def test_growth_rate_diffusion_is_its_own_adjoint():
    rng = np.random.default_rng(SEED + 5)
    grid = GrowthGrid.default(GrowthParameters())
    shape = (3, grid.growth.size, grid.u.size)
    x, y = rng.random(shape), rng.random(shape)
    variance = np.array([1e-6, 4e-5, 3e-4])
    np.testing.assert_allclose(np.sum(diffuse_growth(x, variance, grid) * y, axis=(1, 2)),
                               np.sum(x * diffuse_growth(y, variance, grid), axis=(1, 2)), rtol=1e-12)


def test_a_gap_adds_at_most_growth_gap_days_of_growth():
    params = GrowthParameters(drift=0.0, growth_mean=0.0, growth_sd=0.01, growth_gap_days=3.0)
    grid = GrowthGrid.default(params)
    density = np.zeros((1, grid.growth.size, grid.u.size))
    density[0, :, np.argmin(np.abs(grid.u))] = 1.0 / grid.growth.size
    for elapsed, grown in ((0.5, 0.5), (2.0, 2.0), (20.0, 3.0)):
        _, tau, *_ = _advance(density, np.array([elapsed]), np.zeros(1), np.zeros(1), params, grid)
        assert tau[0] == pytest.approx(grown)


def _rise_then_plateau(rng: np.random.Generator, n_learners: int = 24):
    """True theta rises 0.03/day for 45 days, then stays flat for 75; a session every other day."""
    return _cohort(rng, n_learners, 0.4, 120, 6, lambda day: 0.03 * np.minimum(day, 45.0))


def test_a_drifting_growth_rate_follows_a_plateau_better_than_a_constant_one():
    rng = np.random.default_rng(SEED + 6)
    learner, days, theta, a, b, c, score = _rise_then_plateau(rng)
    constant = GrowthParameters(drift=0.001, growth_mean=0.01, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.5)
    drifting = replace(constant, growth_drift=1e-5)
    errors = {}
    for name, params in (("constant", constant), ("drifting", drifting)):
        track = filter_abilities(learner, days, a, b, c, score, params)
        errors[name] = np.sqrt(np.mean((track.theta - theta)[days > 60] ** 2))
        log_marginal = track.log_marginal.sum()
        errors[name + " log marginal"] = log_marginal
    assert errors["drifting"] < 0.9 * errors["constant"]
    assert errors["drifting log marginal"] > errors["constant log marginal"]


def test_growth_drift_estimate_recovers_a_simulated_growth_drift():
    rng = np.random.default_rng(SEED + 7)
    true_growth_drift = 4e-6
    learner, days, theta = [], [], []
    for person in range(60):
        rate = rng.normal(0.01, 0.01) + np.cumsum(rng.normal(0.0, np.sqrt(true_growth_drift), size=120))
        walk = rng.normal(-1.0, 0.5) + np.concatenate([[0.0], np.cumsum(rate[:-1])])
        answer_days = np.repeat(np.arange(0, 120, 2), 6) + np.tile(np.arange(6) * 30.0 / 86_400, 60)
        learner.append(np.full(answer_days.size, person))
        days.append(answer_days)
        theta.append(walk[answer_days.astype(int)])
    learner, days, theta = map(np.concatenate, (learner, days, theta))
    a, b, c, score = _answers(theta, rng)
    start = GrowthParameters(drift=0.0005, growth_mean=0.01, growth_sd=0.01, theta_mean=-1.0, theta_sd=0.5)
    fitted = fit_growth(learner, days, a, b, c, score, start=start, fit_drift=False, fit_priors=False,
                        fit_gap=False, fit_growth_decay=False)
    assert true_growth_drift / 3 < fitted.growth_drift < 3 * true_growth_drift


def test_state_with_a_changing_growth_rate_updates_like_the_batch_filter():
    rng = np.random.default_rng(SEED + 8)
    learner, days, _, a, b, c, score = _rise_then_plateau(rng, n_learners=1)
    days = np.where(days > 50, days + 20.0, days)  # a three-week break
    params = GrowthParameters(drift=0.003, growth_mean=0.01, growth_sd=0.01, theta_mean=-1.0, theta_sd=0.7,
                              growth_drift=3e-6, growth_gap_days=4.0, growth_decay=0.02)
    track = filter_abilities(learner, days, a, b, c, score, params)
    state = GrowthState.new(params)
    for k in range(days.size):
        state = GrowthState.from_dict(state.update(a[k], b[k], c[k], score[k], days[k]).to_dict())
        estimate = state.estimate()
        assert estimate.theta == pytest.approx(track.theta[k], abs=1e-9)
        assert estimate.se == pytest.approx(track.se[k], abs=1e-9)
    stored = state.to_dict()
    for key in ("growth_drift", "growth_gap_days", "growth_decay"):
        del stored["params"][key]  # a state stored before these parameters existed
    assert GrowthState.from_dict(stored).params == replace(params, growth_drift=0.0, growth_gap_days=0.0,
                                                           growth_decay=0.0)


def test_growth_rate_decay_keeps_mass_and_the_mean_and_its_backward_step_is_the_adjoint():
    rng = np.random.default_rng(SEED + 9)
    grid = GrowthGrid.default(GrowthParameters(growth_decay=0.03))
    shape = (3, grid.growth.size, grid.u.size)
    x, y = rng.random(shape), rng.random(shape)
    ratio = np.array([1.0, 0.7, 0.2])
    contracted = contract_growth(x, ratio, grid)
    np.testing.assert_allclose(contracted.sum(axis=(1, 2)), x.sum(axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(contracted.sum(axis=2) @ grid.growth, ratio * (x.sum(axis=2) @ grid.growth),
                               rtol=1e-12)
    np.testing.assert_array_equal(contracted[0], x[0])
    np.testing.assert_allclose(np.sum(contracted * y, axis=(1, 2)),
                               np.sum(x * contract_growth(y, ratio, grid, transpose=True), axis=(1, 2)),
                               rtol=1e-12)


def test_a_decaying_growth_rate_follows_learners_who_level_off():
    rng = np.random.default_rng(SEED + 10)
    learner, days, theta = [], [], []
    for person in range(24):
        gain, scale = rng.uniform(0.8, 1.6), rng.uniform(8.0, 20.0)
        answer_days = np.repeat(np.arange(0, 90, 2), 6) + np.tile(np.arange(6) * 30.0 / 86_400, 45)
        learner.append(np.full(answer_days.size, person))
        days.append(answer_days)
        theta.append(rng.normal(-1.0, 0.4) + gain * (1 - np.exp(-answer_days / scale)))
    learner, days, theta = map(np.concatenate, (learner, days, theta))
    a, b, c, score = _answers(theta, rng)
    constant = GrowthParameters(drift=0.003, growth_mean=0.012, growth_sd=0.008, theta_mean=-1.0, theta_sd=0.5)
    decaying = replace(constant, growth_decay=0.07, growth_mean=0.08, growth_sd=0.03)
    rmse, log_marginal = {}, {}
    for name, params in (("constant", constant), ("decaying", decaying)):
        track = filter_abilities(learner, days, a, b, c, score, params)
        rmse[name] = np.sqrt(np.mean((track.theta - theta) ** 2))
        log_marginal[name] = track.log_marginal.sum()
    assert rmse["decaying"] < 0.9 * rmse["constant"]
    assert log_marginal["decaying"] > log_marginal["constant"]


def test_smoother_with_a_changing_growth_rate_agrees_with_the_filter_at_the_last_answer():
    rng = np.random.default_rng(SEED + 11)
    learner, days, _, a, b, c, score = _rise_then_plateau(rng, n_learners=8)
    days = np.where(days > 50, days + 20.0, days)
    params = GrowthParameters(drift=0.003, growth_mean=0.03, growth_sd=0.02, theta_mean=-1.0, theta_sd=0.5,
                              growth_drift=3e-6, growth_gap_days=5.0, growth_decay=0.03)
    filtered = filter_abilities(learner, days, a, b, c, score, params)
    smoothed = filter_abilities(learner, days, a, b, c, score, params, smooth=True)
    last = np.r_[learner[1:] != learner[:-1], True]
    np.testing.assert_allclose(smoothed.theta[last], filtered.theta[last], atol=1e-10)
    np.testing.assert_allclose(smoothed.se[last], filtered.se[last], atol=1e-10)
    assert np.all(smoothed.se <= filtered.se + 1e-3)
    assert np.mean(smoothed.se < filtered.se - 1e-6) > 0.9


def test_stored_state_has_the_documented_keys():
    stored = GrowthState.new(GrowthParameters()).update(1.0, 0.0, 0.0, 1, 0.0).to_dict()
    assert set(stored) == GrowthStateDict.__required_keys__
    assert set(stored["params"]) == GrowthParametersDict.__required_keys__
    assert set(stored["density"]) == {"shape", "f8"}


def test_the_package_exports_every_name_it_lists():
    assert all(hasattr(engine.growth, name) for name in engine.growth.__all__)


# --- Fitting: the marginal likelihood by the backward pass, the profiled prior, the fast fit. ---


def _model_log(rng: np.random.Generator, truth: GrowthParameters, n_learners: int, n_days: int):
    """A log simulated from the growth model itself: sessions of 8 answers 40 s apart on about half
    of the days, 3PL items (30 % with c = 0.2) drawn at random; returns the answers and the true theta."""
    bank_a, bank_b = rng.lognormal(0.0, 0.25, 300), rng.normal(-0.3, 1.3, 300)
    bank_c = np.where(rng.random(300) < 0.3, 0.2, 0.0)
    learner, days, item, theta = [], [], [], []
    for person in range(n_learners):
        session_days = np.flatnonzero(rng.random(n_days) < 0.5)
        moments = np.repeat(session_days, 8) + 0.4 + np.tile(np.arange(8) * 40.0 / 86_400, session_days.size)
        elapsed = np.diff(moments, prepend=moments[0])
        grown = np.cumsum(np.minimum(elapsed, truth.growth_gap_days) if truth.growth_gap_days else elapsed)
        trend = -np.expm1(-truth.growth_decay * grown) / truth.growth_decay if truth.growth_decay else grown
        theta.append(rng.normal(truth.theta_mean, truth.theta_sd)
                     + rng.normal(truth.growth_mean, truth.growth_sd) * trend
                     + np.cumsum(rng.normal(0.0, np.sqrt(truth.drift * elapsed))))
        learner.append(np.full(moments.size, person))
        days.append(moments)
        item.append(rng.integers(0, 300, moments.size))
    learner, days, item, theta = map(np.concatenate, (learner, days, item, theta))
    a, b, c = bank_a[item], bank_b[item], bank_c[item]
    score = (rng.random(theta.size) < c + (1 - c) / (1 + np.exp(-a * (theta - b)))).astype(int)
    return learner, days, a, b, c, score, theta


@pytest.mark.parametrize("params", [
    GrowthParameters(drift=0.004, growth_mean=0.01, growth_sd=0.008, theta_mean=-0.5, theta_sd=0.8),
    GrowthParameters(drift=0.002, growth_mean=0.03, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.7,
                     growth_gap_days=3.0, growth_decay=0.03, growth_drift=2e-6),
    GrowthParameters.static(theta_mean=-0.5, theta_sd=0.9),
    GrowthParameters(drift=0.05, growth_mean=0.0, growth_sd=0.0),
])
def test_the_backward_pass_gives_the_filters_marginal_likelihood(params):
    rng = np.random.default_rng(SEED + 12)
    learner, days, a, b, c, score, _ = _model_log(rng, GrowthParameters(drift=0.004, growth_sd=0.01), 40, 70)
    days = np.where(days > 30, days + 12.0, days)  # a break: long gaps, frame moves
    exact = filter_abilities(learner, days, a, b, c, score, params).log_marginal
    for threads in (1, 2):
        weights, log_scale = MarginalLikelihood(FitData.of(learner, days, a, b, c, score), False,
                                                threads=threads).weights(params)
        prior = engine.growth.prior_density(params, GrowthGrid.default(params)).ravel()
        by_learner = np.log(weights @ prior) + log_scale
        # Learners come longest first, so compare the sets of values and the totals.
        np.testing.assert_allclose(np.sort(by_learner), np.sort(exact), rtol=1e-10)
    assert MarginalLikelihood(FitData.of(learner, days, a, b, c, score), False)(params).loglik == pytest.approx(
        exact.sum(), rel=1e-12)


def test_the_profiled_prior_is_the_maximum_of_the_exact_marginal_likelihood():
    rng = np.random.default_rng(SEED + 13)
    truth = GrowthParameters(drift=0.004, growth_mean=0.01, growth_sd=0.008, theta_mean=-0.5, theta_sd=0.8,
                             growth_gap_days=4.0, growth_decay=0.02)
    learner, days, a, b, c, score, _ = _model_log(rng, truth, 60, 50)
    best = MarginalLikelihood(FitData.of(learner, days, a, b, c, score))(replace(truth, theta_mean=0.0,
                                                                                 theta_sd=1.0, growth_sd=0.02))
    assert best.params.drift == truth.drift and best.params.growth_decay == truth.growth_decay

    def exact(params: GrowthParameters) -> float:
        return engine.growth.log_marginal_likelihood(learner, days, a, b, c, score, params)

    assert exact(best.params) == pytest.approx(best.loglik, rel=1e-10)
    for name in ("theta_mean", "theta_sd", "growth_mean", "growth_sd"):
        for factor in (0.97, 1.03):
            moved = replace(best.params, **{name: getattr(best.params, name) * factor})
            assert exact(moved) < best.loglik
    assert exact(truth) < best.loglik


def test_the_fit_recovers_known_parameters_from_a_simulated_log():
    # 100 learners, 60 days, about 24,000 answers: a sample of 60 learners for the 1-D searches,
    # then Newton steps on all of them; a few seconds.
    rng = np.random.default_rng(SEED + 14)
    truth = GrowthParameters(drift=0.01, growth_mean=0.01, growth_sd=0.01, theta_mean=-0.5, theta_sd=0.8)
    learner, days, a, b, c, score, theta = _model_log(rng, truth, 100, 60)
    fitted = fit_growth(learner, days, a, b, c, score, fit_gap=False, fit_growth_decay=False,
                        fit_growth_drift=False, search_learners=60)

    def exact(params: GrowthParameters) -> float:
        return engine.growth.log_marginal_likelihood(learner, days, a, b, c, score, params)

    # The fit is a maximum of the marginal likelihood: at least as likely as the truth.
    assert exact(fitted) > exact(truth)
    assert abs(fitted.theta_mean - truth.theta_mean) < 0.1 and abs(fitted.theta_sd - truth.theta_sd) < 0.1
    assert abs(fitted.growth_mean - truth.growth_mean) < 0.003
    # A random walk and a spread of growth rates trade off over 60 days (the marginal likelihood is
    # nearly flat along q T = const - sigma_g^2 T^2); their sum is pinned down: the variance of the
    # change over 60 days, q T + sigma_g^2 T^2 (0.96 logit^2), within 25 %; each alone within a factor 4.
    span = 60.0
    change = fitted.drift * span + (fitted.growth_sd * span) ** 2
    assert change == pytest.approx(truth.drift * span + (truth.growth_sd * span) ** 2, rel=0.25)
    assert truth.drift / 4 < fitted.drift < 4 * truth.drift
    assert truth.growth_sd / 4 < fitted.growth_sd < 4 * truth.growth_sd
    # Abilities filtered with the fitted parameters are as good as with the true ones.
    error = {name: np.sqrt(np.mean((filter_abilities(learner, days, a, b, c, score, params).theta - theta) ** 2))
             for name, params in (("fitted", fitted), ("truth", truth))}
    assert error["fitted"] < 1.02 * error["truth"]


@pytest.mark.parametrize("params", [
    GrowthParameters(drift=0.05, growth_mean=0.01, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.7, growth_drift=2e-6),
    GrowthParameters(drift=0.05, growth_mean=0.03, growth_sd=0.02, theta_mean=-1.0, theta_sd=0.7, growth_drift=2e-6,
                     growth_gap_days=3.0, growth_decay=0.03),
])
def test_a_learners_estimates_do_not_depend_on_who_else_is_filtered(params):
    # Learner 3 comes back after 40 days at the step where the others start a session two days
    # after their last: both diffusions are wider than a grid step (sampled Gaussian kernels of
    # different widths). Each learner's kernel is cut at its own 4 SD, so filtering a learner
    # alone or with the others gives the same numbers bit for bit (before, the batch's widest
    # kernel set everyone's: up to 4e-7 logit apart). So the filter may group learners as it likes
    # (it groups them by length).
    rng = np.random.default_rng(SEED + 15)
    learner, days, _, a, b, c, score = _rising_cohort(rng, n_learners=6)
    days = days + np.where((learner == 3) & (days >= 20), 40.0, 0.0)
    for smooth in (False, True):
        batch = filter_abilities(learner, days, a, b, c, score, params, smooth=smooth)
        for person in range(6):
            rows = learner == person
            alone = filter_abilities(learner[rows], days[rows], a[rows], b[rows], c[rows], score[rows], params,
                                     smooth=smooth)
            np.testing.assert_array_equal(alone.theta, batch.theta[rows])
            np.testing.assert_array_equal(alone.se, batch.se[rows])
