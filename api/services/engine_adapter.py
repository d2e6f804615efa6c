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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from calibration import Calibrator
from engine import cefr, selection, stopping
from engine.estimation import GridPosterior, update
from engine.growth import (SECONDS_PER_DAY, GrowthParameters, GrowthState, GrowthTrack, filter_abilities, fit_growth,
                           log_marginal_likelihood)
from engine.models import probability

__all__ = ["SECONDS_PER_DAY", "GridPosterior", "GrowthParameters", "GrowthState", "GrowthTrack", "LevelEstimate",
           "LEVELS", "cuts_for", "estimate_of", "filter_abilities", "fit_items", "level_of", "MIN_SE",
           "fit_growth", "log_marginal_likelihood", "normal_estimate", "placement_should_stop", "probability", "prior_posterior", "select_item",
           "update_posterior"]

#: The CEFR levels the engine reports, lowest first.
LEVELS: tuple[str, ...] = tuple(cefr.LEVELS)
#: Smallest SD used when an estimate is turned back into a grid posterior or a normal.
MIN_SE = 0.05


@dataclass(frozen=True)
class LevelEstimate:
    """An ability estimate in the terms a learner and a teacher read: θ, its SE, the CEFR
    level and the probability of each level."""

    theta: float
    se: float
    level: str
    level_probabilities: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"theta": self.theta, "se": self.se, "level": self.level,
                "level_probabilities": dict(self.level_probabilities)}


def cuts_for(language: str, skill: str | None = None) -> tuple[float, ...]:
    """Theta cut scores between A1|A2|B1|B2: the engine's table, per language and skill."""
    return cefr.cuts_for(language, skill)


def level_of(theta: float, language: str, skill: str | None = None) -> str:
    return str(cefr.level_of(float(theta), cuts_for(language, skill)))


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
                         level=str(cefr.level_of(float(estimate.theta), cuts)),
                         level_probabilities={str(k): float(v) for k, v in probabilities.items()})


def normal_estimate(theta: float, se: float, language: str, skill: str | None = None) -> LevelEstimate:
    """The same for an estimate taken as normal (a growth state's)."""
    cuts = cuts_for(language, skill)
    probabilities = cefr.normal_level_probabilities(theta, max(se, MIN_SE), cuts)
    return LevelEstimate(theta=float(theta), se=float(se), level=level_of(theta, language, skill),
                         level_probabilities={str(k): float(v) for k, v in probabilities.items()})


def select_item(posterior: GridPosterior, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                available: np.ndarray, *, practice: bool, target: float, top_k: int,
                rng: np.random.Generator) -> int:
    """Index of the next item: nearest ``target`` success (practice) or most informative among
    the ``top_k`` best (a test)."""
    if practice:
        return int(selection.select_practice(posterior, a, b, c, available, target=target, rng=rng))
    return int(selection.select_item(posterior, a, b, c, available, top_k=top_k, rng=rng))


def placement_should_stop(posterior: GridPosterior, answered: int, *, min_items: int,
                          max_items: int, se_target: float) -> bool:
    """The engine's precision rule (length bounds and SE target)."""
    return bool(stopping.should_stop(posterior, answered, min_items=min_items,
                                     max_items=max_items, se_target=se_target))


def fit_items(learners: np.ndarray, item_ids: np.ndarray, scores: np.ndarray,
              anchors: Mapping[str, tuple[float, float, float]]) -> dict[str, dict[str, Any]]:
    """Item parameters (2PL) fitted on long-format responses, anchored items held fixed.

    Items answered by fewer than two learners are left out (the calibrator
    reports them as ``insufficient_data`` with no parameters).
    """
    fitted = Calibrator(anchors=dict(anchors)).fit(learners, item_ids, scores)
    return {str(i): {"a": float(a), "b": float(b), "c": float(c), "se_b": float(se)}
            for i, a, b, c, se, status in zip(fitted.item_ids_, fitted.a_, fitted.b_, fitted.c_,
                                               fitted.se_b_, fitted.status_)
            if status != "insufficient_data"}
