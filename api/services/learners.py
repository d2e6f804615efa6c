"""A learner's progress: current ability overall and per skill, history, sessions."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.models import LearnerAbility, LearningSession, User, utc
from api.schemas import AbilityOut, HistoryPoint, LearnerProgress
from api.services import ability, reviews
from api.services import engine_adapter as adapter
from api.services.rows import id_of
from api.services.sessions import describe, sessions_of


def progress(db: Session, learner: User, now: datetime,
             language: str | None = None, with_reviews: bool = False,
             for_learner: bool = False) -> LearnerProgress:
    """Current ability (carried forward to ``now``) overall and per skill, history, sessions.

    ``with_reviews``: also the learner's vocabulary review dates (for the learner themself).
    ``for_learner``: the learner reads it; during a placement test it shows no estimate.
    """
    learner_id = id_of(learner)
    language = language or learner.language or _last_language(db, learner_id)
    overall: AbilityOut | None = None
    skills: dict[str, AbilityOut] = {}
    in_placement = language is not None and _placement_open(db, learner_id, language)
    hidden = for_learner and in_placement
    if language is not None and not hidden:
        rows = ability.catch_up(db, learner_id, language).values()
        db.commit()
        for row in rows:
            estimate = ability.estimate_now(row, now)
            facts = adapter.normal_estimate(estimate.theta, estimate.se, language,
                                            None if row.scope == ability.OVERALL else row.scope)
            current = AbilityOut(theta=facts.theta, se=facts.se, level=facts.level,
                                 level_probabilities=facts.level_probabilities,
                                 updated_at=utc(row.updated_at))
            if row.scope == ability.OVERALL:
                overall = current
            else:
                skills[row.scope] = current
    points = (ability.series(db, [learner_id], language).get(learner_id, {})
              .get(ability.OVERALL, []) if language and not hidden else [])
    return LearnerProgress(
        id=learner_id, username=learner.username, language=language, overall=overall,
        skills=dict(sorted(skills.items())),
        history=[HistoryPoint(time=p["time"], theta=p["theta"], se=p["se"], level=p["level"])
                 for p in points],
        placement_in_progress=in_placement,
        sessions=[describe(s) for s in sessions_of(db, learner_id)],
        reviews=reviews.schedule(db, learner_id, language) if with_reviews else [])


def _placement_open(db: Session, learner_id: int, language: str) -> bool:
    return db.exec(select(LearningSession.id).where(
        col(LearningSession.learner_id) == learner_id, col(LearningSession.language) == language,
        col(LearningSession.mode) == "placement", col(LearningSession.status) != "done")).first() is not None


def _last_language(db: Session, learner_id: int) -> str | None:
    return db.exec(select(LearnerAbility.language).where(col(LearnerAbility.learner_id) == learner_id)
                   .order_by(col(LearnerAbility.updated_at).desc())).first()
