"""CEFR levels on the theta scale: cut scores, theta -> level, level probabilities.

The cut scores are the one place the default CEFR scale is defined; they can be
overridden per language and skill (:data:`CUT_OVERRIDES`, or a mapping passed
to :func:`cuts_for`). The level of :math:`\\theta` is the band between
consecutive cuts: below the first cut is A1, above the last B2; a theta exactly
on a cut belongs to the band above it. :func:`skill_levels` gives a level per
skill, with its probability, from one test's answers.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
from scipy import special

from engine.estimation import PRIOR_MEAN, PRIOR_SD, AbilityEstimate, GridPosterior, update

#: The levels the engine reports, lowest first.
LEVELS = ("A1", "A2", "B1", "B2")
#: Default cut scores between A1|A2, A2|B1 and B1|B2 on the logit scale.
DEFAULT_CUTS = (-1.0, 0.0, 1.0)
#: Cut scores set from a standard-setting study, by ``(language, skill)``;
#: ``skill=None`` covers every skill of the language. Empty until one is run.
CUT_OVERRIDES: Mapping[tuple[str, str | None], tuple[float, ...]] = MappingProxyType({})
#: Distinct cut-score tuples whose check is remembered (a handful per language and skill).
CHECKED_CUTS_CACHE_SIZE = 256

#: Cut scores as the functions here take them: increasing floats, as a sequence or an array.
CutScores = Sequence[float] | np.ndarray


def check_cuts(cuts: CutScores) -> np.ndarray:
    """Cut scores as a float array; raises ``ValueError`` unless finite and strictly increasing.

    A tuple (what :func:`cuts_for` returns) is checked once and its read-only array
    reused: the service asks for the level of every estimate it reports.
    """
    if isinstance(cuts, tuple):
        return _checked_tuple(cuts)
    return _checked(np.asarray(cuts, dtype=float))


def _checked(cuts: np.ndarray) -> np.ndarray:
    if cuts.ndim != 1 or cuts.size == 0 or not np.all(np.isfinite(cuts)) or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"cut scores must be finite and strictly increasing, got {cuts.tolist()}")
    return cuts


@lru_cache(maxsize=CHECKED_CUTS_CACHE_SIZE)
def _checked_tuple(cuts: tuple[float, ...]) -> np.ndarray:
    checked = _checked(np.array(cuts, dtype=float))
    checked.setflags(write=False)
    return checked


def cuts_for(language: str, skill: str | None = None,
             overrides: Mapping[tuple[str, str | None], Sequence[float]] | None = None) -> tuple[float, ...]:
    """Cut scores for a language and skill.

    Looks up ``(language, skill)``, then ``(language, None)`` in ``overrides``
    (default :data:`CUT_OVERRIDES`), else :data:`DEFAULT_CUTS`.
    """
    table = CUT_OVERRIDES if overrides is None else overrides
    for key in ((language, skill), (language, None)):
        if key in table:
            return tuple(float(x) for x in check_cuts(table[key]))
    return DEFAULT_CUTS


def level_index(theta, cuts: CutScores = DEFAULT_CUTS) -> np.ndarray:
    """Band of each ``theta``: 0 below the first cut, ``len(cuts)`` above the last."""
    return np.searchsorted(check_cuts(cuts), np.asarray(theta, dtype=float), side="right")


def _named(cuts: CutScores) -> np.ndarray:
    checked = check_cuts(cuts)
    if checked.size != len(LEVELS) - 1:
        raise ValueError(f"{len(LEVELS)} levels need {len(LEVELS) - 1} cut scores, got {checked.size}")
    return checked


def level_of(theta: float, cuts: CutScores = DEFAULT_CUTS) -> str:
    """The CEFR level (a name from :data:`LEVELS`) of one ability."""
    return LEVELS[int(level_index(float(theta), _named(cuts)))]


def band_probabilities(posterior, cuts: CutScores = DEFAULT_CUTS) -> np.ndarray:
    """Posterior mass of each band between the cuts, shape ``(len(cuts) + 1,)``, summing to 1.

    Each grid node stands for the cell :math:`[\\theta_q - h/2, \\theta_q + h/2]`
    with its mass spread evenly over it, so a cut inside a cell splits the
    cell's mass in proportion (the midpoint rule's own reading of the grid):

    .. math::

        \\Pr(\\theta < t) = \\sum_q w_q \\,\\min\\!\\big(1, \\max(0, (t - \\theta_q)/h + 1/2)\\big).
    """
    checked = check_cuts(cuts)
    nodes, weights = posterior.nodes, posterior.weights()
    spacing = nodes[1] - nodes[0]
    below = np.clip((checked[:, np.newaxis] - nodes) / spacing + 0.5, 0.0, 1.0) @ weights
    below = np.minimum(np.maximum.accumulate(below), 1.0)  # monotone despite rounding
    return np.diff(np.concatenate([[0.0], below, [1.0]]))


def normal_level_probabilities(theta: float, se: float,
                               cuts: CutScores = DEFAULT_CUTS) -> dict[str, float]:
    """Probability of each CEFR level when ability is normal with mean ``theta`` and SD ``se``.

    .. math::

        \\Pr(\\text{band } k) = \\Phi\\!\\left(\\frac{t_{k+1} - \\theta}{se}\\right)
                              - \\Phi\\!\\left(\\frac{t_k - \\theta}{se}\\right),
        \\quad t_0 = -\\infty,\\ t_K = +\\infty.

    The closed form of what :func:`level_probabilities` gives for a grid posterior
    holding that normal (used for stored estimates kept as mean and SD).
    """
    if not se > 0:
        raise ValueError(f"se must be positive, got {se}")
    below = special.ndtr((_named(cuts) - float(theta)) / float(se))
    return dict(zip(LEVELS, np.diff(np.concatenate([[0.0], below, [1.0]])).tolist()))


def level_probabilities(posterior, cuts: CutScores = DEFAULT_CUTS) -> dict[str, float]:
    """Posterior probability of each CEFR level, e.g. ``{"A1": 0.01, ..., "B1": 0.84, ...}``."""
    return dict(zip(LEVELS, band_probabilities(posterior, _named(cuts)).tolist()))


#: Prior SD (logits) of a learner's ability in one skill around their overall ability
#: (:func:`skill_levels`): a skill a full band (one logit) away from the rest is a two-SD case.
SKILL_SPREAD = 0.5


#: Smallest variance :func:`pooled_skill` takes an estimate to have (logit²).
MIN_VARIANCE = 1e-8


def _check_spread(spread: float) -> None:
    if not spread > 0:
        raise ValueError(f"spread must be > 0, got {spread}")


def pooled_skill(skill_theta, skill_se, overall_theta, overall_se, prior_mean: float = PRIOR_MEAN,
                 prior_sd: float = PRIOR_SD, spread: float = SKILL_SPREAD) -> AbilityEstimate[np.ndarray]:
    """A skill's ability from its own estimate and the overall one, by the model of
    :func:`skill_levels` (skill = overall + :math:`N(0, \\tau^2)`), in normal form.

    The skill's estimate :math:`N(m_s, v_s)` was made from the skill's answers alone with
    the population prior :math:`N(\\mu_0, \\sigma_0^2)`; the overall one :math:`N(m_o, v_o)`
    from all answers with the same prior. In precisions and precision-weighted means:

    .. math::

        \\lambda_s = v_s^{-1} - \\sigma_0^{-2}, \\quad \\eta_s = m_s v_s^{-1} - \\mu_0\\sigma_0^{-2}
        \\qquad \\text{(the skill's answers alone)},

        \\lambda_r = v_o^{-1} - \\lambda_s, \\quad \\eta_r = m_o v_o^{-1} - \\eta_s
        \\qquad \\text{(the other answers and the prior)},

        v = \\Bigl(\\frac{1}{\\lambda_r^{-1} + \\tau^2} + \\lambda_s\\Bigr)^{-1}, \\quad
        m = v\\Bigl(\\frac{\\eta_r/\\lambda_r}{\\lambda_r^{-1} + \\tau^2} + \\eta_s\\Bigr):

    the rest of the answers give the skill a prior :math:`N(\\eta_r/\\lambda_r,
    \\lambda_r^{-1} + \\tau^2)`, which the skill's own answers update (Gaussian
    hierarchical pooling; Gelman et al., *Bayesian Data Analysis*, 3rd ed., § 5.4).
    :math:`\\lambda_s` is at least 0 (a skill estimate as wide as the prior has no answers
    in it) and :math:`\\lambda_r` at least :math:`\\sigma_0^{-2}` (the rest holds the prior
    at least). A skill with few answers is drawn towards the learner's overall ability, not
    towards the population's; one with many keeps its own.

    Parameters
    ----------
    skill_theta, skill_se, overall_theta, overall_se : array_like, shape (n,)
        The two estimates at the same moments.
    prior_mean, prior_sd : float
        The population prior both were made with.
    spread : float
        :math:`\\tau > 0`.
    """
    _check_spread(spread)
    # An SD of 0 would be infinite precision: no estimate from answers is that sure.
    m_s, v_s, m_o, v_o = (np.asarray(x, dtype=float) for x in (
        skill_theta, np.maximum(np.square(skill_se), MIN_VARIANCE), overall_theta,
        np.maximum(np.square(overall_se), MIN_VARIANCE)))
    prior_precision = 1.0 / prior_sd**2
    own = np.maximum(1.0 / v_s - prior_precision, 0.0)
    own_mean = np.where(own > 0, m_s / v_s - prior_mean * prior_precision, 0.0)
    rest = 1.0 / v_o - own
    rest_mean = np.where(rest > prior_precision, m_o / v_o - own_mean, prior_mean * prior_precision)
    rest = np.maximum(rest, prior_precision)
    prior_variance = 1.0 / rest + spread**2
    variance = 1.0 / (1.0 / prior_variance + own)
    return AbilityEstimate(variance * (rest_mean / rest / prior_variance + own_mean), np.sqrt(variance))


@dataclass(frozen=True)
class SkillLevel:
    """One skill's estimate from a test (:func:`skill_levels`): EAP, posterior SD, the level
    (a name from :data:`LEVELS`), its posterior probability, and the skill's items answered."""

    theta: float
    se: float
    level: str
    probability: float
    items: int


def skill_levels(a, b, c, scores, skills, cuts: CutScores = DEFAULT_CUTS, *, prior_mean: float = 0.0,
                 prior_sd: float = 1.0, spread: float = SKILL_SPREAD) -> dict[str, SkillLevel]:
    """A level per skill with its probability, from one test's answers (an early skills mapping).

    A skill's ability is the learner's overall ability plus a deviation
    :math:`N(0, \\tau^2)`, :math:`\\tau` = ``spread``. For skill :math:`s` the
    answers on the other skills give the overall ability's posterior (grid, prior
    :math:`N(\\mu_0, \\sigma_0^2)`), summarised as :math:`N(\\mu_{-s}, \\sigma_{-s}^2)`;
    the skill's prior is then :math:`N(\\mu_{-s}, \\sigma_{-s}^2 + \\tau^2)`, updated
    on the grid with the skill's own answers. A skill with few items borrows
    strength from the rest of the test (it is shrunk towards it); one with many
    is measured by its own. The level is the band of the EAP, its probability the
    posterior mass of that band (:func:`band_probabilities`).

    Parameters
    ----------
    a, b, c, scores : array_like, shape (m,)
        The items answered and their 0/1 scores.
    skills : sequence of str, shape (m,)
        Each item's skill; skills without items are left out of the result.
    cuts : sequence of float
        The cut scores (four levels need three).
    prior_mean, prior_sd : float
        The population prior of the overall ability.
    spread : float
        :math:`\\tau > 0`.
    """
    _check_spread(spread)
    checked = _named(cuts)
    a, b, c, scores = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, b, c, scores))
    labels = np.asarray(skills, dtype=object).astype(str)
    if not (a.shape == b.shape == c.shape == scores.shape == labels.shape):
        raise ValueError("a, b, c, scores and skills must have one shape (m,)")
    result: dict[str, SkillLevel] = {}
    for skill in sorted(set(labels.tolist())):
        own = labels == skill
        rest = update(GridPosterior.prior(prior_mean, prior_sd), a[~own], b[~own], c[~own], scores[~own]) \
            if np.any(~own) else GridPosterior.prior(prior_mean, prior_sd)
        overall = rest.estimate()
        prior = GridPosterior.prior(overall.theta, float(np.hypot(overall.se, spread)))
        posterior = update(prior, a[own], b[own], c[own], scores[own])
        estimate = posterior.estimate()
        band = int(level_index(estimate.theta, checked))
        result[skill] = SkillLevel(estimate.theta, estimate.se, LEVELS[band],
                                   float(band_probabilities(posterior, checked)[band]), int(own.sum()))
    return result
