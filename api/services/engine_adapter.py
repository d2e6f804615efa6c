"""The service's one door to the engine (and the calibrator).

Everything the service asks of the statistics goes through here: posteriors and
their levels, item selection and stopping, growth states, calibration. It
adapts database values (rows, JSON dicts, language codes) to the engine's
arrays and frozen results and computes nothing itself. Imported at module
level, so a worker loads the engine (and scipy) while it starts, before it
takes requests and before its start-up objects are frozen out of the cycle
collector (``api.commands.serve``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict, cast

import numpy as np

from calibration.fit import MIN_FIT_RESPONSES, ItemFit, mean_squares, predictive_moments
from calibration.recalibrate import CurrentItem, ItemOutcome, Parameters, Recalibration
from calibration.recalibrate import Rules as RecalibrationRules
from calibration.recalibrate import recalibrate as _recalibrate
from content.catalog import LEVELS as LEVEL_NAMES
from content.catalog import Level
from engine import cefr, selection
from engine.cefr import pooled_skill
from engine.design import PLACEMENT, CATDesign
from engine.estimation import AbilityEstimate, GridPosterior, PosteriorDict, update
from engine.growth import (
    SECONDS_PER_DAY,
    GrowthParameters,
    GrowthParametersDict,
    GrowthState,
    GrowthStateDict,
    GrowthTrack,
    WindowGains,
    filter_abilities,
    fit_growth,
    log_marginal_likelihood,
    window_gains,
)
from engine.models import probability
from engine.triage import KINDS as TRIAGE_KINDS
from engine.triage import Evidence, Practice, Triage, TriageRules, gather, triage

__all__ = [
    "DEFAULT_RECALIBRATION_RULES",
    "LEVELS",
    "MIN_FIT_RESPONSES",
    "MIN_SE",
    "SECONDS_PER_DAY",
    "TRIAGE_KINDS",
    "AbilityEstimate",
    "CATDesign",
    "CurrentItem",
    "Evidence",
    "GridPosterior",
    "GrowthParameters",
    "GrowthParametersDict",
    "GrowthState",
    "GrowthStateDict",
    "GrowthTrack",
    "ItemFit",
    "ItemOutcome",
    "Level",
    "LevelEstimate",
    "LevelEstimateDict",
    "Parameters",
    "PosteriorDict",
    "Practice",
    "Recalibration",
    "RecalibrationRules",
    "SkillLevelDict",
    "Triage",
    "TriageRules",
    "WindowGains",
    "as_level",
    "cuts_for",
    "estimate_of",
    "filter_abilities",
    "fit_growth",
    "gather",
    "item_fit",
    "level_of",
    "log_marginal_likelihood",
    "normal_estimate",
    "placement_design",
    "placement_next",
    "pooled_skill",
    "prior_posterior",
    "probability",
    "recalibrate",
    "select_practice",
    "skill_levels",
    "triage",
    "update_posterior",
    "window_gains",
]

#: Smallest SD used when an estimate is turned back into a grid posterior or a normal.
MIN_SE = 0.05


def as_level(name: str) -> Level:
    """A level name the engine returned, as the catalog's type (:mod:`content.catalog` checks
    at import that its levels are the engine's)."""
    if name not in LEVEL_NAMES:
        raise ValueError(f"not a CEFR level: {name!r}")
    return cast(Level, name)


#: The CEFR levels the engine reports, lowest first.
LEVELS: tuple[Level, ...] = tuple(as_level(name) for name in cefr.LEVELS)


class LevelEstimateDict(TypedDict):
    """:meth:`LevelEstimate.to_dict` (stored in answers' and sessions' results)."""

    theta: float
    se: float
    level: Level
    level_probabilities: dict[str, float]


@dataclass(frozen=True)
class LevelEstimate:
    """An ability estimate in the terms a learner and a teacher read: θ, its SE, the CEFR
    level and the probability of each level."""

    theta: float
    se: float
    level: Level
    level_probabilities: dict[str, float]

    def to_dict(self) -> LevelEstimateDict:
        return {"theta": self.theta, "se": self.se, "level": self.level,
                "level_probabilities": dict(self.level_probabilities)}


def cuts_for(language: str, skill: str | None = None) -> tuple[float, ...]:
    """Theta cut scores between A1|A2|B1|B2: the engine's table, per language and skill."""
    return cefr.cuts_for(language, skill)


def level_width(language: str, skill: str | None = None) -> float:
    """One CEFR level in logits: the mean width of a band between the language's (skill's) cuts,
    what a gain or an SE is divided by to be said in levels (1 with a single cut)."""
    cuts = cuts_for(language, skill)
    return (cuts[-1] - cuts[0]) / (len(cuts) - 1) if len(cuts) > 1 else 1.0


def level_of(theta: float, language: str, skill: str | None = None) -> Level:
    return as_level(str(cefr.level_of(float(theta), cuts_for(language, skill))))


def prior_posterior(mean: float = 0.0, sd: float = 1.0) -> GridPosterior:
    """The engine's grid prior (a placement test starts from N(0, 1); a drill from the learner's
    current estimate, its SD at least :data:`MIN_SE`)."""
    return GridPosterior.prior(mean=mean, sd=max(sd, MIN_SE))


def update_posterior(posterior: GridPosterior, a: float, b: float, c: float,
                     right: bool) -> GridPosterior:
    """Bayes update with one dichotomous answer."""
    return update(posterior, a, b, c, int(right))


def estimate_of(posterior: GridPosterior, language: str, skill: str | None = None) -> LevelEstimate:
    """The posterior's mean, SD, level and level probabilities."""
    cuts = cuts_for(language, skill)
    estimate = posterior.estimate()
    probabilities = cefr.level_probabilities(posterior, cuts)
    return LevelEstimate(theta=float(estimate.theta), se=float(estimate.se),
                         level=as_level(str(cefr.level_of(float(estimate.theta), cuts))),
                         level_probabilities={str(k): float(v) for k, v in probabilities.items()})


def normal_estimate(theta: float, se: float, language: str, skill: str | None = None) -> LevelEstimate:
    """The same for an estimate taken as normal (a growth state's)."""
    cuts = cuts_for(language, skill)
    probabilities = cefr.normal_level_probabilities(theta, max(se, MIN_SE), cuts)
    return LevelEstimate(theta=float(theta), se=float(se), level=level_of(theta, language, skill),
                         level_probabilities={str(k): float(v) for k, v in probabilities.items()})


def placement_design(language: str) -> CATDesign:
    """The service's placement test (:data:`engine.design.PLACEMENT`, the design
    ``b1engine simulate-cat --design placement`` simulates) at the language's cuts."""
    cuts = cuts_for(language)
    return PLACEMENT if cuts == PLACEMENT.cuts else replace(PLACEMENT, cuts=cuts)


def select_practice(posterior: GridPosterior, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                    available: np.ndarray, *, target: float, rng: np.random.Generator) -> int:
    """Index of a drill's next item: the one nearest ``target`` success."""
    return int(selection.select_practice(posterior, a, b, c, available, target=target, rng=rng))


def placement_next(design: CATDesign, posterior: GridPosterior, answered: int, a: np.ndarray,
                   b: np.ndarray, c: np.ndarray, available: np.ndarray, rng: np.random.Generator, *,
                   skills: Sequence[str], types: Sequence[str], skill_counts: Mapping[str, int],
                   type_counts: Mapping[str, int]) -> int | None:
    """Index of a placement test's next item under ``design``, None when the test ends: its
    stopping rule (length bounds, classification at the cuts, curtailment against what the items
    still ``available`` could add) or no item left. The selection is at the nearest cut, with
    content balance over skills and types given the items served so far and a randomesque
    choice that narrows as the test goes on."""
    # One classification at the cuts, read by the stopping rule and the selection alike.
    decision = design.decision(posterior)
    if design.should_stop(posterior, answered, a, b, c, available, decision=decision) or not available.any():
        return None
    return int(design.select(posterior, a, b, c, available, rng, skills=skills, types=types,
                             skill_counts=skill_counts, type_counts=type_counts, answered=answered,
                             decision=decision))


class SkillLevelDict(TypedDict):
    """One skill's level from a placement test (stored in the session's result)."""

    theta: float
    se: float
    level: Level
    probability: float
    items: int


def skill_levels(a: np.ndarray, b: np.ndarray, c: np.ndarray, right: np.ndarray, skills: Sequence[str],
                 language: str) -> dict[str, SkillLevelDict]:
    """A level per skill with its probability from one test's answers
    (:func:`engine.cefr.skill_levels`, the early skills mapping)."""
    found = cefr.skill_levels(a, b, c, np.asarray(right, dtype=float), list(skills), cuts_for(language))
    return {skill: {"theta": float(v.theta), "se": float(v.se), "level": as_level(v.level),
                    "probability": float(v.probability), "items": int(v.items)}
            for skill, v in found.items()}


def item_fit(item: np.ndarray, right: np.ndarray, theta_before: np.ndarray, se_before: np.ndarray,
             a: np.ndarray, b: np.ndarray, c: np.ndarray, n_items: int) -> ItemFit:
    """Infit and outfit of items ``0 .. n_items - 1`` from answers (``item[i]`` answered right
    or not) and each learner's estimate just before the answer: residuals against the
    predictive probability (:func:`calibration.fit.predictive_moments`)."""
    return mean_squares(item, np.asarray(right, dtype=float), predictive_moments(theta_before, se_before, a, b, c),
                        n_items)


#: The recalibration rules' defaults (``calibration/defaults.py``), for settings left unset.
DEFAULT_RECALIBRATION_RULES = RecalibrationRules()


def recalibrate(learners: np.ndarray, item_ids: np.ndarray, scores: np.ndarray,
                current: Mapping[str, CurrentItem], rules: RecalibrationRules) -> Recalibration:
    """One language's items refitted on its answers, on the current scale, and the rules'
    decision for each (:func:`calibration.recalibrate.recalibrate`)."""
    return _recalibrate(learners, item_ids, scores, current, rules)
