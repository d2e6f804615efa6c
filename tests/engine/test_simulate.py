"""Simulation helpers and whole adaptive tests."""
from __future__ import annotations

import numpy as np
import pytest

from engine.models import probability
from engine.simulate import CATDesign, answer, draw_thetas, run_cat, simulate_cat

SEED = 20260904


@pytest.fixture(scope="module")
def bank():
    rng = np.random.default_rng(SEED)
    return rng.lognormal(0.2, 0.25, 400), rng.normal(0.0, 1.2, 400), np.zeros(400)


def test_answers_follow_the_model():
    rng = np.random.default_rng(SEED + 1)
    a, b, c = np.array([1.0, 2.0]), np.array([0.0, 1.0]), np.array([0.0, 0.25])
    scores = answer(rng, np.full(20000, 0.5), a, b, c)
    assert scores.shape == (20000, 2)
    np.testing.assert_allclose(scores.mean(axis=0), probability(0.5, a, b, c), atol=0.01)


def test_a_seeded_test_is_reproducible_and_respects_its_design(bank):
    design = CATDesign(se_target=0.3, min_items=5, max_items=40)
    first = run_cat(0.8, *bank, np.random.default_rng(7), design)
    again = run_cat(0.8, *bank, np.random.default_rng(7), design)
    assert first.items.tolist() == again.items.tolist() and first.estimate == again.estimate
    assert len(set(first.items.tolist())) == first.items.size
    assert 5 <= first.items.size <= 40
    assert first.estimate.se <= 0.3 or first.items.size == 40


def test_content_filter_restricts_the_bank(bank):
    available = np.arange(400) % 2 == 0
    record = run_cat(0.0, *bank, np.random.default_rng(8), CATDesign(max_items=30), available=available)
    assert np.all(record.items % 2 == 0)


@pytest.mark.parametrize("estimator", ["eap", "map", "wle"])
def test_seeded_cat_recovers_theta_with_rmse_close_to_the_mean_posterior_sd(bank, estimator):
    rng = np.random.default_rng(SEED + 2)
    results = simulate_cat(draw_thetas(rng, 400), *bank, rng, CATDesign(estimator=estimator))
    assert np.all(np.isfinite(results.theta_hat)) and np.all(np.isfinite(results.se))
    assert results.n_items.mean() < 20
    assert abs(results.bias) < 0.05
    # Learners drawn from the prior: for EAP, E[(theta - EAP)^2] = E[posterior variance].
    assert results.rmse == pytest.approx(np.sqrt(np.mean(results.se**2)), rel=0.12)


def test_designs_are_checked():
    with pytest.raises(ValueError, match="selection"):
        CATDesign(selection="kl")
    with pytest.raises(ValueError, match="estimator"):
        CATDesign(estimator="ml")
    with pytest.raises(ValueError, match="min_items"):
        CATDesign(min_items=10, max_items=5)
