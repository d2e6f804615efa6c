"""The sparse E-step equals a dense computation; the M-step climbs; derivatives are right."""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from calibration import em
from calibration.data import encode, indicator
from calibration.parameters import Layout, Priors, log_table, log_table_derivatives, working
from calibration.quadrature import grid, normal_log_weights
from engine.models import log_likelihood, probability


def _small(rng):
    n, m = 30, 6
    answered = rng.random((n, m)) < 0.6
    answered[:, 0] = True
    a, b = rng.lognormal(0, 0.3, m), rng.normal(0, 1, m)
    right = (rng.random((n, m)) < 0.5).astype(int)
    learner, item = np.nonzero(answered)
    return answered, right, a, b, learner, item


def test_sparse_e_step_equals_the_dense_computation():
    rng = np.random.default_rng(1)
    answered, right, a, b, learner, item = _small(rng)
    responses = encode(learner, np.array([f"i{j}" for j in item]), right[learner, item])
    layout = Layout("2pl", 1)
    psi = working(a, b[:, None], np.zeros(6), layout)
    nodes = grid(21, 5.0)
    log_w = normal_log_weights(nodes, 0.2, 1.1)
    step = em.e_step(indicator(responses, layout.stride), log_table(psi, layout, np.zeros(6), nodes), log_w)

    dense_loglik = np.zeros((30, 21))
    for i in range(30):
        seen = answered[i]
        dense_loglik[i] = log_likelihood(nodes, a[seen], b[seen], 0.0, right[i, seen])
    joint = dense_loglik + log_w
    posterior = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    np.testing.assert_allclose(step.posterior, posterior, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(step.learner_loglik, logsumexp(joint, axis=1), rtol=1e-12)
    expected_right = np.einsum("iq,ij->jq", posterior, answered * right)
    expected_wrong = np.einsum("iq,ij->jq", posterior, answered * (1 - right))
    np.testing.assert_allclose(step.counts[:, 1], expected_right, atol=1e-10)
    np.testing.assert_allclose(step.counts[:, 0], expected_wrong, atol=1e-10)


def test_numeric_derivatives_match_the_2pl_formulas():
    rng = np.random.default_rng(2)
    a, b = rng.lognormal(0, 0.3, 4), rng.normal(0, 1, 4)
    layout = Layout("2pl", 1)
    nodes = grid(9, 3.0)
    psi = working(a, b[:, None], np.zeros(4), layout)
    slope = log_table_derivatives(psi, np.ones_like(psi, dtype=bool), layout, np.zeros(4), nodes)
    p = probability(nodes, a, b).T  # (m, Q)
    z = nodes[None, :] - b[:, None]
    # d log P / d log a = a (theta - b)(1 - P); d log P / d b = -a (1 - P); wrong: the same with -P.
    np.testing.assert_allclose(slope[:, 1, :, 0], a[:, None] * z * (1 - p), atol=1e-7)
    np.testing.assert_allclose(slope[:, 1, :, 1], -a[:, None] * (1 - p), atol=1e-7)
    np.testing.assert_allclose(slope[:, 0, :, 1], a[:, None] * p, atol=1e-7)


def test_m_step_does_not_lower_any_items_expected_objective():
    rng = np.random.default_rng(3)
    layout = Layout("3pl", 1)
    nodes = grid(15, 4.0)
    counts = rng.random((5, 2, 15)) * 20
    psi = working(np.ones(5), np.zeros((5, 1)), np.full(5, 0.2), layout)
    free = np.ones_like(psi, dtype=bool)
    priors = Priors()
    before = em.expected_objective(psi, free, layout, np.zeros(5), nodes, counts, priors)
    after_psi = em.m_step(psi, free, layout, np.zeros(5), nodes, counts, priors, steps=3)
    after = em.expected_objective(after_psi, free, layout, np.zeros(5), nodes, counts, priors)
    assert np.all(after >= before) and np.any(after > before + 1e-3)
