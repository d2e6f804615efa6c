"""A learner's ability over time, both ways: as it was reported, and as it is re-estimated now.

``reported``: the estimates kept as they were told (:mod:`api.services.reported`).
``re-estimated``: the growth model smoothed over all the answers with today's item and
growth parameters (:func:`api.services.ability.series`), which moves when answers come
in, a growth fit or a calibration changes the parameters. Progress, curves and the
learner's export show both, labelled.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from api.schemas import AbilityHistory, HistoryPoint
from api.services import ability, parameter_versions, reported
from api.services.ability import AbilityPoint


def re_estimated(points: Sequence[AbilityPoint], version: str | None) -> list[HistoryPoint]:
    """Points of :func:`api.services.ability.series` as history, labelled re-estimated."""
    return [HistoryPoint(time=p["time"], theta=p["theta"], se=p["se"], level=p["level"], kind="re-estimated",
                         parameters=version) for p in points]


def reported_points(db: Session, learner_id: int, language: str, after: datetime | None = None,
                    until: datetime | None = None) -> list[HistoryPoint]:
    """The learner's reported estimates (between ``after`` and ``until``, both included, when given)."""
    return [HistoryPoint(time=p.time, theta=p.theta, se=p.se, level=p.level, kind="reported",
                         parameters=p.parameters, source=p.source)
            for p in reported.series(db, [learner_id], language).get(learner_id, [])
            if (after is None or p.time >= after) and (until is None or p.time <= until)]


def reported_in_page(db: Session, learner_id: int, language: str, points: Sequence[AbilityPoint], start: int,
                     end: int) -> list[HistoryPoint]:
    """The reported estimates over the span of the page ``points[start:end]`` of the re-estimated
    history: the oldest page from the beginning, the latest up to now."""
    if end <= start:
        return []
    return reported_points(db, learner_id, language, points[start]["time"] if start > 0 else None,
                           points[end - 1]["time"] if end < len(points) else None)


def both(db: Session, learner_id: int, language: str) -> AbilityHistory:
    """The whole history in one language, reported and re-estimated (the learner's export)."""
    points = ability.series(db, [learner_id], language, per_skill=False).get(learner_id, {}).get(ability.OVERALL, [])
    return AbilityHistory(language=language, reported=reported_points(db, learner_id, language),
                          re_estimated=re_estimated(points, parameter_versions.current(db, language)))
