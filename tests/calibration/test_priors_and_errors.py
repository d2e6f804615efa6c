"""Item priors on and off, and the full cross-product (XPD) standard errors."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize
from scipy.special import expit, log_expit, logsumexp

from calibration import Calibrator, Priors
from calibration import em as em_module
from calibration.data import encode, indicator
from calibration.parameters import Layout, log_table
from calibration.quadrature import grid, normal_log_weights
from calibration_helpers import item_names
from engine.models import probability


def _dense_2pl(n: int, m: int, rng: np.random.Generator, theta_mean: float = 0.0, theta_sd: float = 1.0):
    """Every learner answers every item; returns long-format arrays, the matrix and the truth."""
    a, b = rng.lognormal(0.0, 0.3, m), rng.normal(0.0, 1.0, m)
    theta = rng.normal(theta_mean, theta_sd, n)
    right = (rng.random((n, m)) < expit(a * (theta[:, None] - b))).astype(int)
    learner, item = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    return learner, item_names(m)[item], right.ravel(), right, a, b


def _direct_fit(right: np.ndarray, priors: Priors | None) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) maximising the marginal likelihood (plus the log priors) over the calibrator's grid,
    by BFGS on (log a, b) directly: an independent plain MML (or MAP) fit."""
    nodes = grid()
    log_w = normal_log_weights(nodes, 0.0, 1.0)
    m = right.shape[1]

    def negative(x: np.ndarray) -> float:
        log_a, b = x[:m], x[m:]
        z = np.exp(log_a)[None, :] * (nodes[:, None] - b[None, :])  # (Q, m)
        joint = right @ log_expit(z).T + (1 - right) @ log_expit(-z).T + log_w  # (n, Q)
        value = logsumexp(joint, axis=1).sum()
        if priors is not None:
            value -= 0.5 * np.sum(((log_a - priors.log_a_mean) / priors.log_a_sd) ** 2)
            value -= 0.5 * np.sum(((b - priors.b_mean) / priors.b_sd) ** 2)
        return -float(value)

    result = optimize.minimize(negative, np.zeros(2 * m), method="BFGS", options={"gtol": 1e-9})
    return np.exp(result.x[:m]), result.x[m:]


def test_without_priors_the_estimates_are_plain_marginal_maximum_likelihood():
    learners, items, scores, right, _, _ = _dense_2pl(400, 6, np.random.default_rng(71))
    plain = Calibrator("2pl", priors=Priors.none(), tol=1e-13, max_iter=5000).fit(learners, items, scores)
    assert plain.converged_ and not plain.priors_.enabled
    a_ml, b_ml = _direct_fit(right, None)
    np.testing.assert_allclose(plain.a_, a_ml, atol=2e-5)
    np.testing.assert_allclose(plain.b_, b_ml, atol=2e-5)
    # With the default priors the same objective plus the log priors: the posterior mode, which differs.
    modal = Calibrator("2pl", tol=1e-13, max_iter=5000).fit(learners, items, scores)
    a_map, b_map = _direct_fit(right, Priors())
    np.testing.assert_allclose(modal.a_, a_map, atol=2e-5)
    np.testing.assert_allclose(modal.b_, b_map, atol=2e-5)
    assert np.max(np.abs(modal.a_ - plain.a_)) > 1e-3


def test_the_estimator_and_the_priors_are_named():
    learners, items, scores, *_ = _dense_2pl(200, 4, np.random.default_rng(72))
    modal = Calibrator("2pl").fit(learners, items, scores)
    assert modal.estimator().startswith("posterior mode (Bayes modal estimation")
    assert modal.prior_description() == {"a": "lognormal: log a ~ N(0, 0.5^2)", "b": "N(0, 3^2)"}
    plain = Calibrator("2pl", priors=Priors.none()).fit(learners, items, scores)
    assert plain.estimator().startswith("maximum likelihood (marginal maximum likelihood")
    assert plain.prior_description() == {}
    three = Calibrator("3pl", max_iter=3).fit(learners, items, scores)
    assert three.prior_description()["c"] == "Beta(4, 16)"
    rasch = Calibrator("rasch", max_iter=3).fit(learners, items, scores)
    assert rasch.prior_description() == {"b": "N(0, 3^2)"}


def _scores_by_finite_differences(fitted: Calibrator, learners, items, scores, anchors) -> np.ndarray:
    """Each learner's gradient of its own marginal log-likelihood by central differences, over every
    free parameter (log a and b of each new item, then the population mean and log SD)."""
    responses = encode(learners, items, scores)
    x = indicator(responses, 2)
    layout = Layout("2pl", 1)
    free = np.array([str(i) not in anchors for i in responses.item_ids])
    psi = np.stack([np.log(fitted.a_), fitted.b_], axis=1)
    nodes = grid()
    base = np.concatenate([psi[free].ravel(), [fitted.population_.mean, np.log(fitted.population_.sd)]])

    def per_learner(vector: np.ndarray) -> np.ndarray:
        trial = psi.copy()
        trial[free] = vector[:-2].reshape(-1, 2)
        table = log_table(trial, layout, np.zeros(len(psi)), nodes)
        return em_module.e_step(x, table, normal_log_weights(nodes, vector[-2], np.exp(vector[-1]))).learner_loglik

    step = 1e-6
    columns = []
    for k in range(base.size):
        up, down = base.copy(), base.copy()
        up[k] += step
        down[k] -= step
        columns.append((per_learner(up) - per_learner(down)) / (2 * step))
    return np.stack(columns, axis=1)


def test_full_crossproduct_covariance_is_the_inverse_of_the_summed_score_products():
    # Anchored calibration of a short test: two anchors fix the scale, four new items, and the
    # population mean and SD estimated with them; no priors, so the information is the XPD alone.
    rng = np.random.default_rng(73)
    learners, items, scores, _, a, b = _dense_2pl(300, 6, rng, theta_mean=0.4, theta_sd=1.2)
    ids = item_names(6)
    anchors = {ids[j]: (a[j], b[j], 0.0) for j in range(2)}
    fitted = Calibrator("2pl", anchors=anchors, priors=Priors.none(), se="crossproduct",
                        tol=1e-13, max_iter=5000).fit(learners, items, scores)
    gradients = _scores_by_finite_differences(fitted, learners, items, scores, anchors)
    covariance = np.linalg.inv(gradients.T @ gradients)
    se = np.sqrt(np.diag(covariance))
    new = slice(2, 6)
    # log a and b of items 2..5 alternate; a's SE by the delta method.
    np.testing.assert_allclose(fitted.se_a_[new], fitted.a_[new] * se[0:8:2], rtol=1e-4)
    np.testing.assert_allclose(fitted.se_b_[new], se[1:8:2], rtol=1e-4)
    assert fitted.population_se_["mean"] == pytest.approx(se[8], rel=1e-4)
    assert fitted.population_se_["sd"] == pytest.approx(fitted.population_.sd * se[9], rel=1e-4)
    assert np.all(np.isnan(fitted.se_b_[:2]))
    # The blocks alone (the default) ignore what the items share with the estimated population.
    blocks = Calibrator("2pl", anchors=anchors, priors=Priors.none(), tol=1e-13,
                        max_iter=5000).fit(learners, items, scores)
    assert np.all(blocks.se_b_[new] < fitted.se_b_[new]) and blocks.population_se_ == {}


def test_full_crossproduct_errors_match_the_spread_of_the_estimates_on_a_short_test():
    # 100 replications of a six-item test (two anchors, four new items), 300 learners each from
    # N(0.5, 1.2^2), no priors. The root mean square of the full-XPD SEs of the new items' b is
    # within 15 % of the actual spread of the estimates; the per-item blocks understate it (they
    # leave out the uncertainty of the population mean the anchors place).
    m, n, replications = 6, 300, 100
    rng = np.random.default_rng(74)
    a, b = rng.lognormal(0.0, 0.3, m), rng.normal(0.0, 1.0, m)
    ids = item_names(m)
    anchors = {ids[j]: (a[j], b[j], 0.0) for j in range(2)}
    learner, item = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    errors, full, blocks, mean_errors, mean_se = [], [], [], [], []
    for _ in range(replications):
        theta = rng.normal(0.5, 1.2, n)
        scores = (rng.random(n * m) < probability(0.0, a[item], b[item] - theta[learner])).astype(int)
        fitted = Calibrator("2pl", anchors=anchors, priors=Priors.none(), se="crossproduct").fit(
            learner, ids[item], scores)
        plain = Calibrator("2pl", anchors=anchors, priors=Priors.none()).fit(learner, ids[item], scores)
        errors.append(fitted.b_[2:] - b[2:])
        full.append(fitted.se_b_[2:])
        blocks.append(plain.se_b_[2:])
        mean_errors.append(fitted.population_.mean - 0.5)
        mean_se.append(fitted.population_se_["mean"])
    spread = np.sqrt(np.mean(np.var(errors, axis=0)))
    # Seen: full 1.05, blocks 0.87, population mean 1.05.
    assert 0.85 < np.sqrt(np.mean(np.square(full))) / spread < 1.2
    assert np.sqrt(np.mean(np.square(blocks))) / spread < 0.92
    assert 0.75 < np.sqrt(np.mean(np.square(mean_se))) / np.std(mean_errors) < 1.33


def test_too_many_parameters_for_the_full_matrix_is_an_error(monkeypatch):
    monkeypatch.setattr(em_module, "MAX_FULL_PARAMETERS", 5)
    learners, items, scores, *_ = _dense_2pl(100, 4, np.random.default_rng(75))
    with pytest.raises(em_module.TooManyParameters, match="at most 5 free parameters"):
        Calibrator("2pl", se="crossproduct", max_iter=3).fit(learners, items, scores)
    with pytest.raises(ValueError, match="se must be one of blocks, crossproduct"):
        Calibrator("2pl", se="sandwich").fit(learners, items, scores)
