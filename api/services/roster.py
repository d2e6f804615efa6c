"""The teacher's roster: every learner of a class with what a dashboard shows.

Per learner: the ability and CEFR level at the last answer with the level's
probability (the value ``GET /v1/learners/{id}`` gives, dated there by ``updated_at``:
the roster and a printed report agree), the gain over the last weeks with its
uncertainty (the trend), the last activity and practice rhythm, and the
learner's open alerts. All of
it from one assessment of the class (:func:`api.services.alerts.assess`), so
the roster and the alerts always agree.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlmodel import Session

from api.models import SchoolClass
from api.schemas import Alert, ClassRef, ClassRoster, RosterLearner, Trend
from api.services import alerts
from api.services import engine_adapter as adapter
from api.services.alerts import INTERVAL_Z, ClassAssessment, rounded
from api.services.rows import id_of

#: The shortest span a trend is given over (days). A gain is measured across days: within one
#: day the growth model lets ability move next to nothing, so answers of a single day give a
#: gain of 0 with an SD of 0, a certainty about progress the answers do not hold.
MIN_TREND_DAYS = 1.0


def class_roster(db: Session, school_class: SchoolClass, now: datetime,
                 language: str | None = None) -> ClassRoster:
    """The roster of ``school_class`` at ``now`` (learners in the class's order, by id), the
    alerts' words in the interface language ``language`` (English for anything not offered)."""
    assessment = alerts.assess(db, school_class, now)
    by_learner: dict[int, list[Alert]] = {}
    for alert in alerts.alerts_of(assessment, language):  # most urgent first, so each learner's list is too
        by_learner.setdefault(alert.learner_id, []).append(alert)
    learners = [_row(assessment, row, by_learner.get(id_of(learner), []))
                for row, learner in enumerate(assessment.learners)]
    return ClassRoster.model_validate(
        {"class": ClassRef(id=id_of(school_class), name=school_class.name, language=school_class.language),
         "generated_at": now, "window_days": assessment.rules.window_days,
         "level_width": assessment.level_width, "learners": learners})


def _row(assessment: ClassAssessment, row: int, learner_alerts: list[Alert]) -> RosterLearner:
    learner = assessment.learners[row]
    window = assessment.window
    if not window.answers[row]:
        return RosterLearner(id=id_of(learner), username=learner.username, display_name=learner.display_name,
                             answers=0, first_activity=None, last_activity=None, days_inactive=None,
                             practice_days_per_week=None, theta=None, se=None, level=None,
                             level_probability=None, level_probabilities={}, trend=None, alerts=learner_alerts)
    estimate = adapter.normal_estimate(float(window.theta_end[row]), float(window.se_end[row]),
                                       assessment.school_class.language)
    usual = float(assessment.practice.usual_per_week[row])
    return RosterLearner(
        id=id_of(learner), username=learner.username, display_name=learner.display_name,
        answers=int(window.answers[row]), first_activity=alerts.moment(float(assessment.practice.first[row])),
        last_activity=alerts.moment(float(assessment.practice.last[row])),
        days_inactive=int(assessment.triage.idle_days[row]),
        practice_days_per_week=rounded(usual, 1) if np.isfinite(usual) else None,
        theta=rounded(estimate.theta, 3), se=rounded(estimate.se, 3), level=estimate.level,
        level_probability=rounded(estimate.level_probabilities[estimate.level], 3),
        level_probabilities={k: rounded(v, 3) for k, v in estimate.level_probabilities.items()},
        trend=_trend(assessment, row), alerts=learner_alerts)


def _trend(assessment: ClassAssessment, row: int) -> Trend | None:
    """The gain over the window; None without answers in it or over less than
    :data:`MIN_TREND_DAYS`."""
    window = assessment.window
    since = alerts.moment(float(window.start_days[row]))
    span = float(window.span_days[row])
    if not window.window_answers[row] or since is None or not span >= MIN_TREND_DAYS:
        return None
    gain, se = float(window.gain[row]), float(window.gain_se[row])
    return Trend(since=since, days=rounded(span, 1), answers=int(window.window_answers[row]),
                 gain=rounded(gain, 3), gain_se=rounded(se, 3), gain_levels=rounded(gain / assessment.level_width, 2),
                 low=rounded(gain - INTERVAL_Z * se, 3), high=rounded(gain + INTERVAL_Z * se, 3))
