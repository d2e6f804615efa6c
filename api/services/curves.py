"""Ability curves of a class: every learner's time series (JSON), and the overall ones a chart draws."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import Session

from api.models import SchoolClass, User
from api.schemas import Alert, ClassCurves, ClassRef, CurvePoint, CurvesSummary, LearnerCurves
from api.services import ability, alerts, parameter_versions, reported
from api.services import engine_adapter as adapter
from api.services.ability import AbilityPoint
from api.services.classes import learners_of
from api.services.learners import estimates_hidden
from api.services.rows import id_of


@dataclass(frozen=True)
class LearnerLine:
    """One learner's overall ability, one point per day (the day's last estimate): as it was
    reported (``times``, ``theta``, ``se``) and as it is re-estimated today (``re_times``,
    ``re_theta``, ``re_se``). ``name``: the name the teacher gave (the login when none);
    ``alert``: the learner's most urgent open alert (:mod:`api.services.alerts`), if any;
    ``last_active``: the last answer. A learner without answers has empty series."""

    username: str
    times: tuple[datetime, ...]
    theta: tuple[float, ...]
    re_times: tuple[datetime, ...] = ()
    re_theta: tuple[float, ...] = ()
    se: tuple[float, ...] = ()
    re_se: tuple[float, ...] = ()
    name: str = ""
    alert: str | None = None
    alert_rank: int | None = None
    last_active: datetime | None = None


@dataclass(frozen=True)
class ClassChart:
    """What a chart of curves draws: each learner's overall curve on the language's CEFR bands,
    up to ``now`` (a class's, or one learner's: a class of one)."""

    class_name: str
    cuts: tuple[float, ...]
    levels: tuple[str, ...]
    lines: tuple[LearnerLine, ...]
    now: datetime | None = None


#: Learners in one page of a class's curves, unless the client asks otherwise (at most
#: ``CURVES_PAGE_MAX``): a class of 20-25 is one page, as before pages existed.
CURVES_PAGE_DEFAULT = 50
CURVES_PAGE_MAX = 200


def class_curves(db: Session, school_class: SchoolClass, now: datetime,
                 limit: int = CURVES_PAGE_DEFAULT, after: int | None = None) -> ClassCurves:
    """The curves of ``limit`` learners of the class with ids above ``after`` (by id), and the
    summary of the whole class; ``next_cursor`` is the ``after`` of the next page."""
    learners = learners_of(db, school_class)
    ids = [id_of(learner) for learner in learners]
    following = [(i, learner) for i, learner in zip(ids, learners) if after is None or i > after]
    page = following[:limit]
    on_page = {i for i, _ in page}
    detailed = ability.series(db, sorted(on_page), school_class.language)
    # The summary is the class's, whatever the page: the others' overall series too (a
    # learner's series does not depend on who else is in the call).
    rest = [i for i in ids if i not in on_page]
    others = ability.series(db, rest, school_class.language, per_skill=False) if rest else {}
    current_levels: dict[str, int] = {level: 0 for level in _levels()}
    thetas: list[float] = []
    for learner_id in ids:
        overall = (detailed if learner_id in on_page else others).get(learner_id, {}).get(ability.OVERALL, [])
        if overall:
            current_levels[overall[-1]["level"]] += 1
            thetas.append(overall[-1]["theta"])
    out_learners: list[LearnerCurves] = []
    version = parameter_versions.current(db, school_class.language)
    told = reported.series(db, [i for i, _ in page], school_class.language)
    for learner_id, learner in page:
        series = detailed.get(learner_id, {})
        out_learners.append(LearnerCurves(id=learner_id, username=learner.username,
                                          overall=_points(series.get(ability.OVERALL, []), version),
                                          skills={k: _points(v, version) for k, v in sorted(series.items())
                                                  if k != ability.OVERALL},
                                          reported=[CurvePoint(time=p.time, theta=p.theta, se=p.se, level=p.level,
                                                               kind="reported", parameters=p.parameters)
                                                    for p in told.get(learner_id, [])]))
    summary = CurvesSummary(learners=len(learners), assessed=len(thetas),
                            mean_theta=sum(thetas) / len(thetas) if thetas else None,
                            levels=current_levels, generated_at=now)
    # Validated from a mapping: the field ``class_`` is set by its alias, "class".
    return ClassCurves.model_validate(
        {"class": ClassRef(id=id_of(school_class), name=school_class.name, language=school_class.language),
         "cuts": list(adapter.cuts_for(school_class.language)), "levels": list(_levels()),
         "learners": out_learners, "summary": summary,
         "next_cursor": page[-1][0] if len(following) > limit else None})


def _points(points: list[AbilityPoint], version: str | None) -> list[CurvePoint]:
    return [CurvePoint(time=p["time"], theta=p["theta"], se=p["se"], growth=p["growth"], level=p["level"],
                       kind="re-estimated", parameters=version) for p in points]


def _levels() -> tuple[adapter.Level, ...]:
    return tuple(adapter.LEVELS)


def class_chart(db: Session, school_class: SchoolClass, now: datetime) -> ClassChart:
    """The overall curves only (the per-skill ones are not drawn, so not computed) of every
    learner of the class, those without answers too: what each learner was told, today's
    re-estimate beside it, and the learner's most urgent alert (the roster's and the follow-up
    list's, from the same assessment)."""
    learners = learners_of(db, school_class)
    ids = [id_of(learner) for learner in learners]
    by_learner = ability.series(db, ids, school_class.language, per_skill=False)
    told = reported.series(db, ids, school_class.language)
    first_alert: dict[int, Alert] = {}
    if learners:
        for alert in alerts.alerts_of(alerts.assess(db, school_class, now)):  # most urgent first
            first_alert.setdefault(alert.learner_id, alert)
    lines = [_line(learner, by_learner.get(learner_id, {}).get(ability.OVERALL, []),
                   told.get(learner_id, []), first_alert.get(learner_id))
             for learner_id, learner in zip(ids, learners)]
    return ClassChart(school_class.name, tuple(adapter.cuts_for(school_class.language)), _levels(),
                      tuple(lines), now)


def learner_chart(db: Session, learner: User, now: datetime, for_learner: bool = False) -> ClassChart:
    """One learner's overall curve in their language (a class of one, no alerts). ``for_learner``:
    the learner reads it; during a placement test it shows no estimate (as ``learners.progress``)."""
    language = learner.language
    if language is None:
        return ClassChart(learner.display_name or learner.username, (), (), (), now)
    learner_id = id_of(learner)
    hidden = estimates_hidden(db, learner_id, language, for_learner)
    points = [] if hidden else ability.series(db, [learner_id], language, per_skill=False).get(
        learner_id, {}).get(ability.OVERALL, [])
    said = [] if hidden else reported.series(db, [learner_id], language).get(learner_id, [])
    return ClassChart(learner.display_name or learner.username, tuple(adapter.cuts_for(language)), _levels(),
                      (_line(learner, points, said, None),), now)


#: The skills on a learner's skills chart, in the order the pages list them (their words are
#: the interface's, ``skill_<name>`` in ``api/i18n``).
CHART_SKILLS = ("vocabulary", "grammar", "reading", "functional")


def _rescaled(theta: float, skill_cuts: tuple[float, ...], cuts: tuple[float, ...]) -> float:
    """``theta`` on a skill's scale carried to the overall scale, piecewise linearly between the
    cuts and beyond them at the slope of the outer bands, so its level reads off the overall
    bands; the identity where the skill's cuts are the overall ones."""
    if skill_cuts == cuts:
        return theta
    reach = 50.0  # logits beyond the outer cuts: far past any estimate
    first = (cuts[1] - cuts[0]) / (skill_cuts[1] - skill_cuts[0])
    last = (cuts[-1] - cuts[-2]) / (skill_cuts[-1] - skill_cuts[-2])
    xs = [skill_cuts[0] - reach, *skill_cuts, skill_cuts[-1] + reach]
    ys = [cuts[0] - reach * first, *cuts, cuts[-1] + reach * last]
    return float(np.interp(theta, xs, ys))


def skills_chart(db: Session, learner: User, now: datetime, for_learner: bool = False) -> ClassChart:
    """One learner's level per skill over time: a panel per skill of :data:`CHART_SKILLS` (the
    lines' names are the skills' codes), each re-estimated from that skill's answers (per-skill levels
    are told only at a placement test's end, so there is no line "as told"), on the overall
    CEFR bands. ``for_learner``: during a placement test the learner sees no estimate."""
    name = learner.display_name or learner.username
    language = learner.language
    if language is None:
        return ClassChart(name, (), (), (), now)
    learner_id = id_of(learner)
    hidden = estimates_hidden(db, learner_id, language, for_learner)
    by_scope = {} if hidden else ability.series(db, [learner_id], language).get(learner_id, {})
    cuts = tuple(adapter.cuts_for(language))
    lines = []
    for skill in CHART_SKILLS:
        points = by_scope.get(skill, [])
        daily = list({point["time"].date(): point for point in points}.values())
        skill_cuts = tuple(adapter.cuts_for(language, skill))
        theta = [_rescaled(p["theta"], skill_cuts, cuts) for p in daily]
        # The SE carried by the same map (its local slope), so the band keeps its meaning.
        spread = [(_rescaled(p["theta"] + p["se"], skill_cuts, cuts)
                   - _rescaled(p["theta"] - p["se"], skill_cuts, cuts)) / 2 for p in daily]
        lines.append(LearnerLine(skill, (), (), re_times=tuple(p["time"] for p in daily), re_theta=tuple(theta),
                                 re_se=tuple(spread), name=skill,
                                 last_active=points[-1]["time"] if points else None))
    return ClassChart(name, cuts, _levels(), tuple(lines), now)


def _line(learner: User, points: list[AbilityPoint], said: list[reported.ReportedPoint],
          alert: Alert | None) -> LearnerLine:
    # One point per day (the day's last estimate): answer-by-answer steps clutter a projector.
    daily = {point["time"].date(): point for point in points}
    told = {point.time.date(): point for point in said}
    return LearnerLine(learner.username, tuple(p.time for p in told.values()),
                       tuple(p.theta for p in told.values()),
                       tuple(p["time"] for p in daily.values()), tuple(p["theta"] for p in daily.values()),
                       se=tuple(p.se for p in told.values()), re_se=tuple(p["se"] for p in daily.values()),
                       name=learner.display_name or learner.username,
                       alert=alert.kind if alert else None, alert_rank=alert.rank if alert else None,
                       last_active=points[-1]["time"] if points else None)
