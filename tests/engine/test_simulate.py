"""Simulation helpers and whole adaptive tests."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine import simulate
from engine.design import CLASSIFICATION, PLACEMENT, PRECISION, REFERENCE
from engine.models import probability
from engine.simulate import CATDesign, answer, draw_bank, draw_thetas, run_cat, simulate_cat

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


@pytest.fixture(scope="module")
def mixed_bank():
    """A bank like ours: 2PL and 3PL items over the four bands, with skills and item types."""
    return draw_bank(np.random.default_rng(SEED + 3), 300, a_log_sd=0.3, spread=0.5, options=(3, 4))


@pytest.mark.parametrize("design", [
    PRECISION, CLASSIFICATION, PLACEMENT, replace(PRECISION, selection="pwi", top_k=2),
    replace(CLASSIFICATION, rule="sprt", curtail=None, estimator="map", top_k=3),
    replace(PLACEMENT, selection="mfi", max_items=12), REFERENCE],
    ids=["precision", "classification", "placement", "pwi-top2", "sprt-map-top3", "placement-mfi", "reference"])
def test_learners_in_lock_step_take_the_same_tests_as_learners_one_at_a_time(mixed_bank, design):
    bank = mixed_bank
    thetas = draw_thetas(np.random.default_rng(SEED + 4), 60)
    kwargs = {"skills": bank.skill, "types": bank.type}
    together = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(9), design, **kwargs)
    alone = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(9), design, vectorised=False, **kwargs)
    assert [x.tolist() for x in together.items] == [x.tolist() for x in alone.items]
    assert [x.tolist() for x in together.scores] == [x.tolist() for x in alone.scores]
    np.testing.assert_array_equal(together.theta_hat, alone.theta_hat)
    np.testing.assert_array_equal(together.se, alone.se)
    np.testing.assert_array_equal(together.level, alone.level)
    first = run_cat(thetas[0], bank.a, bank.b, bank.c, np.random.default_rng(9), design, **kwargs)
    assert first.items.tolist() == together.items[0].tolist() and first.estimate.theta == together.theta_hat[0]


def test_blocks_of_learners_do_not_change_the_results(mixed_bank, monkeypatch):
    thetas = draw_thetas(np.random.default_rng(SEED + 5), 50)
    whole = simulate_cat(thetas, mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(3), CLASSIFICATION)
    monkeypatch.setattr(simulate, "BLOCK_CELLS", 7 * 2 * mixed_bank.a.size)  # blocks of 7 learners
    blocks = simulate_cat(thetas, mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(3), CLASSIFICATION)
    assert [x.tolist() for x in whole.items] == [x.tolist() for x in blocks.items]
    np.testing.assert_array_equal(whole.theta_hat, blocks.theta_hat)


def test_a_learner_gives_the_same_answer_to_the_same_item_in_every_design(mixed_bank):
    thetas = draw_thetas(np.random.default_rng(SEED + 6), 80)
    runs = [simulate_cat(thetas, mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(4), design,
                         skills=mixed_bank.skill, types=mixed_bank.type)
            for design in (PRECISION, PLACEMENT, REFERENCE)]
    shared = 0
    for learner in range(thetas.size):
        answers = [dict(zip(run.items[learner].tolist(), run.scores[learner].tolist())) for run in runs]
        for item in set(answers[0]) & set(answers[1]) & set(answers[2]):
            assert answers[0][item] == answers[1][item] == answers[2][item]
            shared += 1
    assert shared > 100


def test_the_placement_test_balances_skills_and_item_types(mixed_bank):
    thetas = draw_thetas(np.random.default_rng(SEED + 7), 150)
    results = simulate_cat(thetas, mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(5), PLACEMENT,
                           skills=mixed_bank.skill, types=mixed_bank.type)
    for items in results.items:
        for labels, targets in ((mixed_bank.skill, PLACEMENT.skill_shares), (mixed_bank.type, PLACEMENT.type_shares)):
            assert targets is not None
            counts = {label: int(np.sum(labels[items] == label)) for label in targets}
            # Every skill and type is asked, within two items of its share of the test.
            assert all(abs(counts[label] - share * items.size) <= 2 for label, share in targets.items()), counts
    # Without the labels a balancing design cannot run.
    with pytest.raises(ValueError, match="skill"):
        simulate_cat(thetas[:2], mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(5), PLACEMENT)


def test_a_simulated_bank_is_shaped_like_ours():
    bank = draw_bank(np.random.default_rng(SEED + 8), 4000)
    choice = np.isin(bank.type, ["reading", "cloze_choice", "multiple_choice"])
    assert np.all(bank.c[choice] == 1 / 3) and np.all(bank.c[~choice] == 0) and np.all(bank.a == 1)
    assert np.mean(choice) == pytest.approx(0.72, abs=0.03)
    assert np.all(bank.skill[bank.type == "reading"] == "reading")
    assert set(bank.skill.tolist()) == {"vocabulary", "grammar", "reading", "functional"}
    # Four bands in equal numbers, difficulties within 0.4 band widths of the band's centre.
    centres = np.array([-1.5, -0.5, 0.5, 1.5])
    nearest = np.argmin(np.abs(bank.b[:, None] - centres), axis=1)
    assert np.all(np.abs(bank.b - centres[nearest]) <= 0.4)
    assert np.bincount(nearest) / bank.b.size == pytest.approx([0.25] * 4, abs=0.03)


def test_the_classification_cat_is_shorter_than_the_precision_cat_and_places_at_least_as_well():
    """Issue 18: on a bank like ours, at most 0.85 of the precision CAT's (SE <= 0.3) mean length
    at equal or better band accuracy, the same learners answering the same items (known truth)."""
    rng = np.random.default_rng(SEED + 9)
    bank = draw_bank(rng, 500, a_log_sd=0.3, spread=0.5, options=(3, 4))
    thetas = draw_thetas(rng, 3000)
    precision = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(SEED + 10), PRECISION)
    classification = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(SEED + 10), CLASSIFICATION)
    ratio = classification.n_items.mean() / precision.n_items.mean()
    gain = classification.accuracy(CLASSIFICATION.cuts) - precision.accuracy(PRECISION.cuts)
    assert ratio <= 0.85, ratio
    assert gain >= 0.0, gain
    # Both rules end: the precision CAT at SE <= 0.3 (or 40 items), the classification CAT by its decision.
    assert np.all((precision.se <= 0.3) | (precision.n_items == 40))
    assert np.all((classification.n_items >= 5) & (classification.n_items <= 40))
    # Without curtailment the GLR alone at the same error rates is longer.
    uncurtailed = simulate_cat(thetas[:1000], bank.a, bank.b, bank.c, np.random.default_rng(SEED + 10),
                               replace(CLASSIFICATION, curtail=None))
    assert uncurtailed.n_items.mean() > classification.n_items[:1000].mean()


def test_exposure_and_overlap_count_the_tests_that_gave_each_item():
    """Three tests on a bank of 5: item 0 in all, 1 in two, 2 and 3 in one, 4 in none. Pairs share
    2, 1 and 1 items: 4/3 on average, over a mean length of 7/3."""
    items = (np.array([0, 1, 2]), np.array([0, 1]), np.array([3, 0]))
    results = simulate.CATResults(theta_true=np.zeros(3), theta_hat=np.zeros(3), se=np.ones(3),
                                  n_items=np.array([3, 2, 2]), level=np.zeros(3, dtype=int), items=items)
    np.testing.assert_allclose(results.exposure(5), [1.0, 2 / 3, 1 / 3, 1 / 3, 0.0])
    assert results.overlap() == pytest.approx((3 * 2 + 2 * 1) / (3 * 2) / (7 / 3))
    with pytest.raises(ValueError, match="two"):
        replace(results, items=items[:1], n_items=np.array([3])).overlap()


def test_a_narrowing_randomesque_set_spreads_the_placement_tests_openings(mixed_bank):
    """The placement design (48 best at the first item, halved with each answer down to 3) against the 3 best
    throughout, the same learners and answers: exact figures of this seeded run."""
    thetas = draw_thetas(np.random.default_rng(SEED + 8), 400)
    kwargs = {"skills": mixed_bank.skill, "types": mixed_bank.type}
    runs = {name: simulate_cat(thetas, mixed_bank.a, mixed_bank.b, mixed_bank.c, np.random.default_rng(6), design,
                               **kwargs)
            for name, design in (("narrowing", PLACEMENT), ("three", replace(PLACEMENT, opening_top_k=None)))}
    summary = {name: (round(float(run.exposure(300).max()), 4), round(run.overlap(), 4),
                      len({int(items[0]) for items in run.items}), float(np.median(run.n_items)))
               for name, run in runs.items()}
    # (largest exposure rate, overlap rate, distinct first items, median length)
    assert summary == {"narrowing": (0.6375, 0.3025, 48, 14.0), "three": (0.71, 0.3457, 3, 13.0)}
