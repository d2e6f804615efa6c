"""Where learning sessions and their answers are stored: the statements of the hot path.

The two hot requests (``next``, ``responses``) read and write the session row
with SQL Core statements built once (building one costs as much as running
it), not ORM objects: the ORM's unit of work costs more than the rest of them.
Nothing here commits: the orchestration (:mod:`api.services.sessions`) has
one commit point per request.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Row
from sqlmodel import Session as Db
from sqlmodel import col, select

from api.db import begin_write
from api.models import LearningSession, ResponseRow, User
from api.services import item_cache, reviews
from api.services.rows import table_of
from api.services.session_policy import DrillDesign, LearnerFacts
from api.services.session_state import Mode

_SESSIONS = table_of(LearningSession)
_USERS = table_of(User)
# The session row with its learner's facts; the item cache's version comes with it (one
# round trip for both).
_READ = (sa.select(_SESSIONS, item_cache.VERSION_COLUMN.label("cache_version"),
                   _USERS.c.created_at.label("learner_created_at"),
                   _USERS.c.token_version.label("learner_token_version"))
         .join_from(_SESSIONS, _USERS, _USERS.c.id == _SESSIONS.c.learner_id)
         .where(_SESSIONS.c.id == sa.bindparam("session_id")))
# Locks the learner's row (FOR NO KEY UPDATE: other tables' foreign-key checks stay free):
# all the requests that write a learner's answers and states queue there, whatever the
# session (see ability.catch_up).
_LOCK = _READ.with_for_update(of=_USERS, key_share=True)
#: SET the columns named in the parameters (besides ``session_id_``).
_SAVE = _SESSIONS.update().where(_SESSIONS.c.id == sa.bindparam("session_id_"))
_RECORD = table_of(ResponseRow).insert()


def lock(db: Db, session_id: str) -> tuple[Row | None, Connection]:
    """The session row (with its learner's creation time and the item cache's version),
    read under the learner's write lock so a learner's requests serialise.

    PostgreSQL: a lock on the learner's row (``FOR NO KEY UPDATE``), the one
    :func:`api.services.ability.catch_up` takes; SQLite: the database's write lock
    (``BEGIN IMMEDIATE``), as it has no row locks.
    """
    connection = begin_write(db)
    return connection.execute(_LOCK, {"session_id": session_id}).first(), connection


def read(db: Db, session_id: str) -> Row | None:
    """The row :func:`lock` reads, without the lock (what an answer is planned on)."""
    return db.connection().execute(_READ, {"session_id": session_id}).first()


def save(connection: Connection, session_id: str, **values: Any) -> None:
    """Write columns of a locked session row."""
    connection.execute(_SAVE, {"session_id_": session_id, **values})


def record_answer(connection: Connection, values: dict[str, Any]) -> None:
    """Insert one answer; its unique constraints raise ``IntegrityError`` for a second one."""
    connection.execute(_RECORD, values)


def answer_by_client_id(db: Db, session_id: str, client_response_id: str) -> ResponseRow | None:
    return db.exec(select(ResponseRow).where(col(ResponseRow.session_id) == session_id,
                                             col(ResponseRow.client_response_id) == client_response_id)
                   ).first()


def session_answers(db: Db, session_id: str) -> list[tuple[str, bool]]:
    """The session's answers in the order given: (bank item id, full marks)."""
    statement = (select(ResponseRow.item_id, ResponseRow.correct)
                 .where(col(ResponseRow.session_id) == session_id).order_by(col(ResponseRow.id)))
    return [(str(item_id), bool(right)) for item_id, right in db.exec(statement)]


def learner_facts(db: Db, mode: Mode, learner_id: int, language: str, reviews_open: bool,
                  now: datetime) -> LearnerFacts:
    """What the session rules need to know of the learner (see :class:`LearnerFacts`); the
    review keys only for a drill, the due ones only while reviews are open."""
    met = frozenset(db.exec(select(ResponseRow.item_id).where(col(ResponseRow.learner_id) == learner_id)
                            .distinct()))
    if mode != Mode.DRILL:
        return LearnerFacts(met=met)
    due = tuple(reviews.due_keys(db, learner_id, language, now)) if reviews_open else ()
    return LearnerFacts(met=met, due=due,
                        scheduled=frozenset(reviews.scheduled_keys(db, learner_id, language)))


def reviews_open(state_reviews: int, drill: DrillDesign) -> bool:
    return state_reviews < drill.review_cap


def sessions_of(db: Db, learner_id: int) -> list[LearningSession]:
    return list(db.exec(select(LearningSession).where(col(LearningSession.learner_id) == learner_id)
                        .order_by(col(LearningSession.created_at))))


def latest_placement(db: Db, learner_id: int, language: str) -> LearningSession | None:
    return db.exec(select(LearningSession)
                   .where(col(LearningSession.learner_id) == learner_id,
                          col(LearningSession.language) == language,
                          col(LearningSession.mode) == Mode.PLACEMENT.value)
                   .order_by(col(LearningSession.created_at).desc())).first()
