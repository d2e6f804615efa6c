"""The gain over a recent window: the smoother's joint posterior of two points (engine/growth/window.py)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.growth import (
    GrowthGrid,
    GrowthParameters,
    GrowthState,
    filter_abilities,
    prior_density,
    window_gains,
)
from engine.growth.filter import _arrange, _chunks
from engine.growth.transitions import _advance, _apply

SEED = 20261217
SINCE = 42.0


def _log(n_learners: int = 4, seed: int = SEED) -> tuple[np.ndarray, ...]:
    """Learners growing 0.02/day over 70 days, 3PL items around them; answers in random order."""
    rng = np.random.default_rng(seed)
    columns = []
    for person in range(n_learners):
        n = int(rng.integers(30, 70))
        days = rng.uniform(0.0, 70.0, n)
        theta = -1.0 + 0.02 * days
        a = rng.lognormal(0.0, 0.2, n)
        b = theta + rng.normal(0.0, 0.7, n)
        c = np.where(rng.random(n) < 0.3, 0.25, 0.0)
        p = c + (1 - c) / (1 + np.exp(-a * (theta - b)))
        columns.append((np.full(n, 10 + person), days, a, b, c, (rng.random(n) < p).astype(int)))
    return tuple(np.concatenate(column) for column in zip(*columns))


def _cross_by_forward_pass(log, params: GrowthParameters, since: float) -> dict[int, float]:
    """E[theta_s theta_T | y] the other way: the forward pass carries alpha_s * theta_s on from s."""
    learner, days, a, b, c, score = log
    grid = GrowthGrid.default(params)
    batch = _arrange(learner, days)
    codes_seen = np.unique(learner)
    out = {}
    for *_, codes, chunk in _chunks(batch, days, a, b, c, score):
        n, steps = chunk.valid.shape
        density = np.broadcast_to(prior_density(params, grid), (n, grid.growth.size, grid.u.size)).copy()
        tilted = np.zeros_like(density)
        tau, pending = np.zeros(n), np.zeros(n)
        elapsed = np.diff(chunk.days, axis=1, prepend=chunk.days[:, :1])
        first = np.maximum((chunk.valid & (chunk.days <= since)).sum(axis=1) - 1, 0)
        for t in range(steps):
            density, tau, pending, transition = _advance(density, elapsed[:, t], tau, pending, params, grid)
            tilted = _apply(tilted, transition, params, grid)
            likelihood = chunk.likelihood(grid, tau, t)
            density, tilted = density * likelihood, tilted * likelihood
            total = density.sum(axis=(1, 2))[:, None, None]
            density, tilted = density / total, tilted / total
            here = first == t
            tilted[here] = density[here] * grid.theta(tau[here])
        cross = np.sum(tilted * grid.theta(tau), axis=(1, 2))
        out.update({int(codes_seen[code]): float(value) for code, value in zip(codes, cross)})
    return out


@pytest.mark.parametrize("params", [
    GrowthParameters(),
    GrowthParameters(drift=0.001, growth_mean=0.02, growth_sd=0.012, growth_gap_days=3.0, growth_decay=0.02,
                     growth_drift=1e-6),
], ids=["default", "every-extension"])
def test_gain_sd_is_the_joint_posterior_of_the_two_points(params):
    log = _log()
    gains = window_gains(*log, params, since=SINCE)
    cross = _cross_by_forward_pass(log, params, SINCE)
    for i, code in enumerate(gains.learner):
        covariance = cross[int(code)] - gains.theta_start[i] * gains.theta_end[i]
        variance = gains.se_start[i] ** 2 + gains.se_end[i] ** 2 - 2 * covariance
        assert gains.gain_se[i] == pytest.approx(np.sqrt(variance), rel=1e-9)
        assert gains.gain[i] == pytest.approx(gains.theta_end[i] - gains.theta_start[i], abs=1e-12)


def test_both_ends_are_the_smoothers_points_and_the_window_opens_at_the_last_answer_before_it():
    log = _log()
    learner, days = log[0], log[1]
    params = GrowthParameters()
    gains = window_gains(*log, params, since=SINCE)
    smoothed = filter_abilities(*log, params, smooth=True)
    for i, code in enumerate(gains.learner):
        mine = np.flatnonzero(learner == code)
        mine = mine[np.argsort(days[mine], kind="stable")]
        opening = mine[np.flatnonzero(days[mine] <= SINCE)[-1]]
        assert gains.start_days[i] == days[opening] and gains.end_days[i] == days[mine[-1]]
        assert gains.window_answers[i] == np.count_nonzero(days[mine] > SINCE)
        assert gains.answers[i] == mine.size
        assert (gains.theta_start[i], gains.se_start[i]) == pytest.approx(
            (smoothed.theta[opening], smoothed.se[opening]), abs=1e-9)
        assert (gains.theta_end[i], gains.se_end[i]) == pytest.approx(
            (smoothed.theta[mine[-1]], smoothed.se[mine[-1]]), abs=1e-9)
    assert gains.span_days == pytest.approx(gains.end_days - gains.start_days)


def test_without_drift_or_growth_the_ability_stands_still_and_nothing_is_gained():
    gains = window_gains(*_log(), GrowthParameters.static(), since=SINCE)
    assert np.all(gains.window_answers > 0)
    np.testing.assert_allclose(gains.gain, 0.0, atol=1e-9)
    np.testing.assert_allclose(gains.gain_se, 0.0, atol=1e-6)


def test_with_a_constant_growth_rate_alone_the_gain_is_the_rate_times_the_days():
    """No drift, and answers within 29 days, so the trend frame never moves (it moves after 30):
    theta_T - theta_s = g * span exactly, and the gain's SD is SD(g | y) * span, SD(g | y) read
    off the last answer's posterior (the one-learner state)."""
    learner, days, a, b, c, score = _log()
    keep = days < 29.0
    log = tuple(column[keep] for column in (learner, days, a, b, c, score))
    params = GrowthParameters(drift=0.0, growth_mean=0.01, growth_sd=0.01)
    gains = window_gains(*log, params, since=10.0)
    grid = GrowthGrid.default(params)
    for i, code in enumerate(gains.learner):
        mine = log[0] == code
        state = GrowthState.new(params)
        order = np.argsort(log[1][mine], kind="stable")
        for a_, b_, c_, s_, d_ in zip(*(column[mine][order] for column in (log[2], log[3], log[4], log[5], log[1]))):
            state = state.update(a_, b_, c_, int(s_), d_)
        weights = state.density.sum(axis=1)
        sd_growth = np.sqrt(weights @ grid.growth**2 - (weights @ grid.growth) ** 2)
        assert gains.gain_se[i] == pytest.approx(sd_growth * gains.span_days[i], rel=1e-6)
        assert gains.gain[i] == pytest.approx((weights @ grid.growth) * gains.span_days[i], rel=1e-6)


def test_a_learner_with_one_answer_in_the_window_has_no_gain_and_learners_are_sorted():
    learner = np.array([7, 3, 3, 7])
    days = np.array([50.0, 1.0, 2.0, 10.0])
    ones = np.ones(4)
    gains = window_gains(learner, days, ones, np.zeros(4), np.zeros(4), np.array([1, 0, 1, 1]),
                         GrowthParameters(), since=40.0)
    assert gains.learner.tolist() == [3, 7]
    # learner 3: nothing after day 40, the window is its last answer alone
    assert (gains.window_answers.tolist(), gains.gain[0], gains.gain_se[0]) == ([0, 1], 0.0, 0.0)
    assert gains.start_days.tolist() == [2.0, 10.0] and gains.end_days.tolist() == [2.0, 50.0]
    assert gains.gain_se[1] > 0
