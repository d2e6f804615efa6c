"""Ability estimates as they were reported, kept as they were.

What a learner is told (a placement test's level at its end, the estimate after
each drill answer) is written in the same transaction as the answer that
produced it (the request's one commit), with the item-parameter version then
live (:mod:`api.services.parameter_versions`). Curves and exports show these
points as ``reported``; everything computed again later (the smoothed curves of
:func:`api.services.ability.series`, estimates after a growth fit or a
calibration) is ``re-estimated`` and shown apart, so last week's printout still
matches what the chart calls "reported". Stored: learner, language, time, θ, SE,
level, version, source; nothing else.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from api.models import ReportedEstimate, utc
from api.services import parameter_versions
from api.services.engine_adapter import Level, as_level
from api.services.rows import table_of

Source = Literal["placement", "drill"]
_INSERT = table_of(ReportedEstimate).insert()


@dataclass(frozen=True)
class ReportedPoint:
    """One reported estimate."""

    time: datetime
    theta: float
    se: float
    level: Level
    parameters: str | None
    source: Source


def record(db: Session, connection: Connection, learner_id: int, language: str, source: Source,
           theta: float, se: float, level: str, now: datetime) -> None:
    """Keep an estimate as it is being reported (on the request's connection; the caller commits)."""
    connection.execute(_INSERT, {"learner_id": learner_id, "language": language, "reported_at": now,
                                 "theta": float(theta), "se": float(se), "level": level,
                                 "parameters": parameter_versions.current(db, language), "source": source})


def series(db: Session, learner_ids: Sequence[int], language: str) -> dict[int, list[ReportedPoint]]:
    """Each learner's reported estimates in ``language``, oldest first."""
    out: dict[int, list[ReportedPoint]] = {}
    if not learner_ids:
        return out
    statement = (select(ReportedEstimate)
                 .where(col(ReportedEstimate.learner_id).in_(list(learner_ids)),
                        col(ReportedEstimate.language) == language)
                 .order_by(col(ReportedEstimate.reported_at), col(ReportedEstimate.id)))
    for row in db.exec(statement):
        out.setdefault(row.learner_id, []).append(ReportedPoint(
            utc(row.reported_at), row.theta, row.se, as_level(row.level), row.parameters,
            cast(Source, row.source)))
    return out
