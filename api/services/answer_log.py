"""Stored answers joined with their items' current parameters, as the engine takes them.

Curves (:func:`api.services.ability.series`) and growth fits
(:mod:`api.services.growth_fits`) read the same thing: every answer in a
language, oldest first, with the answered item's a, b, c and skill, and the
score dichotomised by the one rule (:func:`right`). This module reads it once
into named arrays.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session as Db
from sqlmodel import col

from api.models import ItemRow, ResponseRow, utc
from api.services.engine_adapter import SECONDS_PER_DAY


def right(score: int, max_score: int) -> bool:
    """An answer counts as right for the engine's dichotomous models with full marks only
    (a typed answer's partial credit counts as wrong)."""
    return score >= max_score


def days_of(moment: datetime) -> float:
    """Time on the growth model's axis: days since the Unix epoch."""
    return moment.timestamp() / SECONDS_PER_DAY


@dataclass(frozen=True)
class AnswerArrays:
    """Answers in answer order: ``learner[i]`` answered item ``item[i]`` with parameters
    ``(a[i], b[i], c[i])`` and skill ``skill[i]`` at ``times[i]`` (``days[i]`` on the growth
    model's axis), right (``right[i]`` = 1) or not."""

    learner: np.ndarray
    times: list[datetime]
    days: np.ndarray
    right: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    skill: np.ndarray
    #: The answered item's id (what a calibration's new parameters are looked up by).
    item: np.ndarray

    def __len__(self) -> int:
        return len(self.times)


def answers(db: Db, language: str, learner_ids: Sequence[int] | None = None) -> AnswerArrays:
    """Every stored answer in ``language`` (of ``learner_ids`` only, when given)."""
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement = (sa.select(col(ResponseRow.learner_id), col(ResponseRow.answered_at), col(ResponseRow.score),
                           col(ResponseRow.max_score), col(ItemRow.a), col(ItemRow.b), col(ItemRow.c),
                           col(ItemRow.skill), col(ResponseRow.item_id))
                 .join(ItemRow, col(ItemRow.id) == col(ResponseRow.item_id))
                 .where(col(ItemRow.language) == language)
                 .order_by(col(ResponseRow.answered_at), col(ResponseRow.id)))
    if learner_ids is not None:
        statement = statement.where(col(ResponseRow.learner_id).in_(list(learner_ids)))
    rows = db.execute(statement).all()
    times = [utc(row.answered_at) for row in rows]
    return AnswerArrays(
        learner=np.array([row.learner_id for row in rows], dtype=int),
        times=times, days=np.array([days_of(t) for t in times], dtype=float),
        right=np.array([int(right(row.score, row.max_score)) for row in rows], dtype=int),
        a=np.array([row.a for row in rows], dtype=float), b=np.array([row.b for row in rows], dtype=float),
        c=np.array([row.c for row in rows], dtype=float),
        skill=np.array([row.skill for row in rows], dtype=object),
        item=np.array([row.item_id for row in rows], dtype=object))
