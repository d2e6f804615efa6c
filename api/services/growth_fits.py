"""Per-language growth parameters learned from the stored answers (an admin job, never a request).

:func:`fit_language` reads every stored answer of one language with the
answered item's current parameters (calibrated items fix the scale), fits the
growth model's drift, growth-rate distribution and population prior by
marginal likelihood (:func:`engine.growth.fit_growth`) and, unless a dry run,
stores them as a new version (``growth_fit_versions``: who, when, the version it
replaces) and as the live values (``growth_fits``), which
:func:`api.services.ability.growth_parameters` then uses for that language's
growth states and curves instead of the defaults.

Storing a fit starts the language's growth states afresh, as a calibration does
(:mod:`api.services.parameter_versions`): a stored state is then always every answer
replayed under the live parameters, so undoing a later calibration gives back exactly
what learners saw before it. A fit is undone by :func:`rollback` (the newest change
of the language only: the changes of a language's parameters are undone as a stack).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np
from sqlmodel import Session, col, select

from api.db import begin_write
from api.errors import Conflict, InvalidInput, NotFound
from api.models import GrowthFit, GrowthFitVersion, utc
from api.services import answer_log, parameter_versions
from api.services.ability import growth_parameters
from api.services.engine_adapter import (
    GrowthParameters,
    GrowthParametersDict,
    filter_abilities,
    fit_growth,
    level_of,
    log_marginal_likelihood,
)

#: Fewer learners than this say too little about a population: the fit is refused. The fit
#: estimates spreads between learners (of starting ability and of growth rate); an SD from n
#: learners has a relative standard error of about 1/sqrt(2n): 32 % at 5 learners, where one
#: learner's odd weeks move every other learner's estimate, 13 % at 30.
MIN_LEARNERS = 30
#: Versions listed by ``b1engine growth list`` when not told otherwise.
LIST_DEFAULT = 20


@dataclass(frozen=True)
class GrowthFitOut:
    """A growth fit: stored (a version), or what a dry run would store."""

    language: str
    params: GrowthParametersDict
    learners: int
    responses: int
    log_likelihood: float
    fitted_at: datetime
    #: The version's number (None: a dry run, nothing stored).
    id: int | None = None
    fitted_by: str | None = None
    #: The version it replaced (None: the engine's defaults, or not kept: ``replaced_kept``).
    replaces: int | None = None
    replaced_kept: bool = True
    #: The parameters before it (None: the engine's defaults; unknown when not ``replaced_kept``).
    previous: GrowthParametersDict | None = None
    rolled_back_at: datetime | None = None
    rolled_back_by: str | None = None
    live: bool = False
    #: Learners whose level the fit changes (changed, for a stored fit; None when not measured).
    levels_changed: int | None = None
    learners_evaluated: int | None = None
    largest_theta_change: float | None = None


@dataclass(frozen=True)
class _Shifts:
    evaluated: int
    levels_changed: int
    largest: float


def _shifts(log: answer_log.AnswerArrays, language: str, before: GrowthParameters,
            after: GrowthParameters) -> _Shifts:
    """Every learner's estimate after their last answer under the growth parameters before
    and after (the filter their growth state runs), and how many change level."""
    old = filter_abilities(log.learner, log.days, log.a, log.b, log.c, log.right, before)
    new = filter_abilities(log.learner, log.days, log.a, log.b, log.c, log.right, after)
    last = len(log.learner) - 1 - np.unique(log.learner[::-1], return_index=True)[1]
    moved = [float(new.theta[i] - old.theta[i]) for i in last]
    changed = sum(level_of(float(old.theta[i]), language) != level_of(float(new.theta[i]), language) for i in last)
    return _Shifts(len(last), int(changed), max(moved, key=abs, default=0.0))


def fit_language(db: Session, language: str, now: datetime, by: str | None = None,
                 dry_run: bool = False) -> GrowthFitOut:
    """Fit the growth parameters of ``language``; store them as the live version unless
    ``dry_run``. Returns the fit and how many learners' levels it changes (would change)."""
    log = answer_log.answers(db, language)
    n_learners = int(np.unique(log.learner).size)
    if n_learners < MIN_LEARNERS:
        raise InvalidInput(f"{language}: answers of {n_learners} learners, at least {MIN_LEARNERS} needed to "
                           "fit growth parameters (fewer say too little about how a population grows)",
                           field="language")
    standing = parameter_versions.latest_change(db, language)
    start = growth_parameters(db, language)
    days = log.days - log.days.min()
    params: GrowthParameters = fit_growth(log.learner, days, log.a, log.b, log.c, log.right, start=start)
    log_likelihood = float(log_marginal_likelihood(log.learner, days, log.a, log.b, log.c, log.right, params))
    shifts = _shifts(log, language, start, params)
    live = db.get(GrowthFit, language)
    previous = cast(GrowthParametersDict, dict(live.params)) if live else None
    fitted = dict(params.to_dict())
    if dry_run:
        db.rollback()
        return GrowthFitOut(language=language, params=cast(GrowthParametersDict, fitted), learners=n_learners,
                            responses=len(log), log_likelihood=log_likelihood, fitted_at=now, previous=previous,
                            levels_changed=shifts.levels_changed, learners_evaluated=shifts.evaluated,
                            largest_theta_change=shifts.largest)
    db.rollback()  # the reads are done; the writes take the write lock afresh
    connection = begin_write(db)
    connection.execute(parameter_versions.LOCK_LEARNERS)
    if parameter_versions.latest_change(db, language) != standing:
        db.rollback()
        raise Conflict(f"the parameters of {language} changed while the growth model was fitting (a calibration "
                       "or another growth fit): fit again")
    replaces = _live_version(db, language)
    version = GrowthFitVersion(language=language, params=fitted, learners=n_learners, responses=len(log),
                               log_likelihood=log_likelihood, fitted_at=now, fitted_by=by,
                               replaces=replaces.id if replaces else None)
    db.add(version)
    _write_live(db, language, version)
    parameter_versions.reset_growth_states(connection, language, params)
    db.commit()
    db.refresh(version)
    return _describe(version, live=True, previous=previous, shifts=shifts)


def _live_version(db: Session, language: str) -> GrowthFitVersion | None:
    return db.exec(select(GrowthFitVersion)
                   .where(col(GrowthFitVersion.language) == language, col(GrowthFitVersion.rolled_back_at).is_(None))
                   .order_by(col(GrowthFitVersion.fitted_at).desc(), col(GrowthFitVersion.id).desc())
                   .limit(1)).first()


def _write_live(db: Session, language: str, version: GrowthFitVersion | None) -> None:
    """``growth_fits`` (what every growth state reads) set to ``version``; None: the defaults."""
    row = db.get(GrowthFit, language)
    if version is None:
        if row is not None:
            db.delete(row)
        return
    row = row or GrowthFit(language=language, params={}, learners=0, responses=0, log_likelihood=0.0,
                           fitted_at=version.fitted_at)
    row.params, row.learners, row.responses = dict(version.params), version.learners, version.responses
    row.log_likelihood, row.fitted_at = version.log_likelihood, version.fitted_at
    db.add(row)


def _describe(version: GrowthFitVersion, live: bool, previous: GrowthParametersDict | None = None,
              shifts: _Shifts | None = None) -> GrowthFitOut:
    return GrowthFitOut(
        language=version.language, params=cast(GrowthParametersDict, dict(version.params)),
        learners=version.learners, responses=version.responses, log_likelihood=version.log_likelihood,
        fitted_at=utc(version.fitted_at), id=version.id, fitted_by=version.fitted_by, replaces=version.replaces,
        replaced_kept=version.replaced_kept, previous=previous,
        rolled_back_at=utc(version.rolled_back_at) if version.rolled_back_at else None,
        rolled_back_by=version.rolled_back_by, live=live,
        levels_changed=shifts.levels_changed if shifts else None,
        learners_evaluated=shifts.evaluated if shifts else None,
        largest_theta_change=shifts.largest if shifts else None)


def _previous(db: Session, version: GrowthFitVersion) -> GrowthParametersDict | None:
    replaced = db.get(GrowthFitVersion, version.replaces) if version.replaces is not None else None
    return cast(GrowthParametersDict, dict(replaced.params)) if replaced else None


def list_versions(db: Session, language: str | None = None, limit: int = LIST_DEFAULT) -> list[GrowthFitOut]:
    """The latest growth fits, newest first (of one language, when given)."""
    statement = select(GrowthFitVersion)
    if language is not None:
        statement = statement.where(col(GrowthFitVersion.language) == language)
    versions = list(db.exec(statement.order_by(col(GrowthFitVersion.fitted_at).desc(),
                                               col(GrowthFitVersion.id).desc()).limit(limit)))
    live = {lang: _live_version(db, lang) for lang in {v.language for v in versions}}
    return [_describe(v, live=(found := live[v.language]) is not None and found.id == v.id) for v in versions]


def get_version(db: Session, version_id: int) -> GrowthFitVersion:
    version = db.get(GrowthFitVersion, version_id)
    if version is None:
        raise NotFound(f"growth fit {version_id} not found", field="version")
    return version


def show(db: Session, version_id: int) -> GrowthFitOut:
    """One growth fit in full, with the parameters it replaced."""
    version = get_version(db, version_id)
    live = _live_version(db, version.language)
    return _describe(version, live=live is not None and live.id == version.id, previous=_previous(db, version))


def rollback(db: Session, version_id: int, by: str | None, now: datetime) -> GrowthFitOut:
    """Put back the growth parameters the fit replaced (the engine's defaults when none) and
    start the language's growth states afresh under them; 409 when it is not the newest
    change of its language that stands, or what it replaced was not kept."""
    version = get_version(db, version_id)
    if version.rolled_back_at is not None:
        raise Conflict(f"growth fit {version_id} was rolled back already, on "
                       f"{utc(version.rolled_back_at).isoformat(timespec='seconds')}")
    if not version.replaced_kept:
        raise Conflict(f"growth fit {version_id} was stored before growth fits were versions: the parameters "
                       "it replaced were not kept, so it cannot be rolled back (fit again instead)")
    connection = begin_write(db)
    connection.execute(parameter_versions.LOCK_LEARNERS)
    latest = parameter_versions.latest_change(db, version.language)
    if latest is not None and (latest.kind, latest.id) != ("growth fit", str(version_id)):
        db.rollback()
        raise Conflict(f"growth fit {version_id} is not the latest change of the {version.language} parameters: "
                       f"{latest.undo_first()}", code="rollback_not_latest", later=latest.id)
    restored = db.get(GrowthFitVersion, version.replaces) if version.replaces is not None else None
    _write_live(db, version.language, restored)
    params = GrowthParameters.from_dict(restored.params) if restored else GrowthParameters()
    parameter_versions.reset_growth_states(connection, version.language, params)
    version.rolled_back_at, version.rolled_back_by = now, by
    db.add(version)
    db.commit()
    db.refresh(version)
    return _describe(version, live=False, previous=_previous(db, version))
