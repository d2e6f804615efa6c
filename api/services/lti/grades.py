"""Assignment and Grade Services (AGS 2.0) through an outbox: no grade is lost.

When a learner who came through an LTI activity finishes a session of that activity's
language and mode, :func:`queue_result` writes the score into ``lti_grade_outbox`` in the
same transaction as the session's end (nothing is sent while a learner waits).
:func:`flush` sends what is due: the app's lifespan runs it every
``B1ENGINE_LTI_OUTBOX_INTERVAL_SECONDS``, ``b1engine lti flush`` runs it once. A
platform that is down, slow or refusing leaves the row where it is, to be tried again
after a back-off (:func:`backoff`); a restart finds it in the database. A row is claimed
(its next attempt moved past the request's timeout) before it is sent, so two workers
never send one row at once; once the platform accepted it, it is marked delivered and
never sent again.

The score (AGS §3.4): a placement test's CEFR level as a scaled score, A1 = 1 … B2 = 4
out of 4, with the level and its probability in the comment; a drill's right answers
out of its answers (its activity, as progress).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from api.models import LtiAccount, LtiGradeOutbox, LtiLinkLearner, LtiRegistration, LtiResourceLink, utc
from api.services.engine_adapter import LEVELS
from api.services.lti import claims, keys
from api.services.lti.platform import PlatformClient, PlatformError
from api.services.lti.registrations import Registration, describe
from api.services.rows import table_of
from api.services.session_state import Mode, SessionResultDict

logger = logging.getLogger("b1engine.lti")

#: The first retry's wait; each failure doubles it, up to :data:`LONGEST_WAIT` (then every
#: LONGEST_WAIT, for ever: a grade is never dropped).
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
#: A claimed row is not taken by another worker for this long (longer than a request's timeout).
CLAIM = timedelta(minutes=2)
#: Rows sent per pass (the next pass takes the rest).
BATCH = 100
#: The tag of the line items the tool creates, per mode (AGS §3.2.9).
TAG = "b1engine-{mode}"


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 30 s, 1 min, 2 min, … capped at 6 h."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


#: A drill's gradebook column: right answers as a share of the drill's answers, out of 100.
DRILL_SCORE_MAXIMUM = 100.0


def score_maximum(mode: str) -> float:
    """The line item's maximum for an activity of ``mode`` (a placement test: the levels' count)."""
    return float(len(LEVELS)) if mode == Mode.PLACEMENT else DRILL_SCORE_MAXIMUM


def placement_score(level: str) -> tuple[float, float]:
    """A CEFR level as a scaled score: its rank among the engine's levels (A1 = 1) out of their count."""
    return float(LEVELS.index(level) + 1) if level in LEVELS else 0.0, float(len(LEVELS))


def _score(mode: str, result: SessionResultDict) -> tuple[float, float, str]:
    level = result["level"]
    if mode == Mode.PLACEMENT:
        given, maximum = placement_score(level)
        probability = result["level_probabilities"].get(level, 0.0)
        return given, maximum, f"CEFR level {level} (probability {probability:.2f})"
    answered = result["items_answered"]
    right = result.get("correct", 0)
    return float(right), float(max(answered, 1)), f"Drill: {right} of {answered} right; level now {level}"


def queue_result(db: Session, learner_id: int, session_id: str, mode: str, language: str,
                 result: SessionResultDict, now: datetime) -> int:
    """Queue the finished session's score for every LTI activity of its mode and language the
    learner launched (none for a learner who never came through LTI). The caller commits,
    with the session's end. Returns the rows queued."""
    links = db.exec(select(LtiResourceLink.id)
                    .join(LtiLinkLearner, col(LtiLinkLearner.link_id) == col(LtiResourceLink.id))
                    .where(col(LtiLinkLearner.user_id) == learner_id, col(LtiResourceLink.mode) == mode,
                           col(LtiResourceLink.language) == language)).all()
    if not links:
        return 0
    given, maximum, comment = _score(mode, result)
    db.execute(table_of(LtiGradeOutbox).insert(), [
        {"link_id": link_id, "user_id": learner_id, "session_id": session_id, "score_given": given,
         "score_maximum": maximum, "comment": comment, "activity_progress": "Completed",
         "grading_progress": "FullyGraded", "scored_at": now, "created_at": now, "attempts": 0,
         "next_attempt_at": now} for link_id in links])
    return len(links)


@dataclass(frozen=True)
class FlushReport:
    """One pass of the outbox: scores the platforms accepted, attempts that failed (kept for a
    retry), rows still waiting."""

    delivered: int
    failed: int
    pending: int


def _claim(db: Session, row_id: int, seen: datetime, now: datetime) -> bool:
    """Take the row for this worker (a conditional update: one worker wins)."""
    result = db.execute(update(LtiGradeOutbox)
                        .where(col(LtiGradeOutbox.id) == row_id, col(LtiGradeOutbox.delivered_at).is_(None),
                               col(LtiGradeOutbox.next_attempt_at) == seen)
                        .values(next_attempt_at=now + CLAIM))
    db.commit()
    return bool(getattr(result, "rowcount", 0))


def _scores_url(lineitem: str) -> str:
    """``{lineitem}/scores``, before the line item URL's query (AGS §3.4.1)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _lineitem(db: Session, platforms: PlatformClient, registration: Registration, link: LtiResourceLink,
              now: datetime) -> str:
    """The link's line item: given by the launch, or found (by resource link and tag) or made in
    the course's line items, then kept."""
    if link.lineitem_url:
        return link.lineitem_url
    if not link.lineitems_url:
        raise PlatformError("the platform gave this activity no gradebook column (AGS lineitem) to send to")
    token = platforms.token(registration, (claims.SCOPE_LINEITEM, claims.SCOPE_SCORE), keys.current(db, now), now)
    headers = {"Authorization": f"Bearer {token}"}
    tag = TAG.format(mode=link.mode)
    query = urlencode({"resource_link_id": link.resource_link_id, "tag": tag})
    separator = "&" if "?" in link.lineitems_url else "?"
    found = platforms.request("GET", f"{link.lineitems_url}{separator}{query}",
                              headers={**headers, "Accept": claims.MEDIA_LINEITEMS}).json()
    items = [i for i in found if isinstance(i, dict) and isinstance(i.get("id"), str)] if isinstance(found, list) else []
    if items:
        url = items[0]["id"]
    else:
        maximum = score_maximum(link.mode)
        label = "Placement test" if link.mode == Mode.PLACEMENT else "Drill"
        made = platforms.request("POST", link.lineitems_url, json={
            "scoreMaximum": maximum, "label": f"{label} ({link.language})", "resourceLinkId": link.resource_link_id,
            "tag": tag}, headers={**headers, "Content-Type": claims.MEDIA_LINEITEM,
                                  "Accept": claims.MEDIA_LINEITEM}).json()
        url = made.get("id") if isinstance(made, dict) else None
        if not isinstance(url, str):
            raise PlatformError("the platform made a line item but gave no id")
    link.lineitem_url = url
    db.add(link)
    db.commit()
    return url


def _send(db: Session, platforms: PlatformClient, row: LtiGradeOutbox, now: datetime) -> None:
    link = db.get(LtiResourceLink, row.link_id)
    registration_row = db.get(LtiRegistration, link.registration_id) if link is not None else None
    if link is None or registration_row is None:
        raise PlatformError("the activity or its platform is no longer registered")
    registration = describe(db, registration_row)
    subject = db.exec(select(LtiAccount.subject).where(col(LtiAccount.user_id) == row.user_id,
                                                       col(LtiAccount.issuer) == registration.issuer)).first()
    if subject is None:
        raise PlatformError("the learner has no account at this platform")
    lineitem = _lineitem(db, platforms, registration, link, now)
    token = platforms.token(registration, (claims.SCOPE_LINEITEM, claims.SCOPE_SCORE), keys.current(db, now), now)
    timestamp = utc(row.scored_at).isoformat(timespec="milliseconds")
    try:
        platforms.request("POST", _scores_url(lineitem), json={
            "userId": subject, "scoreGiven": row.score_given, "scoreMaximum": row.score_maximum,
            "comment": row.comment, "timestamp": timestamp, "activityProgress": row.activity_progress,
            "gradingProgress": row.grading_progress},
            headers={"Authorization": f"Bearer {token}", "Content-Type": claims.MEDIA_SCORE})
    except PlatformError:
        platforms.forget_token(registration)  # a refused token is not offered again
        raise


def flush(db: Session, platforms: PlatformClient, now: datetime, limit: int = BATCH) -> FlushReport:
    """Send the scores that are due (see the module's text). Commits row by row."""
    due = db.exec(select(LtiGradeOutbox.id, LtiGradeOutbox.next_attempt_at)
                  .where(col(LtiGradeOutbox.delivered_at).is_(None), col(LtiGradeOutbox.next_attempt_at) <= now)
                  .order_by(col(LtiGradeOutbox.id)).limit(limit)).all()
    db.commit()
    delivered = failed = 0
    for row_id, seen in due:
        if row_id is None or not _claim(db, row_id, seen, now):
            continue  # another worker took it
        row = db.get(LtiGradeOutbox, row_id)
        if row is None:
            continue  # erased with its learner meanwhile
        try:
            _send(db, platforms, row, now)
        except PlatformError as error:
            row = db.get(LtiGradeOutbox, row_id)
            if row is None:
                continue
            row.attempts += 1
            row.next_attempt_at = now + backoff(row.attempts)
            row.last_error = str(error)[:500]
            db.add(row)
            db.commit()
            failed += 1
            logger.warning("LTI grade %s not delivered (attempt %s, next at %s): %s", row_id, row.attempts,
                           row.next_attempt_at.isoformat(), error)
            continue
        row.delivered_at = now
        row.last_error = None
        db.add(row)
        db.commit()
        delivered += 1
    return FlushReport(delivered, failed, pending(db))


def pending(db: Session) -> int:
    """Scores not delivered yet."""
    return db.exec(select(func.count()).select_from(LtiGradeOutbox)
                   .where(col(LtiGradeOutbox.delivered_at).is_(None))).one()

