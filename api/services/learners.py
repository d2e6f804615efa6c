"""A learner's progress: current ability overall and per skill, history, sessions."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.models import LearnerAbility, LearningSession, User, utc
from api.schemas import AbilityOut, LearnerProgress, SupportLanguageOut
from api.services import ability, history, parameter_versions, reviews
from api.services import engine_adapter as adapter
from api.services.rows import id_of
from api.services.sessions import describe, sessions_of
from api.services.users import check_support_language
from content import support as content_support

#: Points of a learner's history in one reply, unless the client asks for fewer or more (at
#: most ``HISTORY_PAGE_MAX``): a few months of daily practice; a year of it is a few pages.
HISTORY_PAGE_DEFAULT = 500
HISTORY_PAGE_MAX = 5000


def progress(db: Session, learner: User, now: datetime,
             language: str | None = None, with_reviews: bool = False,
             for_learner: bool = False, history_limit: int = HISTORY_PAGE_DEFAULT,
             history_before: int | None = None) -> LearnerProgress:
    """Current ability (carried forward to ``now``) overall and per skill, history, sessions.

    ``with_reviews``: also the learner's vocabulary review dates (for the learner themself).
    ``for_learner``: the learner reads it; during a placement test it shows no estimate.
    ``history_limit``, ``history_before``: the page of the history, the latest
    ``history_limit`` points before the ``history_before``-th (counted from the oldest, so
    a page stays the same page while new answers are added at the end).
    """
    learner_id = id_of(learner)
    language = language or learner.language or _last_language(db, learner_id)
    overall: AbilityOut | None = None
    skills: dict[str, AbilityOut] = {}
    in_placement = language is not None and placement_open(db, learner_id, language)
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
    end = len(points) if history_before is None else min(history_before, len(points))
    start = max(0, end - history_limit)
    return LearnerProgress(
        id=learner_id, username=learner.username, language=language, overall=overall,
        support_language=learner.support_language,
        level_description=[t.to_dict() for t in content_support.level_descriptions(
            overall.level, language, learner.support_language)] if overall and language else [],
        skills=dict(sorted(skills.items())),
        history=history.re_estimated(points[start:end],
                                     parameter_versions.current(db, language) if language else None),
        reported=history.reported_in_page(db, learner_id, language, points, start, end)
        if language and not hidden else [],
        history_total=len(points), history_older=start if start > 0 else None,
        placement_in_progress=in_placement,
        sessions=[describe(s) for s in sessions_of(db, learner_id)],
        reviews=reviews.schedule(db, learner_id, language) if with_reviews else [])


def placement_open(db: Session, learner_id: int, language: str) -> bool:
    return db.exec(select(LearningSession.id).where(
        col(LearningSession.learner_id) == learner_id, col(LearningSession.language) == language,
        col(LearningSession.mode) == "placement", col(LearningSession.status) != "done")).first() is not None


def _last_language(db: Session, learner_id: int) -> str | None:
    return db.exec(select(LearnerAbility.language).where(col(LearnerAbility.learner_id) == learner_id)
                   .order_by(col(LearnerAbility.updated_at).desc())).first()


def support_languages() -> list[SupportLanguageOut]:
    """The languages a learner may choose as their support language."""
    known = content_support.support_languages()
    return [SupportLanguageOut(code=code, name=known[code].name, english_name=known[code].english_name,
                               direction=known[code].direction, status=known[code].status)
            for code in content_support.learner_languages()]


def set_support_language(db: Session, learner: User, code: str | None) -> None:
    """The learner's support language (None: none); new sessions show glosses, hints and
    instructions in it. An unknown code is a 422 that lists the choices."""
    check_support_language(code)
    learner.support_language = code
    db.add(learner)
    db.commit()
