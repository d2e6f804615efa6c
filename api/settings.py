"""Service configuration: one settings class, read from ``B1ENGINE_*`` variables.

Every option has a safe default for one school on one machine (SQLite in the
user's data folder, ``~/.local/share/b1engine`` on Linux: the same file from
whatever folder a command is run); a national deployment sets
``B1ENGINE_DATABASE_URL`` to PostgreSQL and ``B1ENGINE_JWT_SECRET`` to a shared
secret so several workers and hosts accept each other's tokens.
"""
from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Bytes of randomness in a generated signing secret (256 bits, as HS256 wants).
SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt-secret"
#: The SQLite file's name in ``var_dir`` when no database URL is set.
DATABASE_FILE_NAME = "b1engine.db"


def default_var_dir() -> Path:
    """The user's data folder for b1engine (``$XDG_DATA_HOME/b1engine``, by default
    ``~/.local/share/b1engine`` on Linux): absolute, so every command finds the same
    database whatever the current folder (a relative default made a new, empty one
    wherever ``users create`` was run)."""
    from platformdirs import user_data_path

    return user_data_path("b1engine", appauthor=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def absolute_database_url(url: str) -> str:
    """``url`` with a relative SQLite path made absolute (against the current folder, once,
    here): what every command prints and uses is then one file."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:") or Path(database).is_absolute():
        return url
    return parsed.set(database=str(Path(database).expanduser().resolve())).render_as_string(
        hide_password=False)


class Settings(BaseSettings):
    """All configuration of the service (environment prefix ``B1ENGINE_``)."""

    model_config = SettingsConfigDict(env_prefix="B1ENGINE_", extra="ignore")

    #: Where generated files live (the persisted JWT secret) and, unless ``database_url`` says
    #: otherwise, the SQLite database. Absolute (a relative value is taken from the current folder).
    var_dir: Path = Field(default_factory=default_var_dir)
    #: Default: SQLite, ``var_dir/b1engine.db``.
    database_url: str = Field(default_factory=lambda data: sqlite_url(data["var_dir"] / DATABASE_FILE_NAME))
    #: HS256 signing key; when unset a random one is generated once and kept in ``var_dir``.
    jwt_secret: str | None = Field(default=None, repr=False)
    jwt_algorithm: str = "HS256"
    token_expiry_minutes: int = Field(default=12 * 60, gt=0)
    #: Origins allowed by CORS; empty means closed (no cross-origin browser calls).
    cors_origins: list[str] = Field(default_factory=list)
    #: Addresses of the reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed (JSON
    #: list, e.g. ``["127.0.0.1"]`` behind a local nginx); empty: no proxy headers are trusted,
    #: the client is the peer address.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: ``Strict-Transport-Security`` max-age in seconds; 0 sends no HSTS (set it behind HTTPS).
    hsts_seconds: int = Field(default=0, ge=0)
    #: Failed logins cost nothing up to these counts, then each one doubles the wait before
    #: the next attempt, up to the longest wait (``api.services.login_limits``): per login and
    #: client address (the owner elsewhere is not slowed; their teacher can lift it), and per
    #: address whatever the login (a school's classes share one address: a high count, a short
    #: wait). Counted in the database: holds across workers.
    login_free_failures_per_account: int = Field(default=3, ge=0)
    login_longest_wait_per_account_seconds: int = Field(default=15 * 60, gt=0)
    login_free_failures_per_address: int = Field(default=30, ge=0)
    login_longest_wait_per_address_seconds: int = Field(default=60, gt=0)
    #: Largest request body (bytes): an answer, a login, a new session are small; a vocabulary
    #: set upload (``POST /v1/vocabulary-sets``) may be larger. Larger: 413, unread.
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    max_upload_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    #: Largest request line plus headers (bytes); larger: 431.
    max_header_bytes: int = Field(default=16 * 1024, gt=0)
    #: A body must arrive whole within this many seconds of the request's start (408 otherwise):
    #: a client trickling its body holds a connection, never a worker's admission slot.
    body_read_timeout_seconds: float = Field(default=10.0, gt=0)
    #: Requests per minute, counted in the database across workers (then 429 + Retry-After):
    #: answers and session starts per learner, uploads per author, login attempts per username
    #: and per client address (a class of 25 behind one school address logs in at once).
    rate_answers_per_minute: int = Field(default=60, gt=0)
    rate_session_starts_per_minute: int = Field(default=20, gt=0)
    rate_uploads_per_minute: int = Field(default=20, gt=0)
    rate_logins_per_minute_per_username: int = Field(default=10, gt=0)
    rate_logins_per_minute_per_address: int = Field(default=120, gt=0)
    #: Database connections each worker keeps open; also the requests it handles at once
    #: and its request threads (more wait their turn; see ``api.middleware.AdmissionLimit``).
    db_pool_size: int = Field(default=4, gt=0, le=100)
    #: Content bank root; None means the bundled ``content/bank``.
    bank_root: Path | None = None
    #: Before taking requests, load what answering needs (item pools, the scoring tables of the
    #: languages in use): the first learners after a start wait for nothing.
    warm_up: bool = True
    #: Load the content bank into the items table at start-up.
    load_bank: bool = True
    # The teachers' alert rules are not settings: their thresholds were tuned together on
    # simulated classes (engine.triage.TriageRules, bench/alerts.py).
    #: Target probability of success for drills.
    drill_target_success: float = Field(default=0.75, gt=0, lt=1)
    #: Items in one drill session.
    drill_length: int = Field(default=15, gt=0)
    #: Largest share of a drill given to due vocabulary reviews (served first); the rest are new items.
    drill_review_share: float = Field(default=0.4, ge=0, le=1)
    #: Days between two placement tests of a learner in one language (a teacher can allow one
    #: sooner); 0 lifts the limit (load tests).
    placement_retake_days: int = Field(default=14, ge=0)
    #: Run calibrations in a background thread (False: caller runs them; used by tests).
    calibration_in_background: bool = True
    #: A calibration changes an item's parameters only with answers from at least this many
    #: distinct learners, and a standard error of b (logits) at most this large; a run may ask
    #: for stricter values, never looser. None: the calibrator's defaults, chosen by simulation
    #: (``calibration/defaults.py``: 50 learners, 0.3; docs/calibration.md).
    calibration_min_learners: int | None = Field(default=None, ge=2)
    calibration_max_se: float | None = Field(default=None, gt=0)

    #: LTI 1.3 (docs/lti.md): minutes a login may take from the tool's redirect to the launch;
    #: days a rotated key stays published (platforms cache key sets); the language of a class an
    #: LTI course makes when its activity names none; seconds between two passes of the grade
    #: outbox (0: none in the app, ``b1engine lti flush`` only).
    lti_state_minutes: int = Field(default=10, gt=0)
    lti_key_grace_days: int = Field(default=7, ge=0)
    lti_default_language: str = "nb"
    lti_outbox_interval_seconds: float = Field(default=30.0, ge=0)

    @field_validator("var_dir")
    @classmethod
    def _absolute_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        return absolute_database_url(value)

    def signing_secret(self) -> str:
        """The JWT secret: configured, or generated once and persisted under ``var_dir``."""
        if self.jwt_secret:
            return self.jwt_secret
        # Not resolved here: a resolve() cost file-system calls on every request (the token
        # check and the rate limits read the secret), and any spelling of the folder names
        # the same file (a set var_dir is resolved by its validator).
        return _persisted_secret(self.var_dir)


@lru_cache(maxsize=8)
def _persisted_secret(var_dir: Path) -> str:
    path = var_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    # O_EXCL: when several workers start at once, the first one's secret wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def get_settings() -> Settings:
    """Settings from the environment (a new object each call: tests change the environment)."""
    return Settings()
