"""A learner's data: export everything (right of access), erase it (right to erasure).

Both walk every table that refers to the account (a foreign key to
``users.id``), so a table added later — review states, say — is exported
and erased without changes here. Erasure keeps the answers for calibration
but cuts them from the person: they move to ``anonymous_responses`` with the
item, the score, the day (not the time) and a random key drawn once for the
erasure (not derived from the account, so nothing leads back to it). The
answer text, response time, session, ability estimates and the account itself
are deleted. See ``docs/privacy.md``.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, delete, select

from api.errors import NotFound
from api.models import AnonymousResponse, ClassLearner, ResponseRow, SchoolClass, User, utc

#: Account fields in the export (never the password hash).
USER_FIELDS = ("id", "username", "role", "language", "created_at")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _learner_columns() -> list[tuple[sa.Table, sa.Column]]:
    """(table, column) for every column that refers to ``users.id``, children before parents."""
    out = []
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name == "users":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                out.append((table, column))
    return out


def learner(session: Session, learner_id: int) -> User:
    user = session.get(User, learner_id)
    if user is None or user.role != "learner":
        raise NotFound(f"learner {learner_id} not found")
    return user


def export(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about ``user``, table by table, as JSON-ready values."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, column in _learner_columns():
        rows = session.exec(sa.select(table).where(column == user.id)).mappings().all()
        if rows:
            tables.setdefault(table.name, []).extend(
                {key: _plain(value) for key, value in row.items()} for row in rows)
    membership = session.get(ClassLearner, user.id)
    school_class = session.get(SchoolClass, membership.class_id) if membership else None
    teacher = session.get(User, school_class.teacher_id) if school_class else None
    return {"exported_at": _plain(now),
            "account": {field: _plain(getattr(user, field)) for field in USER_FIELDS},
            "class": ({"id": school_class.id, "name": school_class.name,
                       "language": school_class.language,
                       "teacher": teacher.username if teacher else None}
                      if school_class else None),
            "tables": dict(sorted(tables.items()))}


def erase(session: Session, user: User) -> dict[str, int]:
    """Delete the learner and everything linked to them; keep their answers anonymised.

    One transaction: either all of it happens or none. Returns rows touched per table.
    """
    key = uuid.uuid4().hex
    answers = session.exec(select(ResponseRow.item_id, ResponseRow.score, ResponseRow.max_score,
                                  ResponseRow.answered_at)
                           .where(ResponseRow.learner_id == user.id)).all()
    session.add_all([AnonymousResponse(learner_key=key, item_id=item_id, score=score,
                                       max_score=max_score, answered_on=utc(answered_at).date())
                     for item_id, score, max_score, answered_at in answers])
    counts = {"anonymous_responses": len(answers)}
    for table, column in _learner_columns():
        result = session.exec(delete(table).where(column == user.id))
        if result.rowcount:
            counts[table.name] = counts.get(table.name, 0) + result.rowcount
    session.delete(user)
    counts["users"] = 1
    session.commit()
    return counts
