"""A learner's ability as the service stores it: engine states in JSON columns.

Two engine objects, both stored with ``to_dict``: a session's
:class:`engine.estimation.GridPosterior` (a placement test measures ability
as it is today) and a learner's long-run :class:`engine.growth.GrowthState`
per language, overall and per skill (ability that changes over weeks). All
the statistics are the engine's (:mod:`engine.estimation`, :mod:`engine.growth`,
:mod:`engine.cefr`); this module only moves states between the database and
the engine; curves are recomputed from the stored answers (:func:`series`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypedDict, cast

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db import begin_write
from api.models import GrowthFit, ItemRow, LearnerAbility, ResponseRow, User, utc
from api.services import answer_log, item_cache
from api.services import engine_adapter as adapter
from api.services.answer_log import days_of
from api.services.engine_adapter import (
    AbilityEstimate,
    GridPosterior,
    GrowthParameters,
    GrowthState,
    GrowthStateDict,
    filter_abilities,
)
from api.services.rows import table_of
from content.catalog import Level

OVERALL = "overall"


class AbilityPoint(TypedDict):
    """One point of an ability curve (:func:`series`)."""

    time: datetime
    theta: float
    se: float
    #: The posterior mean growth rate at that point (logit/day).
    growth: float
    level: Level


#: ``{learner id: {scope: [point, ...]}}``, oldest point first (:func:`series`).
AbilitySeries = dict[int, dict[str, list[AbilityPoint]]]


def growth_parameters(db: Session, language: str) -> GrowthParameters:
    """Population parameters of the growth model for ``language``.

    Those fitted on the stored answers (``b1engine growth fit``, table
    ``growth_fits``) once there are any, else the engine's defaults.
    """
    def load() -> GrowthParameters:
        fitted = db.get(GrowthFit, language)
        return GrowthParameters.from_dict(fitted.params) if fitted else GrowthParameters()

    # Cached with the items: a change to growth_fits bumps the same version (migration 0005).
    return item_cache.cached(db, ("growth_parameters", language), load)


def _with_parameters(state: GrowthState, params: GrowthParameters) -> GrowthState:
    """A stored state under the language's current parameters: drift and growth apply from now on.

    Only when the grid is the same (it has one growth row when growth_sd is 0, a wider
    one with a decaying growth rate) and so is the growth rate's decay (the state's
    trend time and growth rates are measured with it).
    """
    if (state.params == params or (state.params.growth_sd == 0) != (params.growth_sd == 0)
            or state.params.growth_decay != params.growth_decay):
        return state
    return replace(state, params=params)


def estimate_now(row: LearnerAbility, now: datetime) -> AbilityEstimate[float]:
    """The stored growth state carried forward to ``now`` (ability drifts and grows between answers)."""
    return GrowthState.from_dict(_stored_state(row)).predict(days_of(now)).estimate()


def _stored_state(row: LearnerAbility) -> GrowthStateDict:
    # The column holds GrowthState.to_dict() (older forms too: GrowthState.from_dict reads them).
    return cast(GrowthStateDict, row.posterior)


def starting_posterior(db: Session, learner_id: int, language: str, now: datetime) -> GridPosterior:
    """A drill's starting posterior: the learner's current ability (prior if never measured)."""
    row = catch_up(db, learner_id, language).get(OVERALL)
    if row is None:
        return adapter.prior_posterior()
    estimate = estimate_now(row, now)
    return adapter.prior_posterior(mean=estimate.theta, sd=estimate.se)


# The learner's row, locked as answering locks it (api.services.sessions): FOR NO KEY UPDATE
# leaves the foreign-key checks of other tables' inserts free.
_USERS = table_of(User)
_LOCK_LEARNER = (sa.select(_USERS.c.id).where(_USERS.c.id == sa.bindparam("learner_id"))
                 .with_for_update(key_share=True))
# SQLAlchemy's select: SQLModel's is typed for at most four columns.
_PENDING = (sa.select(col(ResponseRow.id), col(ResponseRow.answered_at), col(ResponseRow.score),
                      col(ResponseRow.max_score), col(ItemRow.a), col(ItemRow.b), col(ItemRow.c),
                      col(ItemRow.skill))
            .join(ItemRow, col(ItemRow.id) == col(ResponseRow.item_id))
            .where(col(ResponseRow.learner_id) == sa.bindparam("learner_id"),
                   col(ItemRow.language) == sa.bindparam("language"),
                   col(ResponseRow.id) > sa.bindparam("through"))
            .order_by(col(ResponseRow.id)))


def catch_up(db: Session, learner_id: int, language: str) -> dict[str, LearnerAbility]:
    """The learner's growth states in ``language`` by scope (overall and per skill), with every
    answer since they were last brought up to date applied; written in ``session`` (the
    caller commits).

    The long-run ability is the engine's growth model (:class:`engine.growth.GrowthState`):
    between answers it drifts and follows the learner's growth rate, so weeks of drills
    are not averaged as if ability stood still. An answer is stored once, in
    ``responses``; the states (about 10 kB each) are brought up to date when they are
    read — a drill's start, the learner's progress — one answer at a time in
    answer order, as the batch filter does, rather than read and rewritten on every
    answer. The learner's row is locked as answering locks it, so no answer commits
    between reading the pending answers and writing the states.
    """
    begin_write(db).execute(_LOCK_LEARNER, {"learner_id": learner_id})
    rows = {row.scope: row for row in db.exec(
        select(LearnerAbility).where(col(LearnerAbility.learner_id) == learner_id,
                                     col(LearnerAbility.language) == language))}
    through = rows[OVERALL].through_response_id if OVERALL in rows else 0
    pending = db.execute(_PENDING, {"learner_id": learner_id, "language": language,
                                    "through": through}).all()
    if not pending:
        return rows
    params = growth_parameters(db, language)
    states = {scope: _with_parameters(GrowthState.from_dict(_stored_state(row)), params)
              for scope, row in rows.items()}
    last_answer: dict[str, datetime] = {}
    for answer in pending:
        answered_at = utc(answer.answered_at)
        for scope in (OVERALL, answer.skill):
            state = states.get(scope) or GrowthState.new(params)
            states[scope] = state.update(answer.a, answer.b, answer.c,
                                         int(answer_log.right(answer.score, answer.max_score)),
                                         days_of(answered_at))
            last_answer[scope] = answered_at
    for scope, answered_at in last_answer.items():
        estimate = states[scope].estimate()
        row = rows.get(scope) or LearnerAbility(learner_id=learner_id, language=language, scope=scope,
                                                theta=float(estimate.theta), se=float(estimate.se))
        row.posterior = dict(states[scope].to_dict())
        row.theta, row.se = float(estimate.theta), float(estimate.se)
        row.updated_at, row.through_response_id = answered_at, pending[-1].id
        db.add(row)
        rows[scope] = row
    db.flush()
    return rows


def series(db: Session, learner_ids: Sequence[int], language: str, per_skill: bool = True
           ) -> AbilitySeries:
    """Ability over time, ``{learner: {scope: [{time, theta, se, growth, level}, ...]}}``, oldest first.

    ``growth`` is the model's posterior mean growth rate (slope, logit/day) at that point.

    The engine's growth model smoothed over all of each learner's answers
    (forward--backward, :func:`engine.growth.filter_abilities`), overall and
    per skill: every point uses the answers before and after it, so a lucky
    streak does not read as a level change. A skill's point is pooled with the overall one
    at the same answer (skill = overall + :math:`N(0, \\tau^2)`,
    :func:`engine.cefr.pooled_skill`). It is the one source of every curve, history and
    alert, so they always agree. ``per_skill=False``: overall only (each scope is one
    smoothing pass over its answers).
    """
    out: AbilitySeries = defaultdict(lambda: defaultdict(list))
    if not learner_ids:
        return out
    log = answer_log.answers(db, language, learner_ids)
    if not len(log):
        return out
    learner, times, days, score, a, b, c, skill = (log.learner, log.times, log.days, log.right, log.a,
                                                   log.b, log.c, log.skill)
    params = growth_parameters(db, language)
    scopes = [(OVERALL, np.ones(len(log), dtype=bool))] + ([
        (name, skill == name) for name in sorted(set(skill.tolist()))] if per_skill else [])
    overall: adapter.AbilityEstimate[np.ndarray] | None = None
    for scope, mask in scopes:
        track = filter_abilities(learner[mask], days[mask], a[mask], b[mask], c[mask], score[mask],
                                 params, smooth=True)
        estimate = adapter.AbilityEstimate(track.theta, track.se)
        if scope == OVERALL:
            overall = estimate
        else:
            # A skill's few answers are read with the rest of the learner's: drawn towards the
            # learner's overall level at that answer, not the population's (engine.cefr.pooled_skill).
            assert overall is not None  # OVERALL comes first
            estimate = adapter.pooled_skill(estimate.theta, estimate.se, overall.theta[mask], overall.se[mask],
                                            params.theta_mean, params.theta_sd)
        for index, theta, se, growth in zip(np.flatnonzero(mask), estimate.theta, estimate.se, track.growth):
            out[int(learner[index])][scope].append(
                {"time": times[index], "theta": float(theta), "se": float(se), "growth": float(growth),
                 "level": adapter.level_of(float(theta), language, None if scope == OVERALL else scope)})
    return out
