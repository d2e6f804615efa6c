"""Per-language growth parameters learned from the stored answers (an admin job, never a request).

:func:`fit_language` reads every stored answer of one language with the
answered item's current parameters (calibrated items fix the scale), fits the
growth model's drift, growth-rate distribution and population prior by
marginal likelihood (:func:`engine.growth.fit_growth`) and stores them in
``growth_fits``; :func:`api.services.ability.growth_parameters` then uses
them for that language's growth states and curves instead of the defaults.
"""
from __future__ import annotations

from datetime import datetime
from typing import TypedDict, cast

import numpy as np
from sqlmodel import Session

from api.errors import InvalidInput
from api.models import GrowthFit, utc
from api.services import answer_log
from api.services.ability import growth_parameters
from api.services.engine_adapter import GrowthParameters, GrowthParametersDict, fit_growth, log_marginal_likelihood

#: Fewer learners than this say too little about a population: the fit is refused.
MIN_LEARNERS = 3


class FittedGrowth(TypedDict):
    """A language's stored growth fit (a mapping: ``b1engine growth fit`` reads it by key)."""

    language: str
    params: GrowthParametersDict
    learners: int
    responses: int
    log_likelihood: float
    fitted_at: datetime


def fit_language(db: Session, language: str, now: datetime) -> FittedGrowth:
    """Fit and store the growth parameters of ``language``; returns what was stored."""
    log = answer_log.answers(db, language)
    learner = log.learner
    n_learners = int(np.unique(learner).size)
    if n_learners < MIN_LEARNERS:
        raise InvalidInput(f"language '{language}': answers of {n_learners} learners, "
                           f"at least {MIN_LEARNERS} needed to fit growth parameters", field="language")
    days, score, a, b, c = log.days, log.right, log.a, log.b, log.c
    start = growth_parameters(db, language)
    params: GrowthParameters = fit_growth(learner, days - days.min(), a, b, c, score, start=start)
    log_likelihood = log_marginal_likelihood(learner, days - days.min(), a, b, c, score, params)
    row = db.get(GrowthFit, language) or GrowthFit(language=language, params={}, learners=0,
                                                        responses=0, log_likelihood=0.0, fitted_at=now)
    row.params, row.learners, row.responses = dict(params.to_dict()), n_learners, len(log)
    row.log_likelihood, row.fitted_at = float(log_likelihood), now
    db.add(row)
    db.commit()
    return describe(row)


def describe(row: GrowthFit) -> FittedGrowth:
    # The column holds GrowthParameters.to_dict().
    params = cast(GrowthParametersDict, dict(row.params))
    return {"language": row.language, "params": params, "learners": row.learners,
            "responses": row.responses, "log_likelihood": row.log_likelihood,
            "fitted_at": utc(row.fitted_at)}
