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

from dataclasses import replace
from datetime import datetime
from typing import Any

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from api.models import GrowthFit, ItemRow, LearnerAbility, ResponseRow, utc

OVERALL = "overall"
SECONDS_PER_DAY = 86_400.0
#: Smallest SD used when an estimate is turned back into a grid posterior.
MIN_SE = 0.05


def cuts_for(language: str, skill: str | None = None) -> tuple[float, ...]:
    """Theta cut scores between A1|A2|B1|B2: the engine's table, per language and skill."""
    from engine.cefr import cuts_for as engine_cuts_for

    return engine_cuts_for(language, skill)


def prior_posterior():
    from engine.estimation import GridPosterior

    return GridPosterior.prior()


def load_posterior(data: dict[str, Any]):
    from engine.estimation import GridPosterior

    return GridPosterior.from_dict(data)


def update_posterior(posterior, row: ItemRow, score: int):
    """Bayes update with one scored answer to ``row`` (dichotomous: full marks count as right)."""
    from engine.estimation import update

    return update(posterior, row.a, row.b, row.c, int(score >= row.max_score))


def summary(posterior, language: str, skill: str | None = None) -> dict[str, Any]:
    """theta, se, level, level_probabilities of a posterior."""
    from engine.cefr import level_of, level_probabilities

    cuts = cuts_for(language, skill)
    estimate = posterior.estimate()
    probabilities = level_probabilities(posterior, cuts)
    if not isinstance(probabilities, dict):
        probabilities = probabilities.to_dict()
    return {"theta": float(estimate.theta), "se": float(estimate.se),
            "level": str(level_of(float(estimate.theta), cuts)),
            "level_probabilities": {str(k): float(v) for k, v in probabilities.items()}}


def level_of(theta: float, language: str, skill: str | None = None) -> str:
    from engine.cefr import level_of as engine_level_of

    return str(engine_level_of(float(theta), cuts_for(language, skill)))


def growth_parameters(session: Session, language: str):
    """Population parameters of the growth model for ``language``.

    Those fitted on the stored answers (``b1engine growth fit``, table
    ``growth_fits``) once there are any, else the engine's defaults.
    """
    from engine.growth import GrowthParameters

    from api.services import item_cache

    def load() -> GrowthParameters:
        fitted = session.get(GrowthFit, language)
        return GrowthParameters.from_dict(fitted.params) if fitted else GrowthParameters()

    # Cached with the items: a change to growth_fits bumps the same version (migration 0005).
    return item_cache.cached(session, ("growth_parameters", language), load)


def _with_parameters(state, params):
    """A stored state under the language's current parameters: drift and growth apply from now on.

    Only when the grid is the same (it has one growth row when growth_sd is 0, a wider
    one with a decaying growth rate) and so is the growth rate's decay (the state's
    trend time and growth rates are measured with it).
    """
    if (state.params == params or (state.params.growth_sd == 0) != (params.growth_sd == 0)
            or state.params.growth_decay != params.growth_decay):
        return state
    return replace(state, params=params)


def days_of(moment: datetime) -> float:
    """Time on the growth model's axis: days since the Unix epoch."""
    return moment.timestamp() / SECONDS_PER_DAY


def normal_summary(theta: float, se: float, language: str, skill: str | None = None) -> dict[str, Any]:
    """theta, se, level and level probabilities of an estimate, the posterior taken as normal."""
    from engine.cefr import normal_level_probabilities

    cuts = cuts_for(language, skill)
    return {"theta": float(theta), "se": float(se), "level": level_of(theta, language, skill),
            "level_probabilities": normal_level_probabilities(theta, max(se, MIN_SE), cuts)}


def current(session: Session, learner_id: int, language: str, scope: str) -> LearnerAbility | None:
    return session.get(LearnerAbility, (learner_id, language, scope))


def estimate_now(row: LearnerAbility, now: datetime):
    """The stored growth state carried forward to ``now`` (ability drifts and grows between answers)."""
    from engine.growth import GrowthState

    return GrowthState.from_dict(row.posterior).predict(days_of(now)).estimate()


def starting_posterior(session: Session, learner_id: int, language: str, now: datetime):
    """A drill's starting posterior: the learner's current ability (prior if never measured)."""
    from engine.estimation import GridPosterior

    row = current(session, learner_id, language, OVERALL)
    if row is None:
        return prior_posterior()
    estimate = estimate_now(row, now)
    return GridPosterior.prior(mean=estimate.theta, sd=max(estimate.se, MIN_SE))


# Built once: record_answer runs on every answer (building a statement costs as much as running it).
_ABILITIES = LearnerAbility.__table__
_ABILITIES_LOCKED = (sa.select(_ABILITIES.c.scope, _ABILITIES.c.posterior)
                     .where(_ABILITIES.c.learner_id == sa.bindparam("learner_id_"),
                            _ABILITIES.c.language == sa.bindparam("language_"),
                            _ABILITIES.c.scope.in_(sa.bindparam("scopes", expanding=True)))
                     .with_for_update())
_ABILITY_UPDATE = _ABILITIES.update().where(_ABILITIES.c.learner_id == sa.bindparam("learner_id_"),
                                            _ABILITIES.c.language == sa.bindparam("language_"),
                                            _ABILITIES.c.scope == sa.bindparam("scope_"))


def record_answer(session: Session, learner_id: int, language: str, row: ItemRow, score: int,
                  now: datetime) -> dict[str, dict[str, Any]]:
    """Update the learner's growth states (overall and the item's skill), written in ``session``.

    The long-run ability is the engine's growth model (:class:`engine.growth.GrowthState`):
    between answers it drifts and follows the learner's growth rate, so weeks of drills
    are not averaged as if ability stood still. Both rows are read in one statement,
    locked (``FOR UPDATE``) against another session of the same learner, and written
    with SQL statements (this runs on every answer; the ORM's unit of work costs more).
    """
    from engine.growth import GrowthState

    params = growth_parameters(session, language)
    scopes = (OVERALL, row.skill)
    key = {"learner_id_": learner_id, "language_": language}
    connection = session.connection()
    found = {scope: posterior for scope, posterior in
             connection.execute(_ABILITIES_LOCKED, {**key, "scopes": list(scopes)})}
    out, updates, inserts = {}, [], []
    for scope in scopes:
        stored = found.get(scope)
        state = (_with_parameters(GrowthState.from_dict(stored), params) if stored is not None
                 else GrowthState.new(params))
        state = state.update(row.a, row.b, row.c, int(score >= row.max_score), days_of(now))
        estimate = state.estimate()
        facts = normal_summary(estimate.theta, estimate.se, language,
                               None if scope == OVERALL else scope)
        values = {"posterior": state.to_dict(), "theta": facts["theta"], "se": facts["se"],
                  "updated_at": now}
        if stored is None:
            inserts.append({"learner_id": learner_id, "language": language, "scope": scope, **values})
        else:
            updates.append({"scope_": scope, **values})
        out[scope] = facts
    if updates:  # one executemany: psycopg pipelines it into one round trip
        connection.execute(_ABILITY_UPDATE, [{**key, **values} for values in updates])
    if inserts:
        connection.execute(_ABILITIES.insert(), inserts)
    return out


def series(session: Session, learner_ids: Sequence[int], language: str
           ) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Ability over time, ``{learner: {scope: [{time, theta, se, growth, level}, ...]}}``, oldest first.

    ``growth`` is the model's posterior mean growth rate (slope, logit/day) at that point.

    The engine's growth model smoothed over all of each learner's answers
    (forward--backward, :func:`engine.growth.filter_abilities`), overall and
    per skill: every point uses the answers before and after it, so a lucky
    streak does not read as a level change. It is the one source of every
    curve, history and alert, so they always agree.
    """
    out: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    if not learner_ids:
        return out
    statement = (select(ResponseRow.learner_id, ResponseRow.answered_at, ResponseRow.score,
                        ResponseRow.max_score, ItemRow.a, ItemRow.b, ItemRow.c, ItemRow.skill)
                 .join(ItemRow, ItemRow.id == ResponseRow.item_id)
                 .where(ResponseRow.learner_id.in_(list(learner_ids)), ItemRow.language == language)
                 .order_by(ResponseRow.answered_at, ResponseRow.id))
    rows = session.exec(statement).all()
    if not rows:
        return out
    from engine.growth import filter_abilities

    learner = np.array([r[0] for r in rows])
    times = [utc(r[1]) for r in rows]
    days = np.array([days_of(t) for t in times])
    score = np.array([int(r[2] >= r[3]) for r in rows])
    a, b, c = (np.array([r[i] for r in rows], dtype=float) for i in (4, 5, 6))
    skill = np.array([r[7] for r in rows])
    params = growth_parameters(session, language)
    scopes = [(OVERALL, np.ones(len(rows), dtype=bool))] + [
        (name, skill == name) for name in sorted(set(skill.tolist()))]
    for scope, mask in scopes:
        track = filter_abilities(learner[mask], days[mask], a[mask], b[mask], c[mask], score[mask],
                                 params, smooth=True)
        for index, theta, se, growth in zip(np.flatnonzero(mask), track.theta, track.se, track.growth):
            out[int(learner[index])][scope].append(
                {"time": times[index], "theta": float(theta), "se": float(se), "growth": float(growth),
                 "level": level_of(float(theta), language, None if scope == OVERALL else scope)})
    return out
