"""The test design value: validation, the named designs, and its stop/select through the engine."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine import stopping
from engine.design import CLASSIFICATION, DESIGNS, PLACEMENT, PRECISION, REFERENCE, CATDesign
from engine.estimation import GridPosterior, update
from engine.models import information
from engine.simulate import CATDesign as SimulateCATDesign

SEED = 20261102


@pytest.mark.parametrize("changes, message", [
    ({"selection": "kl"}, "selection"),
    ({"estimator": "ml"}, "estimator"),
    ({"top_k": 0}, "top_k"),
    ({"top_k": 2.5}, "top_k"),
    ({"min_items": 10, "max_items": 5}, "min_items"),
    ({"min_items": 0}, "min_items"),
    ({"se_target": 0.0}, "se_target"),
    ({"prior_sd": 0.0}, "prior_sd"),
    ({"rule": "bayes"}, "rule"),
    ({"delta": 0.0}, "delta"),
    ({"alpha": 0.5}, "alpha"),
    ({"beta": 0.0}, "beta"),
    ({"curtail": 0.5}, "curtail"),
    ({"curtail": 1.0}, "curtail"),
    ({"curtail_se": -0.1}, "curtail_se"),
    ({"cuts": (0.0, -1.0)}, "cut scores"),
    ({"skill_targets": {"reading": -0.1, "grammar": 1.0}}, "skill_targets"),
    ({"type_targets": {"reading": 0.0}}, "type_targets"),
])
def test_invalid_designs_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        CATDesign(**changes)


def test_targets_are_kept_sorted_and_hashable_and_a_mapping_gives_the_same_design():
    from_mapping = CATDesign(skill_targets={"vocabulary": 0.3, "grammar": 0.7})
    from_pairs = CATDesign(skill_targets=(("grammar", 0.7), ("vocabulary", 0.3)))
    assert from_mapping == from_pairs and hash(from_mapping) == hash(from_pairs)
    assert from_mapping.skill_targets == (("grammar", 0.7), ("vocabulary", 0.3))
    assert from_mapping.skill_shares == {"grammar": 0.7, "vocabulary": 0.3}
    assert CATDesign().skill_shares is None and CATDesign().type_shares is None
    assert CATDesign(cuts=[-1, 0, 1]).cuts == (-1.0, 0.0, 1.0)
    # The name is a label only.
    assert replace(PRECISION, name="other") == PRECISION


def test_the_named_designs():
    assert DESIGNS == {"placement": PLACEMENT, "precision": PRECISION, "classification": CLASSIFICATION,
                       "reference": REFERENCE}
    assert SimulateCATDesign is CATDesign  # the old import path
    assert CATDesign() == PRECISION
    assert (PRECISION.selection, PRECISION.se_target, PRECISION.classify) == ("mfi", 0.3, False)
    assert (CLASSIFICATION.selection, CLASSIFICATION.se_target, CLASSIFICATION.classify) == ("cut", None, True)
    assert (CLASSIFICATION.rule, CLASSIFICATION.delta, CLASSIFICATION.alpha, CLASSIFICATION.beta) == \
        (stopping.RULE, stopping.INDIFFERENCE_HALF_WIDTH, stopping.ALPHA, stopping.BETA)
    assert CLASSIFICATION.curtails and (CLASSIFICATION.curtail, CLASSIFICATION.curtail_se) == (0.92, 0.25)
    assert PLACEMENT.classify and PLACEMENT.selection == "cut" and PLACEMENT.top_k == 3
    assert {label for label, _ in PLACEMENT.skill_targets} == {"vocabulary", "grammar", "reading", "functional"}
    assert {label for label, _ in PLACEMENT.type_targets} == {"multiple_choice", "cloze_choice", "cloze_typed",
                                                             "word_order", "reading"}
    assert (REFERENCE.min_items, REFERENCE.max_items, REFERENCE.se_target, REFERENCE.classify) == (40, 40, None, False)


def test_should_stop_is_the_engines_rule_and_a_curtailed_design_needs_the_bank():
    rng = np.random.default_rng(SEED)
    a, b, c = rng.lognormal(0, 0.3, 100), rng.normal(0, 1.2, 100), np.zeros(100)
    posterior = update(GridPosterior.prior(), a[:12], b[:12], c[:12], (rng.random(12) < 0.5).astype(float))
    plain = replace(CLASSIFICATION, curtail=None)
    assert plain.should_stop(posterior, 12) == stopping.should_stop(
        posterior, 12, cuts=plain.cuts, min_items=5, max_items=40, se_target=None, classify=True)
    with pytest.raises(ValueError, match="bank"):
        CLASSIFICATION.should_stop(posterior, 12)
    available = np.ones(100, dtype=bool)
    available[:12] = False
    theta = posterior.estimate().theta
    node = posterior.nodes[np.argmin(np.abs(posterior.nodes - theta))]
    future = stopping.future_information(information(node, a, b, c), available, 28)
    assert CLASSIFICATION.should_stop(posterior, 12, a, b, c, available) == stopping.should_stop(
        posterior, 12, cuts=CLASSIFICATION.cuts, min_items=5, max_items=40, se_target=None, classify=True,
        curtail=0.92, curtail_se=0.25, future=float(future))
    assert not CLASSIFICATION.should_stop(posterior, 3)  # before min_items the bank is not needed
    assert CLASSIFICATION.should_stop(posterior, 40)


def test_the_randomesque_set_narrows_from_the_opening_to_top_k():
    """Drawn from the max(top_k, opening_top_k / 2^answered) best: the 48th best can open a
    placement test, the 4th best no longer comes after 4 answers."""
    assert [PLACEMENT.randomesque(n) for n in (0, 1, 2, 3, 4, 5, 39, 100)] == [48, 24, 12, 6, 3, 3, 3, 3]
    assert [replace(PLACEMENT, opening_top_k=None).randomesque(n) for n in (0, 30)] == [3, 3]
    rng = np.random.default_rng(SEED + 2)
    a, b, c = rng.lognormal(0, 0.3, 300), rng.normal(0, 1.2, 300), np.zeros(300)
    available = np.ones(300, dtype=bool)
    design = replace(PLACEMENT, skill_targets=(), type_targets=())
    prior = design.prior()  # the level is open: information at the cut nearest the prior mean, 0
    ranked = np.argsort(-information(0.0, a, b, c), kind="stable")
    last = np.nextafter(1.0, 0.0)  # the draw that takes the last of the set
    assert design.select(prior, a, b, c, available, answered=0, draw=last) == ranked[47]
    assert design.select(prior, a, b, c, available, answered=3, draw=last) == ranked[5]
    assert design.select(prior, a, b, c, available, answered=4, draw=last) == ranked[2]
    assert design.select(prior, a, b, c, available, answered=4, draw=0.0) == ranked[0]
    with pytest.raises(ValueError, match="opening_top_k"):
        CATDesign(top_k=3, opening_top_k=2)


def test_select_targets_the_nearest_cut_while_the_level_is_open_then_the_eap():
    rng = np.random.default_rng(SEED + 1)
    a, b, c = rng.lognormal(0, 0.3, 300), rng.normal(0, 1.2, 300), np.zeros(300)
    available = np.ones(300, dtype=bool)
    design = replace(CLASSIFICATION, top_k=1, curtail=None)
    open_level = update(GridPosterior.prior(), np.ones(2), np.array([0.2, 0.4]), np.zeros(2), [1, 0])
    assert not design.decision(open_level).decided and design.criterion(open_level) == "cut"
    assert design.select(open_level, a, b, c, available, answered=2) == int(np.argmax(information(0.0, a, b, c)))
    decided = update(GridPosterior.prior(), np.full(30, 2.0), np.full(30, -2.0), np.zeros(30), np.zeros(30))
    assert design.decision(decided).decided and design.criterion(decided) == "mfi"
    theta = decided.estimate().theta
    assert design.select(decided, a, b, c, available, answered=30) == int(np.argmax(information(theta, a, b, c)))
    with pytest.raises(ValueError, match="rng"):
        replace(design, top_k=3).select(open_level, a, b, c, available, answered=2)
    with pytest.raises(ValueError, match="label"):
        PLACEMENT.select(open_level, a, b, c, available, rng=rng, answered=2)
