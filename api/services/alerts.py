"""Follow-up list for a teacher: inactive learners, no progress, close to a level boundary."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from api.models import SchoolClass
from api.schemas import Alert, AlertSettings, ClassAlerts
from api.services import ability
from api.services import engine_adapter as adapter
from api.services.classes import learners_of
from api.services.rows import id_of
from api.settings import Settings

#: Probability of being above a cut score, from the level probabilities, that counts as
#: "about to cross" (either side is still open).
BOUNDARY_PROBABILITY = (0.2, 0.8)


def class_alerts(db: Session, school_class: SchoolClass, settings: Settings,
                 now: datetime) -> ClassAlerts:
    cuts = adapter.cuts_for(school_class.language)
    LEVELS = adapter.LEVELS

    alerts: list[Alert] = []
    learners = learners_of(db, school_class)
    ids = [id_of(learner) for learner in learners]
    by_learner = ability.series(db, ids, school_class.language)
    for learner_id, learner in zip(ids, learners):
        points = by_learner.get(learner_id, {}).get(ability.OVERALL, [])
        username = learner.username
        if not points:
            alerts.append(Alert(learner_id=learner_id, username=username, kind="inactive",
                                days_inactive=None, message="has not answered any exercise yet"))
            continue
        last = points[-1]
        idle = now - last["time"]
        if idle >= timedelta(days=settings.alert_inactive_days):
            alerts.append(Alert(learner_id=learner_id, username=username, kind="inactive",
                                days_inactive=idle.days, message=f"no answers for {idle.days} days"))
        window_start = now - timedelta(days=settings.alert_progress_days)
        # Judged once the learner has answered for a whole window.
        if points[0]["time"] <= window_start:
            # Progress means the gain over the window exceeds the uncertainty of the current
            # estimate; the gain is the growth model's slope (posterior mean growth rate, all
            # answers; every point of the series carries it) times the window.
            gain = last["growth"] * settings.alert_progress_days
            if gain < last["se"]:
                alerts.append(Alert(learner_id=learner_id, username=username, kind="no_progress",
                                    theta_gain=round(gain, 3), se=round(last["se"], 3),
                                    days=settings.alert_progress_days,
                                    message=f"ability changed by {gain:+.2f} over the last "
                                            f"{settings.alert_progress_days} days"))
        nearest = min(range(len(cuts)), key=lambda i: abs(last["theta"] - cuts[i]))
        distance = last["theta"] - cuts[nearest]
        # About to cross (or just crossed): the level probabilities leave it open which side of
        # the cut the learner is on, or the estimate is within the margin of the cut.
        probabilities = adapter.normal_estimate(last["theta"], last["se"],
                                                school_class.language).level_probabilities
        above = sum(probabilities.get(level, 0.0) for level in LEVELS[nearest + 1:])
        undecided = BOUNDARY_PROBABILITY[0] <= above <= BOUNDARY_PROBABILITY[1]
        if undecided or abs(distance) <= settings.alert_boundary_margin:
            lower, upper = LEVELS[nearest], LEVELS[nearest + 1]
            alerts.append(Alert(learner_id=learner_id, username=username, kind="near_boundary",
                                boundary=f"{lower}/{upper}", theta=round(last["theta"], 3),
                                distance=round(distance, 3), probability_above=round(above, 3),
                                message=(f"just below {upper}" if distance < 0
                                         else f"just reached {upper}")))
    return ClassAlerts(class_id=id_of(school_class), generated_at=now,
                       settings=AlertSettings(inactive_days=settings.alert_inactive_days,
                                              progress_days=settings.alert_progress_days,
                                              boundary_margin=settings.alert_boundary_margin),
                       alerts=alerts)
