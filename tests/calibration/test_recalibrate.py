"""Recalibrating a live bank: the scale stays, guessing stays, items change only on evidence (seeded)."""
from __future__ import annotations

import numpy as np
import pytest

from calibration import Calibrator
from calibration.recalibrate import CurrentItem, Parameters, Rules, decide, first_answers, fit_bank, holm, recalibrate
from engine.cefr import DEFAULT_CUTS
from engine.models import probability

NODES = np.linspace(-5, 5, 101)


def live_bank(seed: int, learners: int = 300, items: int = 60, per_learner: int = 40, wrong: int = 0,
              error: float = 1.0, opening: int = 10):
    """Learners from N(-0.6, 1) answer ``opening`` items at random, then items chosen near the EAP
    of those answers by the items' current b (as a live engine chooses: on what it saw, so the
    choice is ignorable). The current parameters are the truth except ``wrong`` items whose b is
    ``error`` too high."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"i{j:02d}" for j in range(items)])
    a, b = rng.lognormal(0.0, 0.3, items), rng.normal(-0.3, 1.0, items)
    c = np.where(np.arange(items) % 2 == 0, 0.25, 0.0)  # every other item a 4-option choice item
    current_b = b.copy()
    off = rng.choice(items, wrong, replace=False) if wrong else np.array([], dtype=int)
    current_b[off] += error
    theta = rng.normal(-0.6, 1.0, learners)
    rows, cols, right = [], [], []
    for i in range(learners):
        first = rng.choice(items, opening, replace=False)
        said = rng.random(opening) < probability(0.0, a[first], b[first] - theta[i], c[first])
        p = probability(NODES, a[first], current_b[first], c[first])
        posterior = np.exp(np.where(said, np.log(p), np.log1p(-p)).sum(axis=1) - 0.5 * NODES**2)
        guess = posterior @ NODES / posterior.sum()
        rest = np.setdiff1d(np.arange(items), first)
        weight = np.exp(-0.5 * (current_b[rest] - guess) ** 2)
        then = rng.choice(rest, per_learner - opening, replace=False, p=weight / weight.sum())
        rows.append(np.full(per_learner, i))
        cols.append(np.concatenate([first, then]))
        right.append(np.concatenate([said, rng.random(then.size) < probability(0.0, a[then], b[then] - theta[i],
                                                                                c[then])]))
    learner, item, scores = np.concatenate(rows), np.concatenate(cols), np.concatenate(right).astype(int)
    current = {ids[j]: CurrentItem(a[j], current_b[j], c[j]) for j in range(items)}
    truth = {ids[j]: Parameters(a[j], b[j], c[j]) for j in range(items)}
    return learner, ids[item], scores, current, truth, theta, set(ids[off].tolist())


def levels(learner, item_ids, scores, parameters: dict[str, Parameters], n: int) -> np.ndarray:
    """Each learner's CEFR band from the EAP of all their answers (prior N(0, 1))."""
    a, b, c = (np.array([getattr(parameters[i], name) for i in item_ids]) for name in "abc")
    p = probability(NODES, a, b, c).T
    loglik = np.where(scores[:, None] == 1, np.log(p), np.log1p(-p))
    total = np.zeros((n, NODES.size))
    np.add.at(total, learner, loglik)
    weights = np.exp(total - 0.5 * NODES**2 - (total - 0.5 * NODES**2).max(axis=1, keepdims=True))
    return np.searchsorted(DEFAULT_CUTS, weights @ NODES / weights.sum(axis=1), side="right")


def test_answers_that_agree_with_the_parameters_change_no_item_and_no_level():
    learner, items, scores, current, _, theta, _ = live_bank(1)
    result = recalibrate(learner, items, scores, current, Rules(min_learners=50))
    assert result.fit.population_held and result.fit.anchors == 0
    # The population as the current (true) parameters measure it: where the learners are.
    assert (result.fit.population.mean, theta.mean()) == (pytest.approx(-0.693, abs=1e-3),
                                                          pytest.approx(-0.695, abs=1e-3))
    counts = result.counts()
    assert (counts["changed"], counts["consistent"], counts["se_too_large"]) == (0, 49, 11)
    assert result.new_parameters() == {i: p.parameters for i, p in current.items() if i in set(items)}


def test_new_information_moves_the_wrong_items_and_only_learners_who_met_them_towards_their_level():
    learner, items, scores, current, truth, theta, wrong = live_bank(2, wrong=8)
    result = recalibrate(learner, items, scores, current, Rules(min_learners=50))
    changed = {o.item.item_id: o.new for o in result.changed() if o.new is not None}
    assert set(changed) <= wrong and len(changed) == 4  # 4 wrong items were not precise enough yet
    assert result.counts()["se_too_large"] == 15
    assert all(abs(p.b - truth[i].b) < abs(current[i].b - truth[i].b) / 2 for i, p in changed.items())
    assert all(p.c == truth[i].c for i, p in changed.items())  # guessing kept: c = 1/4 on choice items
    old = {i: item.parameters for i, item in current.items()}
    before = levels(learner, items, scores, old, theta.size)
    after = levels(learner, items, scores, {**old, **changed}, theta.size)
    true_level = np.searchsorted(DEFAULT_CUTS, theta, side="right")
    moved = np.flatnonzero(before != after)
    met = {int(i) for i in np.unique(learner[np.isin(items, list(changed))])}
    assert set(moved.tolist()) <= met  # only where the evidence is
    # 19 learners move: 13 to their true level, 6 away from it (they sat on a cut, where their
    # estimate, 40 answers' worth, is no better than the side it falls on).
    assert (moved.size, int(np.sum(after[moved] == true_level[moved])),
            int(np.sum(before[moved] == true_level[moved]))) == (19, 13, 6)
    assert (np.mean(before == true_level), np.mean(after == true_level)) == (pytest.approx(0.76, abs=1e-3),
                                                                           pytest.approx(0.783, abs=1e-3))


@pytest.mark.parametrize("as_anchors", [True, False])
def test_fitting_the_same_answers_again_changes_nothing(as_anchors):
    learner, items, scores, current, *_ = live_bank(2, wrong=8)
    first = recalibrate(learner, items, scores, current, Rules(min_learners=50))
    applied = {o.item.item_id: CurrentItem(o.new.a, o.new.b, o.new.c, calibrated=as_anchors)
               for o in first.changed() if o.new is not None}
    second = recalibrate(learner, items, scores, {**current, **applied}, Rules(min_learners=50))
    assert len(applied) == 4 and second.counts()["changed"] == 0


def test_the_scale_stays_where_the_learners_are_where_a_free_calibration_moves_it():
    learner, items, scores, current, _, theta, _ = live_bank(3, wrong=0)
    fit = fit_bank(learner, items, scores, current)
    free = Calibrator(guessing={i: p.c for i, p in current.items()}).fit(learner, items, scores)
    shift = np.mean([b - current[str(i)].b for i, b in zip(free.item_ids_, free.b_)])
    held = np.mean([item.estimate.b - item.current.b for item in fit.items if item.estimate is not None])
    assert theta.mean() == pytest.approx(-0.512, abs=1e-3)
    assert shift == pytest.approx(0.483, abs=1e-3)  # N(0, 1) put on learners at -0.5: every item moves up
    assert held == pytest.approx(-0.015, abs=1e-3)


def test_a_class_of_five_changes_nothing_and_says_why():
    learner, items, scores, current, _, _, _ = live_bank(4, learners=5, per_learner=40, wrong=20)
    result = recalibrate(learner, items, scores, current)
    assert result.rules == Rules() and Rules().min_learners == 50
    assert result.counts()["too_few_learners"] == len(set(items)) and not result.changed()


def test_calibrated_items_are_anchors_and_the_population_is_estimated_with_them():
    learner, items, scores, current, truth, _, wrong = live_bank(5, wrong=6)
    anchored = {i: CurrentItem(p.a, p.b, p.c, calibrated=True) if i not in wrong else p for i, p in current.items()}
    result = recalibrate(learner, items, scores, anchored, Rules(min_learners=50))
    assert not result.fit.population_held and result.fit.anchors == len(set(items)) - len(wrong)
    assert result.fit.population.mean == pytest.approx(-0.586, abs=1e-3)
    assert result.counts() == {"anchor": 54, "too_few_learners": 0, "se_too_large": 3, "consistent": 1,
                               "changed": 2}
    assert {o.item.item_id for o in result.changed()} <= wrong
    assert all(abs(o.new.b - truth[o.item.item_id].b) < 0.1 for o in result.changed() if o.new)


def test_a_large_se_keeps_an_item_as_it_is():
    learner, items, scores, current, *_ = live_bank(2, wrong=8)
    fit = fit_bank(learner, items, scores, current)
    strict = decide(fit, Rules(min_learners=50, max_se=0.05))
    assert strict.counts()["changed"] == 0 and strict.counts()["se_too_large"] == 60


def test_holm_rejects_in_order_while_each_p_value_is_below_its_share():
    ordered = [(0.001, "a"), (0.012, "b"), (0.02, "c"), (0.5, "d")]
    assert holm(ordered, 0.05) == {"a", "b", "c"}  # 0.001 <= .05/4, 0.012 <= .05/3, 0.02 <= .05/2, 0.5 > .05
    assert holm([(0.03, "x"), (0.04, "y")], 0.05) == set()  # 0.03 > .05/2: it stops at the first
    assert holm([], 0.05) == set()


def test_first_answers_keep_each_learners_first_answer_to_an_item():
    found = first_answers(np.array([1, 1, 2, 1]), np.array(["x", "y", "x", "x"]), np.array([0, 1, 1, 1]))
    assert [list(v) for v in found] == [[1, 1, 2], ["x", "y", "x"], [0, 1, 1]]


@pytest.mark.parametrize("kwargs, message", [
    ({"min_learners": 1}, "min_learners"), ({"max_se": 0.0}, "max_se"), ({"alpha": 1.0}, "alpha")])
def test_invalid_rules_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rules(**kwargs)


def test_answered_items_need_current_parameters():
    with pytest.raises(ValueError, match="without current parameters: y"):
        fit_bank(np.array([1, 2]), np.array(["y", "y"]), np.array([0, 1]), {})
