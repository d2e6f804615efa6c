"""A learner's progress: current ability overall and per skill, history, sessions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from api.models import LearnerAbility, LearningSession, User, utc
from api.services import ability, reviews
from api.services import engine_adapter as adapter
from api.services.sessions import describe, sessions_of


def progress(db: Session, learner: User, now: datetime,
             language: str | None = None, with_reviews: bool = False,
             for_learner: bool = False) -> dict[str, Any]:
    """Current ability (carried forward to ``now``) overall and per skill, history, sessions.

    ``with_reviews``: also the learner's vocabulary review dates (for the learner themself).
    ``for_learner``: the learner reads it; during a placement test it shows no estimate.
    """
    language = language or learner.language or _last_language(db, learner.id)
    overall, skills = None, {}
    in_placement = language is not None and _placement_open(db, learner.id, language)
    hidden = for_learner and in_placement
    if language is not None and not hidden:
        rows = ability.catch_up(db, learner.id, language).values()
        db.commit()
        for row in rows:
            estimate = ability.estimate_now(row, now)
            facts = adapter.normal_estimate(estimate.theta, estimate.se, language,
                                            None if row.scope == ability.OVERALL else row.scope
                                            ).to_dict()
            facts["updated_at"] = utc(row.updated_at)
            if row.scope == ability.OVERALL:
                overall = facts
            else:
                skills[row.scope] = facts
    history = (ability.series(db, [learner.id], language).get(learner.id, {})
               .get(ability.OVERALL, []) if language and not hidden else [])
    return {"id": learner.id, "username": learner.username, "language": language,
            "overall": overall, "skills": dict(sorted(skills.items())), "history": history,
            "placement_in_progress": in_placement,
            "sessions": [describe(s) for s in sessions_of(db, learner.id)],
            "reviews": reviews.schedule(db, learner.id, language) if with_reviews else []}


def _placement_open(db: Session, learner_id: int, language: str) -> bool:
    return db.exec(select(LearningSession.id).where(
        LearningSession.learner_id == learner_id, LearningSession.language == language,
        LearningSession.mode == "placement", LearningSession.status != "done")).first() is not None


def _last_language(db: Session, learner_id: int) -> str | None:
    row = db.exec(select(LearnerAbility.language).where(LearnerAbility.learner_id == learner_id)
                       .order_by(LearnerAbility.updated_at.desc())).first()
    return row
