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
    __table_args__ = (sa.Index("ix_users_login_key", "login_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    #: The login as it was given (NFC): what the account's owner types, shown to teachers.
    username: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    #: The login as it is matched (:func:`api.services.usernames.login_key`): case, width and
    #: digit forms folded, so "Şükrü", "şükrü" and "ŞÜKRÜ" are one account.
    login_key: str = Field(sa_column=sa.Column(sa.String(256), nullable=False, server_default=""))
    #: The name people read, in any script ("Søren Ås", "Şükrü Yılmaz", "مريم").
    display_name: str = Field(max_length=120, sa_column_kwargs={"server_default": ""})
    password_hash: str
    role: str = Field(max_length=16)
    language: str | None = Field(default=None, max_length=8)
    #: The language a learner reads best (``content.support``): glosses, hints, instructions and
    #: level descriptions in it. None: none chosen (no gloss items; hints in the target language).
    support_language: str | None = Field(default=None, max_length=8)
    created_at: datetime = _time()
    #: Placement tests a teacher allowed before the retake interval is over (0 or 1).
    placement_retakes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: Signed into every token; raised when the password, the role or the account's state
    #: changes, which revokes every token issued before.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: The password was set by someone else (a reset): the owner must choose one before anything else.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    #: Set: the account cannot log in and its tokens are refused (an admin disabled it, or a
    #: teacher removed the learner from their class).
    disabled_at: datetime | None = _time(nullable=True)


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
        # The items a learner has met, read on every answer (session_store.learner_facts), from
        # the index alone: a year of drills is thousands of answers on about a thousand items.
        # It serves every lookup by learner as well.
        sa.Index("ix_responses_learner_item", "learner_id", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique constraints start with it.
    session_id: str = Field(foreign_key="sessions.id", max_length=36)
    # No index of its own: ix_responses_learner_item starts with it.
    learner_id: int = Field(foreign_key="users.id")
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
    #: The estimate just before this answer (the session's posterior before it): what the answer
    #: is judged against in an item's fit (api/services/authoring.py). The defaults are the
    #: engine's prior, N(0, 1), what answers stored before 0016 without an earlier one get.
    theta_before: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    se_before: float = Field(default=1.0, sa_column_kwargs={"server_default": "1"})
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
    """A calibration run; one that changed items is a version of the parameters (its
    changes in ``calibration_item_changes``, undone by a rollback)."""

    __tablename__ = "calibrations"

    id: str = Field(primary_key=True, max_length=36)
    requested_by: int = Field(foreign_key="users.id")
    #: queued | running | done | failed | rolled_back
    status: str = Field(default="queued", max_length=16)
    #: :class:`api.schemas.CalibrationOptions` (the values the run used, defaults filled in).
    options: dict = _json()
    #: :class:`api.schemas.CalibrationResult`.
    result: dict | None = _json(nullable=True)
    error: str | None = None
    #: A failed run's cause by name (:data:`api.schemas.RunFailure`); ``error`` says it in English.
    error_code: str | None = Field(default=None, max_length=32)
    created_at: datetime = _time()
    started_at: datetime | None = _time(nullable=True)
    finished_at: datetime | None = _time(nullable=True)
    #: When its new parameters were written (None: a dry run, a run that changed nothing).
    applied_at: datetime | None = _time(nullable=True)
    rolled_back_at: datetime | None = _time(nullable=True)
    #: The admin who rolled it back (None with ``rolled_back_at`` set: the command line).
    rolled_back_by: int | None = Field(default=None, foreign_key="users.id")


class CalibrationItemChange(SQLModel, table=True):
    """An item's parameters before and after a run: what it changed (a dry run: would change).
    A rollback writes the ``before`` values back."""

    __tablename__ = "calibration_item_changes"

    run_id: str = Field(foreign_key="calibrations.id", primary_key=True, max_length=36)
    item_id: str = Field(foreign_key="items.id", primary_key=True, max_length=120)
    #: Distinct learners whose answers the estimate rests on.
    learners: int
    a_before: float
    b_before: float
    c_before: float
    status_before: str = Field(max_length=16)
    calibration_before: str | None = Field(default=None, max_length=36)
    a_after: float
    b_after: float
    c_after: float
    se_a: float
    se_b: float
    #: Holm-tested p-value of the current values against the estimate (small: they disagree).
    p_value: float


class CalibrationLevelChange(SQLModel, table=True):
    """A learner whose level a run changed (a dry run: would change), from their answers
    re-estimated under the parameters before and after."""

    __tablename__ = "calibration_level_changes"

    run_id: str = Field(foreign_key="calibrations.id", primary_key=True, max_length=36)
    learner_id: int = Field(foreign_key="users.id", primary_key=True, index=True)
    language: str = Field(primary_key=True, max_length=8)
    theta_before: float
    theta_after: float
    level_before: str = Field(max_length=2)
    level_after: str = Field(max_length=2)


class ReportedEstimate(SQLModel, table=True):
    """An ability estimate as it was reported to the learner (a drill's answer, a placement
    test's end), kept as it was: curves show these, whatever later re-estimates say."""

    __tablename__ = "reported_estimates"
    __table_args__ = (sa.Index("ix_reported_estimates_learner_language", "learner_id", "language",
                               "reported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="users.id")
    language: str = Field(max_length=8)
    reported_at: datetime = _time()
    theta: float
    se: float
    level: str = Field(max_length=2)
    #: The calibration run whose parameters were live (None: the content's own parameters).
    parameters: str | None = Field(default=None, max_length=36)
    #: placement | drill
    source: str = Field(max_length=16)


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


class LoginThrottle(SQLModel, table=True):
    """Failed logins of one login from one address, or from one address whatever the login:
    the back-off of :mod:`api.services.login_limits`, shared by every worker.

    ``key`` and ``account_key`` are HMACs with the server's secret (what was typed as a
    login is not stored in any form a reader could reverse); ``account_key`` lets a
    teacher lift the locks on a learner's login from every address.
    """

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=64)
    account_key: str | None = Field(default=None, max_length=64, index=True)
    #: Unix time of the last failure.
    failed_at: float
    #: Unix time when every failure so far is forgiven (each adds a fixed time: a leaky
    #: bucket kept as one moment, so one atomic upsert records a failure).
    forgiven_at: float


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


class GrowthFitVersion(SQLModel, table=True):
    """Every growth fit stored (``b1engine growth fit``): who, when, what it replaced, so a fit
    can be listed, shown and rolled back. ``growth_fits`` holds the live one's values."""

    __tablename__ = "growth_fit_versions"

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=8, index=True)
    #: :meth:`engine.growth.GrowthParameters.to_dict`.
    params: dict = _json()
    learners: int
    responses: int
    log_likelihood: float
    fitted_at: datetime = _time()
    #: Who ran the fit (the shell's user name: growth fits are a command of the server's shell).
    fitted_by: str | None = Field(default=None, max_length=64)
    #: The version live before it (None: the engine's defaults), restored by a rollback.
    replaces: int | None = Field(default=None, foreign_key="growth_fit_versions.id")
    #: False for a fit stored before versions (migration 0014): what it replaced was not kept.
    replaced_kept: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    rolled_back_at: datetime | None = _time(nullable=True)
    rolled_back_by: str | None = Field(default=None, max_length=64)


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


class LtiRegistration(SQLModel, table=True):
    """A learning platform (Moodle, Canvas, ...) registered for LTI 1.3 (``b1engine lti register``):
    its issuer, our client id there and its endpoints (:mod:`api.services.lti`)."""

    __tablename__ = "lti_registrations"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id", name="uq_lti_registrations_issuer_client"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=255)
    client_id: str = Field(max_length=255)
    auth_login_url: str = Field(max_length=1000)
    auth_token_url: str = Field(max_length=1000)
    jwks_url: str = Field(max_length=1000)
    created_at: datetime = _time()


class LtiDeployment(SQLModel, table=True):
    """A deployment of the tool on a registered platform (launches name one; unknown: refused)."""

    __tablename__ = "lti_deployments"

    registration_id: int = Field(foreign_key="lti_registrations.id", primary_key=True)
    deployment_id: str = Field(primary_key=True, max_length=255)


class LtiKey(SQLModel, table=True):
    """The tool's RSA key pairs (RS256), named by ``kid``: the newest unretired one signs; a
    retired one stays published for a grace period (``b1engine lti rotate-key``)."""

    __tablename__ = "lti_keys"

    kid: str = Field(primary_key=True, max_length=64)
    #: PKCS#8 PEM. In the database (not the data folder): every worker on every host signs
    #: with the same key and publishes the same set.
    private_pem: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    public_jwk: dict = _json()
    created_at: datetime = _time()
    retired_at: datetime | None = _time(nullable=True)


class LtiLaunchState(SQLModel, table=True):
    """An OIDC login in flight: its ``state`` (also in the browser's cookie) and ``nonce`` (in the
    platform's id_token), used once and deleted by the launch, or dropped once expired."""

    __tablename__ = "lti_launch_states"

    state: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=64)
    registration_id: int = Field(foreign_key="lti_registrations.id", index=True)
    expires_at: datetime = _time(index=True)


class LtiAccount(SQLModel, table=True):
    """A platform's user (issuer, ``sub``) and the account they launch into."""

    __tablename__ = "lti_accounts"

    issuer: str = Field(primary_key=True, max_length=255)
    subject: str = Field(primary_key=True, max_length=255)
    user_id: int = Field(foreign_key="users.id", index=True)


class LtiContext(SQLModel, table=True):
    """A platform's course (issuer, deployment, context id) and the class it is here."""

    __tablename__ = "lti_contexts"

    registration_id: int = Field(foreign_key="lti_registrations.id", primary_key=True)
    deployment_id: str = Field(primary_key=True, max_length=255)
    context_id: str = Field(primary_key=True, max_length=255)
    class_id: int = Field(foreign_key="classes.id", index=True)
    #: The platform's Names and Role Provisioning Services endpoint (None: not offered).
    memberships_url: str | None = Field(default=None, max_length=1000)


class LtiResourceLink(SQLModel, table=True):
    """An activity placed in a course (a resource link) and what it opens: its language, mode
    (placement, drill), track and trade; where its grades go (AGS)."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (sa.UniqueConstraint("registration_id", "deployment_id", "resource_link_id",
                                          name="uq_lti_resource_links_link"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="lti_registrations.id")
    deployment_id: str = Field(max_length=255)
    resource_link_id: str = Field(max_length=255)
    class_id: int = Field(foreign_key="classes.id", index=True)
    language: str = Field(max_length=8)
    mode: str = Field(max_length=16)  # placement | drill
    track: str = Field(max_length=8)
    trade: str | None = Field(default=None, max_length=32)
    #: The gradebook column (AGS ``lineitem``); None: found or created in ``lineitems`` when
    #: the first grade is sent.
    lineitem_url: str | None = Field(default=None, max_length=1000)
    lineitems_url: str | None = Field(default=None, max_length=1000)


class LtiLinkLearner(SQLModel, table=True):
    """A learner who launched a resource link: their results are sent to its line item."""

    __tablename__ = "lti_link_learners"

    link_id: int = Field(foreign_key="lti_resource_links.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)


class LtiGradeOutbox(SQLModel, table=True):
    """A score to send to a platform's gradebook (AGS), kept until the platform accepts it:
    retried with back-off, by any worker and after a restart (``b1engine lti flush``)."""

    __tablename__ = "lti_grade_outbox"
    __table_args__ = (sa.UniqueConstraint("link_id", "session_id", name="uq_lti_grade_outbox_session"),)

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="lti_resource_links.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    #: The session whose result this is (one score per session and link).
    session_id: str = Field(max_length=36)
    score_given: float
    score_maximum: float
    comment: str = Field(max_length=500)
    activity_progress: str = Field(max_length=16)
    grading_progress: str = Field(max_length=16)
    scored_at: datetime = _time()
    created_at: datetime = _time()
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime = _time(index=True)
    delivered_at: datetime | None = _time(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
