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
from sqlmodel import Session, SQLModel, col, delete, select

from api.errors import NotFound
from api.models import AnonymousResponse, ClassLearner, ItemRow, LearningSession, ResponseRow, SchoolClass, User, utc
from api.schemas import AbilityHistory, ExportClass, LearnerExport
from api.services import history
from api.services.items import ItemContent, stored_content
from api.services.learners import estimates_hidden
from api.services.rows import id_of

#: Account fields in the export (never the password hash).
USER_FIELDS = ("id", "username", "display_name", "role", "language", "created_at")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _learner_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """(table, column) for every column that refers to ``users.id``, children before parents."""
    out: list[tuple[sa.Table, sa.Column[Any]]] = []
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name == "users":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                out.append((table, column))
    return out


def learner(db: Session, learner_id: int) -> User:
    user = db.get(User, learner_id)
    if user is None or user.role != "learner":
        raise NotFound(f"learner {learner_id} not found: check the id in your class's list of learners")
    return user


#: Columns of the learner's sessions and answers that are ours, not theirs: the engine's state
#: (the served ids' key, the items served, the posterior) and, per answer, bank ids and the
#: estimates before and after it (whose moves, answer by answer, would rebuild item parameters,
#: and tell a placement test's right answers from its wrong ones).
INTERNAL_COLUMNS = {"sessions": {"state"},
                    "responses": {"item_id", "answer", "result", "theta", "se", "level", "theta_before",
                                  "se_before"}}
#: What a placement test does not say per answer, in its reply or in an export.
PLACEMENT_WITHHELD = ("score", "max_score", "correct")
#: Tables of ability estimates, one language per row: while a placement test in that language
#: is open, the learner's own export leaves its rows out, as their progress shows no estimate.
ESTIMATE_TABLES = frozenset({"learner_abilities", "reported_estimates", "calibration_level_changes"})


def export(db: Session, user: User, now: datetime, for_learner: bool = False) -> LearnerExport:
    """Everything stored about ``user``, table by table, as JSON-ready values.

    Answers name what the learner saw and answered, in words (:func:`answer_in_words`),
    not our item ids or parameters; see ``INTERNAL_COLUMNS``. ``for_learner``: the learner
    reads it; in a language with a placement test open it holds no ability estimate (no
    history, no rows of ``ESTIMATE_TABLES``), by the rule of their progress and curves
    (:func:`api.services.learners.estimates_hidden`), and that language's ability history says
    why (``placement_in_progress``). The teacher's export holds them, as the teacher's view does.
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    own_sessions = list(db.exec(select(LearningSession).where(col(LearningSession.learner_id) == user.id)))
    modes = {row.id: row.mode for row in own_sessions}
    languages = sorted({row.language for row in own_sessions})
    withheld = {language for language in languages
                if estimates_hidden(db, id_of(user), language, for_learner)}
    for table, column in _learner_columns():
        rows = db.execute(sa.select(table).where(column == user.id)).mappings().all()
        hidden = INTERNAL_COLUMNS.get(table.name, set())
        for row in rows:
            if table.name in ESTIMATE_TABLES and row["language"] in withheld:
                continue
            record = {key: _plain(value) for key, value in row.items() if key not in hidden}
            if table.name == "responses":
                if modes.get(row["session_id"]) != "drill":
                    for key in PLACEMENT_WITHHELD:
                        record.pop(key, None)
                record.update(answer_in_words(db, row["item_id"], row["answer"]))
            tables.setdefault(table.name, []).append(record)
    membership = db.get(ClassLearner, user.id)
    school_class = db.get(SchoolClass, membership.class_id) if membership else None
    teacher = db.get(User, school_class.teacher_id) if school_class else None
    # Validated from a mapping: the field ``class_`` is set by its alias, "class".
    return LearnerExport.model_validate({
        "exported_at": utc(now),
        "account": {field: _plain(getattr(user, field)) for field in USER_FIELDS},
        "class": (ExportClass(id=id_of(school_class), name=school_class.name, language=school_class.language,
                              teacher=teacher.username if teacher else None)
                  if school_class else None),
        "tables": dict(sorted(tables.items())),
        # The learner's ability over time as they were told it and as it is re-estimated today.
        "ability_history": [history.both(db, id_of(user), language) if language not in withheld
                            else AbilityHistory(language=language, reported=[], re_estimated=[],
                                placement_in_progress=True)
                            for language in languages]})


def answer_in_words(db: Session, item_id: str, answer: Any) -> dict[str, Any]:
    """One answer in words: the exercise as shown (instructions, prompt, passage, options
    in alphabetical order) and the answer given (option ids become their texts). Also the
    teacher's view of a learner's recent answers (:mod:`api.services.activity`)."""
    item = db.get(ItemRow, item_id)
    content: ItemContent = stored_content(item.content) if item is not None else {}
    texts = {o["id"]: o["text"] for o in content.get("options") or ()}
    if isinstance(answer, list):
        given: Any = " ".join(texts.get(token, "?") for token in answer)
    else:
        given = texts.get(answer, answer) if texts else answer
    return {"exercise": {key: content.get(key) for key in ("instructions", "prompt", "passage")},
            "options": sorted(texts.values()), "your_answer": given}


def erase(db: Session, user: User) -> dict[str, int]:
    """Delete the learner and everything linked to them; keep their answers anonymised.

    One transaction: either all of it happens or none. Returns rows touched per table.
    """
    key = uuid.uuid4().hex
    answers = db.exec(select(ResponseRow.item_id, ResponseRow.score, ResponseRow.max_score,
                                  ResponseRow.answered_at)
                           .where(col(ResponseRow.learner_id) == user.id)).all()
    db.add_all([AnonymousResponse(learner_key=key, item_id=item_id, score=score,
                                       max_score=max_score, answered_on=utc(answered_at).date())
                     for item_id, score, max_score, answered_at in answers])
    counts = {"anonymous_responses": len(answers)}
    for table, column in _learner_columns():
        result = db.exec(delete(table).where(column == user.id))
        if result.rowcount:
            counts[table.name] = counts.get(table.name, 0) + result.rowcount
    db.delete(user)
    counts["users"] = 1
    db.commit()
    flush_deleted(db)
    return counts


def flush_deleted(db: Session) -> None:
    """Leave no copy of deleted rows in the database's files.

    SQLite: deleted content is zeroed (``secure_delete``, set on every connection) and the
    write-ahead log, which still holds the pages as they were, is checkpointed into the
    database and truncated to zero bytes. PostgreSQL keeps dead rows until a vacuum: run
    ``VACUUM`` after erasures (``docs/operations.md``).
    """
    if db.get_bind().dialect.name == "sqlite":
        db.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.commit()
