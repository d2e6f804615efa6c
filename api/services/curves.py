"""Ability curves of a class: every learner's time series (JSON), and the overall ones a chart draws."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from api.models import SchoolClass
from api.schemas import ClassCurves, ClassRef, CurvePoint, CurvesSummary, LearnerCurves
from api.services import ability
from api.services import engine_adapter as adapter
from api.services.ability import AbilityPoint
from api.services.classes import learners_of
from api.services.rows import id_of


@dataclass(frozen=True)
class LearnerLine:
    """One learner's overall ability, one point per day (the day's last estimate)."""

    username: str
    times: tuple[datetime, ...]
    theta: tuple[float, ...]


@dataclass(frozen=True)
class ClassChart:
    """What the class chart draws: the overall curves on the language's CEFR bands."""

    class_name: str
    cuts: tuple[float, ...]
    levels: tuple[str, ...]
    lines: tuple[LearnerLine, ...]


def class_curves(db: Session, school_class: SchoolClass, now: datetime) -> ClassCurves:
    learners = learners_of(db, school_class)
    ids = [id_of(learner) for learner in learners]
    by_learner = ability.series(db, ids, school_class.language)
    out_learners: list[LearnerCurves] = []
    current_levels: dict[str, int] = {level: 0 for level in _levels()}
    thetas: list[float] = []
    for learner_id, learner in zip(ids, learners):
        series = by_learner.get(learner_id, {})
        overall = series.get(ability.OVERALL, [])
        if overall:
            current_levels[overall[-1]["level"]] += 1
            thetas.append(overall[-1]["theta"])
        out_learners.append(LearnerCurves(id=learner_id, username=learner.username, overall=_points(overall),
                                          skills={k: _points(v) for k, v in sorted(series.items())
                                                  if k != ability.OVERALL}))
    summary = CurvesSummary(learners=len(learners), assessed=len(thetas),
                            mean_theta=sum(thetas) / len(thetas) if thetas else None,
                            levels=current_levels, generated_at=now)
    # Validated from a mapping: the field ``class_`` is set by its alias, "class".
    return ClassCurves.model_validate(
        {"class": ClassRef(id=id_of(school_class), name=school_class.name, language=school_class.language),
         "cuts": list(adapter.cuts_for(school_class.language)), "levels": list(_levels()),
         "learners": out_learners, "summary": summary})


def _points(points: list[AbilityPoint]) -> list[CurvePoint]:
    return [CurvePoint(time=p["time"], theta=p["theta"], se=p["se"], growth=p["growth"], level=p["level"])
            for p in points]


def _levels() -> tuple[adapter.Level, ...]:
    return tuple(adapter.LEVELS)


def class_chart(db: Session, school_class: SchoolClass) -> ClassChart:
    """The overall curves only (the per-skill ones are not drawn, so not computed)."""
    learners = learners_of(db, school_class)
    ids = [id_of(learner) for learner in learners]
    by_learner = ability.series(db, ids, school_class.language, per_skill=False)
    lines = []
    for learner_id, learner in zip(ids, learners):
        points = by_learner.get(learner_id, {}).get(ability.OVERALL, [])
        # One point per day (the day's last estimate): answer-by-answer steps clutter a projector.
        daily = {point["time"].date(): point for point in points}
        if daily:
            lines.append(LearnerLine(learner.username, tuple(p["time"] for p in daily.values()),
                                     tuple(p["theta"] for p in daily.values())))
    return ClassChart(school_class.name, tuple(adapter.cuts_for(school_class.language)), _levels(),
                      tuple(lines))
