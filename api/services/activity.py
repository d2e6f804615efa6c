"""A learner's recent activity for the teacher's learner page and report: the answers of the
last days in words, and the vocabulary due for review.

Only the one learner's rows are read (the route's ``VisibleLearner`` decides who may ask).
An answer is shown as the learner saw it (:func:`api.services.privacy.answer_in_words`),
never with our item ids or parameters. A placement test's answers are listed without right
or wrong, as everywhere else (``privacy.PLACEMENT_WITHHELD``): a placement test gives no
feedback, and a teacher passing it on would be feedback.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.models import LearningSession, ResponseRow, User, utc
from api.schemas import LearnerActivity, RecentAnswer
from api.services import privacy, reviews
from api.services.rows import id_of

#: Days of answers shown unless the client asks for more or fewer.
DAYS_DEFAULT = 7
DAYS_MAX = 90
#: Answers listed at most (the newest): a week of daily drills fits.
ANSWERS_DEFAULT = 50
ANSWERS_MAX = 500


def learner_activity(db: Session, learner: User, now: datetime, days: int = DAYS_DEFAULT,
                     limit: int = ANSWERS_DEFAULT) -> LearnerActivity:
    """The answers of the ``days`` days before ``now`` (newest first, at most ``limit``) and the
    vocabulary of the learner's language due for review at ``now``."""
    learner_id = id_of(learner)
    since = now - timedelta(days=days)
    recent = (col(ResponseRow.learner_id) == learner_id, col(ResponseRow.answered_at) >= since)
    total = db.exec(select(func.count()).select_from(ResponseRow).where(*recent)).one()
    rows = db.exec(select(ResponseRow, LearningSession.mode)
                   .join(LearningSession, col(LearningSession.id) == col(ResponseRow.session_id))
                   .where(*recent)
                   .order_by(col(ResponseRow.answered_at).desc(), col(ResponseRow.id).desc())
                   .limit(limit)).all()
    answers = [_in_words(db, row, mode) for row, mode in rows]
    language = learner.language
    due = [r for r in reviews.schedule(db, learner_id, language) if r.due <= utc(now)] if language else []
    return LearnerActivity(learner_id=learner_id, language=language, days=days, answers=answers,
                           answers_total=int(total), due_reviews=due)


def _in_words(db: Session, row: ResponseRow, mode: str) -> RecentAnswer:
    words = privacy.answer_in_words(db, row.item_id, row.answer)
    exercise = words["exercise"]
    drill = mode == "drill"
    given = words["your_answer"]
    return RecentAnswer(
        answered_at=utc(row.answered_at), mode="drill" if drill else "placement",
        instructions=exercise.get("instructions"), prompt=exercise.get("prompt"),
        passage=exercise.get("passage"), options=words["options"],
        answer=None if given is None else str(given),
        correct=row.correct if drill else None,
        partial=drill and 0 < row.score < row.max_score)
