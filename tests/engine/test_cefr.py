"""CEFR mapping: cut scores, levels, level probabilities."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from engine.cefr import (
    DEFAULT_CUTS,
    LEVELS,
    band_probabilities,
    cuts_for,
    level_index,
    level_of,
    level_probabilities,
    normal_level_probabilities,
)
from engine.estimation import GridPosterior


def test_levels_are_the_bands_between_the_cuts_with_a_cut_belonging_to_the_band_above():
    assert [level_of(t) for t in (-2.0, -1.0, -0.5, 0.0, 0.99, 1.0, 3.0)] == [
        "A1", "A2", "A2", "B1", "B1", "B2", "B2"]
    assert level_index(np.array([-5.0, -0.2, 0.4, 7.0]), (-1.0, 0.0, 1.0)).tolist() == [0, 1, 2, 3]
    assert level_index(0.5, (0.0,)) == 1
    with pytest.raises(ValueError, match="increasing"):
        level_index(0.0, (1.0, 0.0))
    with pytest.raises(ValueError, match="3 cut scores"):
        level_of(0.0, (0.0, 1.0))


def test_cut_scores_come_from_one_place_and_can_be_overridden_per_language_and_skill():
    overrides = {("nb", None): (-1.2, 0.1, 1.1), ("nb", "reading"): (-1.0, 0.2, 1.3)}
    assert cuts_for("en") == DEFAULT_CUTS
    assert cuts_for("nb", overrides=overrides) == (-1.2, 0.1, 1.1)
    assert cuts_for("nb", "grammar", overrides=overrides) == (-1.2, 0.1, 1.1)
    assert cuts_for("nb", "reading", overrides=overrides) == (-1.0, 0.2, 1.3)
    with pytest.raises(ValueError):
        cuts_for("it", overrides={("it", None): (0.0, 0.0, 1.0)})


@pytest.mark.parametrize("mean, sd", [(0.0, 1.0), (0.3, 0.35), (-1.1, 0.25), (2.0, 0.6)])
def test_level_probabilities_match_the_integral_of_the_posterior(mean, sd):
    posterior = GridPosterior.prior(mean, sd)
    probabilities = level_probabilities(posterior)
    assert list(probabilities) == list(LEVELS)
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-12)
    # The prior restricted to the grid, integrated band by band.
    density = stats.norm(mean, sd).pdf
    edges = [-6.0, *DEFAULT_CUTS, 6.0]
    total = integrate.quad(density, -6.0, 6.0)[0]
    expected = [integrate.quad(density, lo, hi)[0] / total for lo, hi in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(list(probabilities.values()), expected, atol=0.01)


@pytest.mark.parametrize("mean, sd", [(0.0, 1.0), (0.3, 0.35), (-1.1, 0.25), (2.0, 0.6)])
def test_normal_level_probabilities_are_the_normal_integral_over_each_band(mean, sd):
    probabilities = normal_level_probabilities(mean, sd)
    assert list(probabilities) == list(LEVELS)
    density = stats.norm(mean, sd).pdf
    edges = [-np.inf, *DEFAULT_CUTS, np.inf]
    expected = [integrate.quad(density, lo, hi)[0] for lo, hi in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(list(probabilities.values()), expected, atol=1e-9)
    # What the grid posterior holding the same normal gives (up to its grid resolution).
    gridded = level_probabilities(GridPosterior.prior(mean, sd))
    np.testing.assert_allclose(list(probabilities.values()), list(gridded.values()), atol=0.01)
    with pytest.raises(ValueError, match="se must be positive"):
        normal_level_probabilities(mean, 0.0)


def test_band_probabilities_work_for_any_number_of_cuts():
    p = band_probabilities(GridPosterior.prior(), (0.0,))
    np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-12)


def test_skill_levels_borrow_strength_from_the_rest_of_the_test():
    from engine.cefr import skill_levels
    from engine.estimation import update

    rng = np.random.default_rng(20261103)
    m = 24
    a, b, c = rng.lognormal(0, 0.2, m), rng.normal(0, 1, m), np.where(rng.random(m) < 0.5, 1 / 3, 0.0)
    skills = np.array(["grammar", "reading", "vocabulary"])[np.arange(m) % 3]
    scores = np.where(skills == "reading", 1.0, np.where(skills == "grammar", 0.0, (rng.random(m) < 0.5) * 1.0))
    levels = skill_levels(a, b, c, scores, skills)
    assert set(levels) == {"grammar", "reading", "vocabulary"} and all(x.items == 8 for x in levels.values())
    assert levels["reading"].theta > levels["vocabulary"].theta > levels["grammar"].theta
    # Exactly: the other skills' posterior, widened by the spread, updated with the skill's answers.
    own = skills == "reading"
    rest = update(GridPosterior.prior(), a[~own], b[~own], c[~own], scores[~own]).estimate()
    posterior = update(GridPosterior.prior(rest.theta, np.hypot(rest.se, 0.5)), a[own], b[own], c[own], scores[own])
    estimate = posterior.estimate()
    band = int(np.searchsorted(DEFAULT_CUTS, estimate.theta, side="right"))
    assert levels["reading"].theta == estimate.theta and levels["reading"].se == estimate.se
    assert levels["reading"].level == LEVELS[band]
    assert levels["reading"].probability == level_probabilities(posterior)[LEVELS[band]]
    # A tiny spread ties every skill to the whole test (up to the normal summary of the rest,
    # exact for a pattern without a skill far from the others) ...
    mixed = (rng.random(m) < 0.6).astype(float)
    tied = skill_levels(a, b, c, mixed, skills, spread=1e-3)
    whole = update(GridPosterior.prior(), a, b, c, mixed).estimate().theta
    assert all(abs(x.theta - whole) < 0.01 for x in tied.values())
    # ... and a wide one lets each skill stand alone.
    alone = skill_levels(a, b, c, scores, skills, spread=50.0)
    assert alone["reading"].theta - alone["grammar"].theta > levels["reading"].theta - levels["grammar"].theta
    with pytest.raises(ValueError, match="spread"):
        skill_levels(a, b, c, scores, skills, spread=0.0)


def test_pooled_skill_has_the_limits_of_the_hierarchical_model():
    from engine.cefr import pooled_skill

    # No answers in the skill (its estimate is the prior): the overall ability, widened by the spread.
    none = pooled_skill([0.0], [1.0], [-1.5], [0.3])
    assert none.theta[0] == pytest.approx(-1.5) and none.se[0] == pytest.approx(np.hypot(0.3, 0.5))
    # A skill estimate no sharper than the prior counts as no answers (its precision is not negative).
    assert pooled_skill([0.4], [1.2], [-1.5], [0.3]).theta[0] == pytest.approx(-1.5)
    # A skill measured sharply keeps its own estimate.
    sharp = pooled_skill([-2.0], [0.05], [-1.5], [0.3])
    assert sharp.theta[0] == pytest.approx(-2.0, abs=0.005) and sharp.se[0] == pytest.approx(0.05, rel=0.01)
    # Every answer in the skill: the rest is the prior alone, so the skill keeps nearly its own.
    alone = pooled_skill([0.8], [0.4], [0.8], [0.4])
    assert alone.theta[0] == pytest.approx(0.8 / 0.16 / (1 / 0.16 - 1 + 1 / 1.25), rel=1e-9)
    with pytest.raises(ValueError, match="spread"):
        pooled_skill([0.0], [1.0], [0.0], [0.3], spread=0.0)


def _grid_estimates(a, b, c, scores, skills, skill):
    from engine.estimation import update

    own = skills == skill
    alone = update(GridPosterior.prior(), a[own], b[own], c[own], scores[own]).estimate()
    overall = update(GridPosterior.prior(), a, b, c, scores).estimate()
    return alone, overall


def test_pooled_skill_agrees_with_the_grid_computation_of_one_test():
    """The normal form of skill_levels' model: from the skill's own estimate and the overall one
    it gives what the grid gives from the answers (independent computations, up to the normal
    summaries of 3PL posteriors)."""
    from engine.cefr import pooled_skill, skill_levels

    rng = np.random.default_rng(7)
    gaps = []
    for _ in range(40):
        m = 30
        a, b, c = rng.lognormal(0, 0.2, m), rng.normal(0, 1, m), np.where(rng.random(m) < 0.5, 1 / 3, 0.0)
        skills = np.array(["grammar", "reading", "vocabulary", "functional"])[rng.integers(0, 4, m)]
        # Skills apart from the whole: grammar half a logit above, reading half below.
        theta = rng.normal(0, 1) + np.array([{"grammar": 0.5, "reading": -0.5}.get(s, 0.0) for s in skills])
        scores = (rng.random(m) < c + (1 - c) / (1 + np.exp(-a * (theta - b)))).astype(float)
        grid = skill_levels(a, b, c, scores, skills)
        for skill, level in grid.items():
            alone, overall = _grid_estimates(a, b, c, scores, skills, skill)
            pooled = pooled_skill([alone.theta], [alone.se], [overall.theta], [overall.se])
            gaps += [abs(pooled.theta[0] - level.theta), abs(pooled.se[0] - level.se)]
    print(f"{max(gaps):.3f} {np.mean(gaps):.4f}")
    assert max(gaps) < 0.1 and np.mean(gaps) < 0.02, (max(gaps), np.mean(gaps))


def test_pooled_skills_are_nearer_the_truth_than_skills_alone():
    """Simulation with known truth: 2,000 learners, skill = overall + N(0, 0.5²), a 24-item test
    whose reading part has 3 items; the pooled estimate beats the skill's own."""
    from engine.cefr import pooled_skill

    rng = np.random.default_rng(11)
    errors = {"pooled": [], "alone": []}
    skills = np.array(["grammar"] * 11 + ["vocabulary"] * 10 + ["reading"] * 3)
    for _ in range(2000):
        a, b, c = rng.lognormal(0, 0.2, 24), rng.normal(0, 1, 24), np.full(24, 0.25)
        overall = rng.normal(0, 1)
        own = {s: overall + rng.normal(0, 0.5) for s in ("grammar", "vocabulary", "reading")}
        theta = np.array([own[s] for s in skills])
        scores = (rng.random(24) < c + (1 - c) / (1 + np.exp(-a * (theta - b)))).astype(float)
        alone, whole = _grid_estimates(a, b, c, scores, skills, "reading")
        pooled = pooled_skill([alone.theta], [alone.se], [whole.theta], [whole.se])
        errors["pooled"].append(pooled.theta[0] - own["reading"])
        errors["alone"].append(alone.theta - own["reading"])
    rmse = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errors.items()}
    assert rmse["pooled"] < 0.85 * rmse["alone"], rmse


@given(skill_theta=st.floats(-4, 4), skill_se=st.floats(0.0, 2.0), overall_theta=st.floats(-4, 4),
       overall_se=st.floats(0.0, 2.0), spread=st.floats(0.05, 2.0), step=st.floats(0.01, 1.0))
def test_a_pooled_skill_is_finite_no_wider_than_its_prior_and_follows_both_estimates(
        skill_theta, skill_se, overall_theta, overall_se, spread, step):
    """Whatever the two estimates (an SD of 0 included): a finite estimate with a positive SD no
    wider than the prior the rest can give the skill, N(0, 1 + τ²) at the widest; and a higher
    skill estimate, or a higher overall one, never lowers it."""
    from engine.cefr import pooled_skill

    def pooled(s_theta, o_theta):
        found = pooled_skill([s_theta], [skill_se], [o_theta], [overall_se], spread=spread)
        return float(found.theta[0]), float(found.se[0])

    theta, se = pooled(skill_theta, overall_theta)
    assert np.isfinite(theta) and 0 < se <= np.sqrt(1 + spread**2) + 1e-12
    assert pooled(skill_theta + step, overall_theta)[0] >= theta - 1e-9
    assert pooled(skill_theta, overall_theta + step)[0] >= theta - 1e-9
