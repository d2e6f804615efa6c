"""Database tables (SQLModel). Request/response shapes live in :mod:`api.schemas`.

Times are stored in UTC. Engine state that must survive between requests (a
session's grid posterior, a learner's current ability posteriors) is kept in
JSON columns through the engine's ``to_dict``/``from_dict``, never in process
memory, so any worker can serve any request.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, overload

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

ROLES = ("learner", "teacher", "author", "admin")


@overload
def utc(moment: datetime) -> datetime: ...


@overload
def utc(moment: None) -> None: ...


@overload
def utc(moment: datetime | None) -> datetime | None: ...


def utc(moment: datetime | None) -> datetime | None:
    """Attach UTC to a naive datetime (SQLite drops the zone on the way back)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON, nullable=nullable))


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable,
                                                     index=index))


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    password_hash: str
    role: str = Field(max_length=16)
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = _time()
    #: Placement tests a teacher allowed before the retake interval is over (0 or 1).
    placement_retakes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SchoolClass(SQLModel, table=True):
    __tablename__ = "classes"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    language: str = Field(max_length=8)
    teacher_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = _time()


class ClassLearner(SQLModel, table=True):
    """Membership: a learner belongs to at most one class."""

    __tablename__ = "class_learners"

    learner_id: int = Field(foreign_key="users.id", primary_key=True)
    class_id: int = Field(foreign_key="classes.id", index=True)


class ItemRow(SQLModel, table=True):
    """One exercise: searchable columns plus the full content item as JSON."""

    __tablename__ = "items"

    id: str = Field(primary_key=True, max_length=120)
    language: str = Field(max_length=8, index=True)
    track: str = Field(max_length=8)
    trade: str | None = Field(default=None, max_length=32)
    theme: str | None = Field(default=None, max_length=32)
    skill: str = Field(max_length=16)
    type: str = Field(max_length=24)
    cefr: str = Field(max_length=2)
    max_score: int = 1
    a: float
    b: float
    c: float = 0.0
    status: str = Field(max_length=16)  # prior | calibrated
    #: 'bank' (from content/bank) or 'authored' (published through the API).
    origin: str = Field(max_length=16)
    #: Served to learners (authored items are not live until published).
    live: bool = True
    vocabulary_set_id: str | None = Field(default=None, max_length=36)
    #: Vocabulary entry the item drills (``<language>:<trade>:<lemma>``): its spaced-review key.
    vocab_key: str | None = Field(default=None, max_length=200, index=True)
    #: Items built from one sentence (a typed cloze and its choice twin): never in one session.
    family: str | None = Field(default=None, max_length=200)
    #: Calibration run that last set a, b, c (None: the content's own parameters).
    calibration_id: str | None = Field(default=None, max_length=36)
    content: dict = _json()
    content_hash: str = Field(max_length=64)
    updated_at: datetime = _time()


class LearningSession(SQLModel, table=True):
    __tablename__ = "sessions"

    id: str = Field(primary_key=True, max_length=36)
    learner_id: int = Field(foreign_key="users.id", index=True)
    language: str = Field(max_length=8)
    mode: str = Field(max_length=16)  # placement | drill
    track: str = Field(max_length=8)
    trade: str | None = Field(default=None, max_length=32)
    status: str = Field(default="active", max_length=16)  # active | done
    #: Engine state: posterior, served items, the item waiting for an answer.
    state: dict = _json()
    result: dict | None = _json(nullable=True)
    created_at: datetime = _time()
    updated_at: datetime = _time()
    finished_at: datetime | None = _time(nullable=True)


class ResponseRow(SQLModel, table=True):
    """One answer. The unique constraints make retries and double submissions harmless."""

    __tablename__ = "responses"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "client_response_id", name="uq_response_client_id"),
        sa.UniqueConstraint("session_id", "item_id", name="uq_response_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique constraints start with it.
    session_id: str = Field(foreign_key="sessions.id", max_length=36)
    learner_id: int = Field(foreign_key="users.id", index=True)
    item_id: str = Field(foreign_key="items.id", index=True, max_length=120)
    client_response_id: str = Field(max_length=128)
    answer: Any = _json(nullable=True)
    score: int
    max_score: int
    correct: bool
    response_ms: int | None = None
    answered_at: datetime = _time(index=True)
    theta: float
    se: float
    level: str = Field(max_length=2)
    #: The exact payload returned, so a retry returns the first result.
    result: dict = _json()


class LearnerAbility(SQLModel, table=True):
    """A learner's ability posterior (growth state), overall and per skill, for one language,
    through the answer ``through_response_id`` (brought up to date when read:
    :func:`api.services.ability.catch_up`)."""

    __tablename__ = "learner_abilities"

    learner_id: int = Field(foreign_key="users.id", primary_key=True)
    language: str = Field(primary_key=True, max_length=8)
    scope: str = Field(primary_key=True, max_length=16)  # 'overall' or a skill
    posterior: dict = _json()
    theta: float
    se: float
    #: The time of the last answer applied.
    updated_at: datetime = _time()
    #: The last answer (``responses.id``) applied; the overall row's counts for the language.
    through_response_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class VocabularySetRow(SQLModel, table=True):
    __tablename__ = "vocabulary_sets"

    id: str = Field(primary_key=True, max_length=36)
    author_id: int = Field(foreign_key="users.id", index=True)
    language: str = Field(max_length=8)
    trade: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=200)
    status: str = Field(default="draft", max_length=16)  # draft | published
    #: The set as submitted.
    data: dict = _json()
    #: The generated items (content JSON), shown as the preview and made live on publish.
    items: list = _json()
    created_at: datetime = _time()
    published_at: datetime | None = _time(nullable=True)


class CalibrationRun(SQLModel, table=True):
    __tablename__ = "calibrations"

    id: str = Field(primary_key=True, max_length=36)
    requested_by: int = Field(foreign_key="users.id")
    status: str = Field(default="queued", max_length=16)  # queued | running | done | failed
    options: dict = _json()
    result: dict | None = _json(nullable=True)
    error: str | None = None
    created_at: datetime = _time()
    started_at: datetime | None = _time(nullable=True)
    finished_at: datetime | None = _time(nullable=True)


class BankLoad(SQLModel, table=True):
    """Which content-bank version is in the items table (start-up loads are idempotent)."""

    __tablename__ = "bank_loads"

    content_hash: str = Field(primary_key=True, max_length=64)
    item_count: int
    loaded_at: datetime = _time()


class RateCount(SQLModel, table=True):
    """Requests of one kind by one subject in one minute (``api.services.rate_limits``).
    ``key`` is an HMAC with the server's secret of ``<limit>:<account or address>``."""

    __tablename__ = "rate_counts"

    key: str = Field(primary_key=True, max_length=64)
    minute: int = Field(primary_key=True)  # Unix time // 60
    count: int = 0


class LoginFailure(SQLModel, table=True):
    """A failed login, for rate limiting across workers. ``key`` is a hash of
    ``user:<username>`` or ``ip:<address>`` (what was typed as a username is not stored)."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_key_failed_at", "key", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    failed_at: datetime = _time()


class AnonymousResponse(SQLModel, table=True):
    """An erased learner's answer, kept for calibration with no link to the person:
    a random key per erased learner (not derived from the account), the day only."""

    __tablename__ = "anonymous_responses"

    id: int | None = Field(default=None, primary_key=True)
    learner_key: str = Field(max_length=32, index=True)
    item_id: str = Field(foreign_key="items.id", index=True, max_length=120)
    score: int
    max_score: int
    answered_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))


class GrowthFit(SQLModel, table=True):
    """The growth model's population parameters for one language, learned from stored logs.

    Written by ``b1engine growth fit`` (marginal likelihood over the stored
    answers, items at their calibrated parameters); read by every growth state
    and curve of that language. No row: the engine's defaults.
    """

    __tablename__ = "growth_fits"

    language: str = Field(primary_key=True, max_length=8)
    #: :meth:`engine.growth.GrowthParameters.to_dict`.
    params: dict = _json()
    learners: int
    responses: int
    log_likelihood: float
    fitted_at: datetime = _time()


class ReviewState(SQLModel, table=True):
    """Spaced review: a learner's FSRS memory state of one vocabulary entry (``vocab_key``)."""

    __tablename__ = "review_states"

    learner_id: int = Field(foreign_key="users.id", primary_key=True)
    #: ``<language>:<trade>:<lemma>`` of the vocabulary entry.
    vocab_key: str = Field(primary_key=True, max_length=200)
    language: str = Field(max_length=8)
    #: :meth:`fsrs.Card.to_dict`.
    card: dict = _json()
    due: datetime = _time(index=True)
    state: str = Field(max_length=16)  # learning | review | relearning
    reviews: int = 0
    lapses: int = 0
    last_review: datetime = _time()


class LearnerPathway(SQLModel, table=True):
    """The teacher's choice of a learner's drill pathway: B1 track, a trade, or a blend."""

    __tablename__ = "learner_pathways"

    learner_id: int = Field(foreign_key="users.id", primary_key=True)
    #: The trade drilled (None: the B1 track only).
    trade: str | None = Field(default=None, max_length=32)
    #: Share of new drill items from the trade (0..1); the rest from the B1 track.
    trade_share: float = 0.0
    set_by: int = Field(foreign_key="users.id")
    updated_at: datetime = _time()
