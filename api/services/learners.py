"""A learner's progress: ability at the last answer overall and per skill, history, sessions."""
from __future__ import annotations

from sqlmodel import Session, col, select

from api.models import LearnerAbility, LearningSession, User
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


def progress(db: Session, learner: User, language: str | None = None, with_reviews: bool = False,
             for_learner: bool = False, history_limit: int = HISTORY_PAGE_DEFAULT,
             history_before: int | None = None) -> LearnerProgress:
    """Ability at the last answer overall and per skill (:func:`_at_last_answer`), history, sessions.

    ``with_reviews``: also the learner's vocabulary review dates (for the learner themself).
    ``for_learner``: the learner reads it; during a placement test it shows no estimate.
    ``history_limit``, ``history_before``: the page of the history, the latest
    ``history_limit`` points before the ``history_before``-th (counted from the oldest, so
    a page stays the same page while new answers are added at the end).
    """
    learner_id = id_of(learner)
    language = language or learner.language or _last_language(db, learner_id)
    in_placement = language is not None and placement_open(db, learner_id, language)
    # estimates_hidden's rule, on the placement test looked up once just above.
    hidden = for_learner and in_placement
    scopes: dict[str, list[ability.AbilityPoint]] = {}
    current: dict[str, AbilityOut] = {}
    if language is not None and not hidden:
        # The stored growth states are brought up to date on every read (docs/growth.md): the
        # next drill starts from them. What this reply shows is the re-estimate (the curves').
        ability.catch_up(db, learner_id, language)
        db.commit()
        scopes = ability.series(db, [learner_id], language).get(learner_id, {})
        current = {scope: _at_last_answer(points[-1], language, scope)
                   for scope, points in scopes.items() if points}
    overall = current.pop(ability.OVERALL, None)
    skills = current
    points = scopes.get(ability.OVERALL, [])
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


def _at_last_answer(point: ability.AbilityPoint, language: str, scope: str) -> AbilityOut:
    """The level at a scope's last answer, dated by it (``updated_at``).

    The re-estimate's last point (where the smoothed and the filtered estimate agree): the one
    value the roster, the curves' last point and the history's last point give too, so a
    teacher's roster and a printed report say the same for the same learner. It is not carried
    forward to the moment of the request: the growth model would move the level by the
    learner's growth rate and widen its SE every day without an answer, so a learner away for
    weeks would seem to keep progressing, and a report would change with the day it is printed.
    """
    skill = None if scope == ability.OVERALL else scope
    facts = adapter.normal_estimate(point["theta"], point["se"], language, skill)
    return AbilityOut(theta=facts.theta, se=facts.se, level=facts.level,
                      level_probabilities=facts.level_probabilities,
                      se_levels=facts.se / adapter.level_width(language, skill), updated_at=point["time"])


def placement_open(db: Session, learner_id: int, language: str) -> bool:
    """Whether the learner has a placement test in ``language`` that has not ended."""
    return db.exec(select(LearningSession.id).where(
        col(LearningSession.learner_id) == learner_id, col(LearningSession.language) == language,
        col(LearningSession.mode) == "placement", col(LearningSession.status) != "done")).first() is not None


def estimates_hidden(db: Session, learner_id: int, language: str | None, for_learner: bool) -> bool:
    """The one rule of every view of a learner's ability (progress, curves, export): the
    learner themself (``for_learner``) sees no estimate in a language while a placement test
    in it is open, as an estimate that moves answer by answer would tell right answers from
    wrong; their teacher sees it (the test gives the teacher no answer key)."""
    return for_learner and language is not None and placement_open(db, learner_id, language)


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
