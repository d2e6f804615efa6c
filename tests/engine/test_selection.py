"""Item selection: criteria, exposure control, content constraints, practice mode."""
from __future__ import annotations

from typing import get_args

import numpy as np
import pytest

from engine.errors import NoItemsAvailable
from engine.estimation import GridPosterior, update
from engine.models import information, probability
from engine.selection import (
    METHODS,
    PRACTICE_TOLERANCE,
    WEIGHT_FLOOR,
    Method,
    balance,
    content_mask,
    deficit_weights,
    exclude_served,
    information_each,
    information_peak,
    item_information,
    nearest_cut,
    pick,
    select_item,
    select_practice,
)

SEED = 20260902


@pytest.fixture
def items():
    rng = np.random.default_rng(SEED)
    return rng.lognormal(0.0, 0.3, 200), rng.normal(0.0, 1.2, 200), np.zeros(200)


@pytest.fixture
def posterior(items):
    a, b, c = items
    return update(GridPosterior.prior(), a[:3], b[:3], c[:3], [1, 1, 0])


def test_mfi_takes_the_most_informative_available_item_at_the_eap(items, posterior):
    available = np.ones(200, dtype=bool)
    available[:3] = False
    theta = posterior.estimate().theta
    expected = max(range(3, 200), key=lambda j: information(theta, *(x[j:j + 1] for x in items))[0])
    assert select_item(posterior, *items, available) == expected


def test_pwi_takes_the_item_with_the_most_posterior_weighted_information(items):
    a, b, c = items
    posterior = update(GridPosterior.prior(), a[0], b[0], c[0], 1)
    weights = posterior.weights()
    weighted = [sum(w * information(t, a[j:j + 1], b[j:j + 1], c[j:j + 1])[0]
                    for t, w in zip(posterior.nodes, weights)) for j in range(200)]
    available = np.arange(200) > 0
    assert select_item(posterior, a, b, c, available, method="pwi") == 1 + int(np.argmax(weighted[1:]))


def test_a_whole_session_never_repeats_an_item(items):
    rng = np.random.default_rng(SEED + 1)
    a, b, c = items
    posterior, served = GridPosterior.prior(), []
    for _ in range(60):
        j = select_item(posterior, a, b, c, exclude_served(np.ones(200, bool), served), top_k=3, rng=rng)
        served.append(j)
        posterior = update(posterior, a[j], b[j], c[j], int(rng.random() < 0.5))
    assert len(set(served)) == 60
    with pytest.raises(ValueError, match="no item"):
        select_item(posterior, a, b, c, np.zeros(200, bool))


def test_randomesque_chooses_evenly_among_the_top_k_only(items, posterior):
    rng = np.random.default_rng(SEED + 2)
    available = np.ones(200, dtype=bool)
    top = set(np.argsort(-information(posterior.estimate().theta, *items))[:5].tolist())
    picks = np.array([select_item(posterior, *items, available, top_k=5, rng=rng) for _ in range(2000)])
    assert set(picks.tolist()) == top
    counts = np.array([np.sum(picks == j) for j in top])
    assert np.all(np.abs(counts / 2000 - 0.2) < 0.03)
    with pytest.raises(ValueError, match="rng"):
        select_item(posterior, *items, available, top_k=5)


def test_sympson_hetter_gives_the_best_item_with_its_exposure_probability(items, posterior):
    rng = np.random.default_rng(SEED + 3)
    available = np.ones(200, dtype=bool)
    order = np.argsort(-information(posterior.estimate().theta, *items))
    exposure = np.ones(200)
    exposure[order[0]] = 0.3
    exposure[order[1]] = 0.0
    picks = np.array([select_item(posterior, *items, available, rng=rng, exposure=exposure) for _ in range(3000)])
    assert np.mean(picks == order[0]) == pytest.approx(0.3, abs=0.03)
    assert not np.any(picks == order[1])
    assert set(picks.tolist()) == {order[0], order[2]}


def test_deficit_weighting_keeps_skills_at_their_target_shares(items):
    rng = np.random.default_rng(SEED + 4)
    a, b, c = items
    skills = np.array(["reading", "grammar", "vocabulary", "listening"])[rng.integers(0, 4, 200)]
    targets = {"reading": 0.4, "grammar": 0.3, "vocabulary": 0.2, "listening": 0.1}
    posterior, served = GridPosterior.prior(), []
    counts = dict.fromkeys(targets, 0)
    for n in range(1, 41):
        j = select_item(posterior, a, b, c, exclude_served(np.ones(200, bool), served),
                        skills=skills, targets=targets, counts=counts)
        served.append(j)
        counts[skills[j]] += 1
        posterior = update(posterior, a[j], b[j], c[j], int(rng.random() < 0.5))
        # The priority index trades a little balance for information: never more than
        # an item and a half off the running share, ...
        for skill, share in targets.items():
            assert abs(counts[skill] - share * n) <= 1.5, (n, counts)
    # ... and within one item of it at the end.
    assert all(abs(counts[skill] - 40 * share) <= 1 for skill, share in targets.items()), counts


def test_deficit_factor_follows_the_formula():
    factor = deficit_weights(["r", "g", "x"], {"r": 3, "g": 1}, {"r": 2, "g": 1})
    # n = 3: quotas 0.75 * 4 = 3 and 0.25 * 4 = 1; skill x has no target.
    np.testing.assert_allclose(factor, [1 - 2 / 3, 0.0, 0.0])


def test_content_mask_and_served_items_are_plain_masks():
    metadata = {"language": ["nb", "nb", "en", "nb"], "track": ["b1", "trade", "b1", "trade"],
                "trade": [None, "care", None, "kitchen"]}
    assert content_mask(metadata, language="nb").tolist() == [True, True, False, True]
    assert content_mask(metadata, language="nb", trade=("care", None)).tolist() == [True, True, False, False]
    assert content_mask(metadata).all()
    with pytest.raises(KeyError):
        content_mask(metadata, skill="reading")
    assert exclude_served([True, True, False, True], [0, 3]).tolist() == [False, True, False, False]


def test_practice_picks_the_item_nearest_the_target_success(items, posterior):
    a, b, c = items
    available = np.ones(200, dtype=bool)
    weights = posterior.weights()
    success = weights @ probability(posterior.nodes, a, b, c)
    for target in (0.5, 0.75, 0.9):
        j = select_practice(posterior, a, b, c, available, target=target)
        distance = np.abs(success - target)
        assert distance[j] <= distance.min() + PRACTICE_TOLERANCE
        near = distance <= distance.min() + PRACTICE_TOLERANCE
        pwi = weights @ information(posterior.nodes, a, b, c)
        assert pwi[j] == pwi[near].max()
    assert abs(success[select_practice(posterior, a, b, c, available)] - 0.75) < 0.02


def test_practice_breaks_exact_ties_at_random_with_an_rng():
    a, b, c = np.ones(4), np.full(4, -1.0), np.zeros(4)
    rng = np.random.default_rng(SEED + 5)
    picks = {select_practice(GridPosterior.prior(), a, b, c, np.ones(4, bool), rng=rng) for _ in range(50)}
    assert picks == {0, 1, 2, 3}
    assert select_practice(GridPosterior.prior(), a, b, c, np.ones(4, bool)) == 0


def test_an_empty_mask_raises_the_named_error_which_is_a_value_error(items, posterior):
    none = np.zeros(200, dtype=bool)
    for select in (select_item, select_practice):
        with pytest.raises(NoItemsAvailable, match="no item available") as raised:
            select(posterior, *items, none)
        assert isinstance(raised.value, ValueError)


def test_the_method_type_lists_the_methods():
    assert METHODS == get_args(Method) == ("mfi", "pwi", "cut")


def test_cut_selection_takes_the_most_informative_item_at_the_cut_nearest_the_eap(items):
    a, b, c = items
    cuts = (-1.0, 0.0, 1.0)
    for difficulty, right, cut in ((0.5, [1, 1, 1, 1], 1.0), (-0.5, [0, 0, 0, 0], -1.0), (0.0, [1, 0, 1, 0], 0.0)):
        posterior = update(GridPosterior.prior(), np.full(4, 1.5), np.full(4, difficulty), np.zeros(4), right)
        assert float(nearest_cut(posterior.estimate().theta, cuts)) == cut
        expected = int(np.argmax(information(cut, a, b, c)))
        assert select_item(posterior, a, b, c, np.ones(200, dtype=bool), method="cut", cuts=cuts) == expected
        np.testing.assert_array_equal(item_information(posterior, a, b, c, "cut", cuts), information(cut, a, b, c))
    assert nearest_cut(np.array([-3.0, -0.5, 0.4, 0.6, 5.0]), cuts).tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="cuts"):
        select_item(GridPosterior.prior(), a, b, c, np.ones(200, bool), method="cut")


def test_pick_takes_the_draws_position_among_the_k_best_ties_by_index():
    priority = np.array([0.5, 0.9, -np.inf, 0.9, 0.7, 0.1])
    # Best first, ties by index: items 1, 3, 4, 0, 5.
    assert [pick(priority, 3, draw) for draw in (0.0, 0.33, 0.34, 0.66, 0.67, 0.999)] == [1, 1, 3, 3, 4, 4]
    assert pick(priority, 1, 0.99) == 1
    assert pick(np.array([-np.inf, 2.0, -np.inf]), 5, 0.9) == 1  # fewer finite items than k
    with pytest.raises(ValueError, match="draw"):
        pick(priority, 3, 1.0)


def test_a_draw_makes_randomesque_selection_deterministic_and_uniform(items, posterior):
    available = np.ones(200, dtype=bool)
    top = np.argsort(-information(posterior.estimate().theta, *items), kind="stable")[:4]
    picks = [select_item(posterior, *items, available, top_k=4, draw=d) for d in (0.1, 0.3, 0.6, 0.9)]
    assert picks == top.tolist()


def test_information_peak_and_each_follow_the_3pl_formulas():
    a, b, c = np.array([0.8, 1.5, 2.0]), np.array([-1.0, 0.0, 1.0]), np.array([0.0, 0.25, 1 / 3])
    peak = information_peak(a, b, c)
    np.testing.assert_allclose(peak, b + np.log((1 + np.sqrt(1 + 8 * c)) / 2) / a)
    grid = np.linspace(-4, 4, 80001)
    np.testing.assert_allclose(peak, grid[np.argmax(information(grid, a, b, c), axis=0)], atol=1e-4)
    theta = np.array([0.3, -0.2, 2.0])
    np.testing.assert_array_equal(information_each(theta, a, b, c),
                                  [information(t, a[j:j + 1], b[j:j + 1], c[j:j + 1])[0]
                                   for j, t in enumerate(theta)])


def test_posterior_weighted_selection_on_a_large_bank_is_the_full_computations_choice():
    rng = np.random.default_rng(SEED + 6)
    m = 3000
    a, b = rng.lognormal(0.0, 0.3, m), rng.normal(0.0, 1.2, m)
    c = np.where(rng.random(m) < 0.5, 0.25, 0.0)
    for k in range(30):
        answered = rng.choice(m, k % 12, replace=False)
        posterior = update(GridPosterior.prior(), a[answered], b[answered], c[answered],
                           (rng.random(answered.size) < 0.6).astype(float))
        available = np.ones(m, dtype=bool)
        available[answered] = False
        weights = posterior.weights()
        kept = weights >= WEIGHT_FLOOR * weights.max()
        full = (weights[kept] / weights[kept].sum()) @ information(posterior.nodes[kept], a, b, c)
        full = np.where(available, full, -np.inf)
        assert select_item(posterior, a, b, c, available, method="pwi") == int(np.argmax(full))
        top = set(np.argsort(-full)[:3].tolist())
        assert {select_item(posterior, a, b, c, available, 3, method="pwi", draw=d) for d in (0.1, 0.5, 0.9)} == top


def test_two_content_constraints_multiply_and_each_narrows_only_while_items_remain():
    skills = np.array(["r", "r", "g", "g", "v"])
    types = np.array(["mc", "typed", "mc", "typed", "mc"])
    available = np.ones(5, dtype=bool)
    allowed, weight = balance(available, ((skills, {"r": 0.5, "g": 0.5}, {"r": 1, "g": 0}),
                                          (types, {"mc": 0.5, "typed": 0.5}, {"mc": 0, "typed": 1})))
    # n = 1: skill quotas 1 and 1 -> r 0, g 1; type quotas 1 and 1 -> mc 1, typed 0.
    assert allowed.tolist() == [False, False, True, False, False]
    np.testing.assert_allclose(np.broadcast_to(weight, (5,)), [0, 0, 1, 0, 0])
    # A constraint that would leave nothing is skipped.
    allowed, _ = balance(np.array([True, False, False, False, False]),
                         ((skills, {"r": 0.5, "g": 0.5}, {"r": 1, "g": 0}), (types, None, None)))
    assert allowed.tolist() == [True, False, False, False, False]
    with pytest.raises(ValueError, match="label"):
        balance(available, ((None, {"r": 1.0}, {}),))
