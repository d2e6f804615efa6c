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
    Method,
    content_mask,
    deficit_weights,
    exclude_served,
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
    assert METHODS == get_args(Method) == ("mfi", "pwi")
