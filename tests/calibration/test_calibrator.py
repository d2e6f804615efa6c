"""Parameter recovery on seeded simulated logs with known truth, and the anchored scale."""
from __future__ import annotations

import numpy as np
import pytest

from calibration import Calibrator, Priors
from calibration.calibrator import ANCHORED, CALIBRATED, INSUFFICIENT
from calibration.quadrature import Population
from calibration_helpers import dichotomous, gpcm, item_names, rmse


def test_2pl_recovers_parameters_and_standard_errors_match_the_errors():
    sim = dichotomous(1500, 30, np.random.default_rng(11))
    fitted = Calibrator("2pl").fit(sim.learners, sim.item_ids, sim.scores)
    assert fitted.converged_ and list(fitted.item_ids_) == list(item_names(30))
    assert rmse(fitted.a_, sim.a) < 0.12 and rmse(fitted.b_, sim.b) < 0.12
    assert np.corrcoef(fitted.a_, sim.a)[0, 1] > 0.9 and np.corrcoef(fitted.b_, sim.b)[0, 1] > 0.99
    assert np.all(fitted.status_ == CALIBRATED) and np.all(fitted.c_ == 0)
    assert fitted.param_names_ == ("a", "b") and fitted.se_.shape == (30, 2)
    for se, estimate, truth in ((fitted.se_a_, fitted.a_, sim.a), (fitted.se_b_, fitted.b_, sim.b)):
        assert 0.6 < rmse(estimate, truth) / np.sqrt(np.mean(se**2)) < 1.6
    assert fitted.population_.mean == 0.0 and fitted.population_.sd == 1.0
    assert fitted.n_responses_.sum() == len(sim.scores) and len(fitted.theta_) == 1500
    assert np.corrcoef(fitted.theta_, sim.theta)[0, 1] > 0.9


def test_rasch_estimates_the_population_sd_with_unit_slopes():
    sim = dichotomous(1500, 25, np.random.default_rng(12), theta_sd=1.4, rasch=True)
    fitted = Calibrator("rasch").fit(sim.learners, sim.item_ids, sim.scores)
    assert np.all(fitted.a_ == 1.0) and np.all(np.isnan(fitted.se_a_))
    assert rmse(fitted.b_, sim.b) < 0.1
    assert abs(fitted.population_.sd - 1.4) < 0.1 and fitted.population_.mean == 0.0


def test_3pl_recovers_parameters_loosely():
    sim = dichotomous(3000, 25, np.random.default_rng(13), c_range=(0.1, 0.25))
    fitted = Calibrator("3pl").fit(sim.learners, sim.item_ids, sim.scores)
    assert fitted.param_names_ == ("a", "b", "c") and np.all(np.isfinite(fitted.se_))
    assert rmse(fitted.b_, sim.b) < 0.3 and rmse(fitted.c_, sim.c) < 0.08 and rmse(fitted.a_, sim.a) < 0.25
    assert np.corrcoef(fitted.b_, sim.b)[0, 1] > 0.95


def test_gpcm_recovers_slopes_and_thresholds_of_items_with_different_numbers_of_steps():
    steps = np.array([1, 2, 3] * 5)
    sim, thresholds = gpcm(1500, 15, steps, np.random.default_rng(14))
    fitted = Calibrator("gpcm").fit(sim.learners, sim.item_ids, sim.scores)
    assert fitted.thresholds_.shape == (15, 3)
    assert np.array_equal(np.isnan(fitted.thresholds_), np.isnan(thresholds))
    assert rmse(fitted.a_, sim.a) < 0.1 and rmse(fitted.thresholds_, thresholds) < 0.2
    assert rmse(fitted.b_, sim.b) < 0.12 and np.all(np.isfinite(fitted.se_b_))
    assert fitted.param_names_ == ("a", "b1", "b2", "b3")
    assert np.array_equal(np.isnan(fitted.se_[:, 1:]), np.isnan(thresholds))


def test_sparse_design_each_learner_answers_a_third_of_the_items():
    sim = dichotomous(3000, 60, np.random.default_rng(15), per_learner=20)
    fitted = Calibrator().fit(sim.learners, sim.item_ids, sim.scores)
    assert rmse(fitted.b_, sim.b) < 0.15 and rmse(fitted.a_, sim.a) < 0.15


def test_anchors_hold_the_scale_when_the_population_has_drifted():
    rng = np.random.default_rng(16)
    sim = dichotomous(2500, 40, rng, theta_mean=0.5, theta_sd=1.2)
    ids = item_names(40)
    anchors = {ids[j]: (sim.a[j], sim.b[j], 0.0) for j in range(20)}
    fitted = Calibrator(anchors=anchors).fit(sim.learners, sim.item_ids, sim.scores)
    anchored = fitted.status_ == ANCHORED
    assert anchored.sum() == 20
    assert np.array_equal(fitted.a_[anchored], sim.a[:20]) and np.array_equal(fitted.b_[anchored], sim.b[:20])
    assert np.all(np.isnan(fitted.se_[anchored]))
    assert rmse(fitted.b_[~anchored], sim.b[20:]) < 0.15 and rmse(fitted.a_[~anchored], sim.a[20:]) < 0.15
    assert abs(np.mean(fitted.b_[~anchored] - sim.b[20:])) < 0.1
    assert abs(fitted.population_.mean - 0.5) < 0.1 and abs(fitted.population_.sd - 1.2) < 0.1
    # Without anchors the N(0, 1) scale follows the population: every difficulty moves by about -0.5.
    free = Calibrator().fit(sim.learners, sim.item_ids, sim.scores)
    assert np.mean(free.b_ - sim.b) < -0.3


def test_an_item_answered_by_one_learner_is_reported_not_fitted():
    sim = dichotomous(400, 10, np.random.default_rng(17))
    learners = np.append(sim.learners, [0, 10_000])
    items = np.append(sim.item_ids, ["lonely", "alone"])
    scores = np.append(sim.scores, [1, 0])
    fitted = Calibrator().fit(learners, items, scores)
    status = dict(zip(fitted.item_ids_, fitted.status_))
    assert status["lonely"] == status["alone"] == INSUFFICIENT
    lonely = list(fitted.item_ids_).index("lonely")
    assert np.isnan(fitted.a_[lonely]) and np.isnan(fitted.b_[lonely]) and fitted.n_responses_[lonely] == 1
    assert 10_000 not in fitted.learner_ids_  # their only answer was to an unfitted item
    assert np.all(np.isfinite(fitted.b_[fitted.status_ == CALIBRATED]))


def test_priors_keep_an_item_everyone_answered_right_finite():
    sim = dichotomous(300, 8, np.random.default_rng(18))
    scores = np.where(sim.item_ids == "item000", 1, sim.scores)
    fitted = Calibrator(priors=Priors(b_sd=1.5)).fit(sim.learners, sim.item_ids, scores)
    assert np.isfinite(fitted.b_[0]) and -6 < fitted.b_[0] < -1.5 and np.isfinite(fitted.se_b_[0])


def test_progress_reports_every_e_step_and_max_iter_stops():
    sim = dichotomous(500, 15, np.random.default_rng(19))
    seen = []
    fitted = Calibrator(progress=lambda i, ll: seen.append((i, ll)), max_iter=5).fit(
        sim.learners, sim.item_ids, sim.scores)
    assert [i for i, _ in seen] == [1, 2, 3, 4, 5] and fitted.n_iter_ == 5 and not fitted.converged_
    assert seen[1][1] > seen[0][1] and seen[-1][1] > seen[0][1]  # plain EM steps climb
    assert fitted.loglik_ == seen[-1][1] and np.array_equal(fitted.loglik_history_, [ll for _, ll in seen])


def test_verbose_prints_one_line_per_e_step_after_progress(capsys):
    sim = dichotomous(200, 8, np.random.default_rng(21))
    seen = []
    fitted = Calibrator(progress=lambda i, ll: seen.append(i), max_iter=2, verbose=True).fit(
        sim.learners, sim.item_ids, sim.scores)
    lines = capsys.readouterr().err.splitlines()
    assert seen == [1, 2] and len(lines) == fitted.n_iter_ == 2
    assert lines[0] == f"calibrate: iteration 1, log-likelihood {fitted.loglik_history_[0]:.4f}"


@pytest.mark.parametrize("kwargs, scores, message", [
    ({"model": "4pl"}, [0, 1], "model must be one of"),
    ({}, [0, 2], "0 or 1"),
    ({}, [0, -1], "non-negative integers"),
    ({"anchors": {"x": (0.0, 1.0)}}, [0, 1], "a > 0"),
    ({"model": "gpcm", "anchors": {"x": (1.0, 0.0, 0.2)}}, [0, 1], "GPCM anchor"),
])
def test_invalid_settings_and_scores_are_rejected(kwargs, scores, message):
    with pytest.raises(ValueError, match=message):
        Calibrator(**kwargs).fit(np.array([1, 2]), np.array(["x", "x"]), np.array(scores))


def test_guessing_holds_c_of_choice_items_while_a_and_b_are_estimated():
    sim = dichotomous(3000, 30, np.random.default_rng(1), c_range=(0.25, 0.25))
    known = {name: 0.25 for name in item_names(30)}
    fitted = Calibrator(guessing=known).fit(sim.learners, sim.item_ids, sim.scores)
    assert np.all(fitted.c_ == 0.25) and fitted.param_names_ == ("a", "b")  # c held, not estimated
    assert np.sqrt(np.mean((fitted.b_ - sim.b) ** 2)) == pytest.approx(0.0673, abs=1e-3)
    assert np.sqrt(np.mean((fitted.a_ - sim.a) ** 2)) == pytest.approx(0.0721, abs=1e-3)
    # Dropping the guessing (what calibrating choice items as 2PL did) biases both.
    plain = Calibrator().fit(sim.learners, sim.item_ids, sim.scores)
    assert np.sqrt(np.mean((plain.b_ - sim.b) ** 2)) > 0.8 and np.all(plain.c_ == 0.0)


def test_a_held_population_puts_the_scale_where_it_is_and_is_not_estimated():
    sim = dichotomous(3000, 30, np.random.default_rng(1))
    held = Calibrator(population=Population(0.5, 1.0)).fit(sim.learners, sim.item_ids, sim.scores)
    assert held.population_ == Population(0.5, 1.0)
    assert np.mean(held.b_ - sim.b) == pytest.approx(0.5, abs=0.05)  # the truth is N(0, 1)
    anchors = {name: (a, b) for name, a, b in zip(item_names(30)[:5], sim.a, sim.b)}
    both = Calibrator(anchors=anchors, population=Population(0.5, 1.0)).fit(sim.learners, sim.item_ids,
                                                                           sim.scores)
    assert both.population_ == Population(0.5, 1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "3pl", "guessing": {"x": 0.25}}, "guessing fixes c"),
    ({"guessing": {"x": 1.0}}, "every c must be in"),
    ({"population": Population(0.0, 0.0)}, "sd > 0"),
])
def test_invalid_guessing_and_population_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Calibrator(**kwargs).fit(np.array([1, 2]), np.array(["x", "x"]), np.array([0, 1]))


def test_one_learner_with_every_item_anchored_is_no_population_and_no_crash():
    """The admin page's dry run on a class where one learner has answered: the population SD
    used to run to 0 (log 0 under filterwarnings=error); it stops at its floor instead."""
    from calibration.quadrature import MIN_POPULATION_SD

    items = [f"i{k}" for k in range(20)]
    anchors = {item: (1.0, float(b), 0.0) for item, b in zip(items, np.linspace(-2, 2, 20))}
    scores = np.tile([1, 0], 10)
    fitted = Calibrator(model="2pl", anchors=anchors, max_iter=500).fit(np.array(["l1"] * 20), np.array(items),
                                                                      scores)
    assert fitted.converged_ and fitted.population_.sd == MIN_POPULATION_SD
    assert -1.0 < fitted.population_.mean < 1.0
