"""Request rates per account and per address, shared by every worker (counted in the database).

The expensive and the write paths are limited: logins (an Argon2 hash each, about
150 ms of CPU), answers, session starts and vocabulary-set uploads. Each limit
counts requests in fixed one-minute windows in ``rate_counts``, one row per key and
window, incremented by one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``): concurrent requests cannot slip past a limit. Keys are HMACs of
``<limit>:<subject>`` with the server's secret, so the table holds no username or
address in any form a reader could reverse. A key's earlier windows are deleted
when it opens a new one: the table holds about one row per active key.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from api.errors import TooManyRequests
from api.models import RateCount
from api.services.rows import table_of
from api.settings import Settings

#: The length of one counting window.
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Limit:
    """``per_window`` requests of one kind (``name``) per subject and minute."""

    name: str
    per_window: int
    what: str  # for the message: "answers", "logins from this address", ...


def limits(settings: Settings) -> dict[str, Limit]:
    return {
        "answer": Limit("answer", settings.rate_answers_per_minute, "answers"),
        "session": Limit("session", settings.rate_session_starts_per_minute, "new sessions"),
        "upload": Limit("upload", settings.rate_uploads_per_minute, "vocabulary-set uploads"),
        "login_user": Limit("login_user", settings.rate_logins_per_minute_per_username,
                            "login attempts for this username"),
        # A device that logged in before has its own count (api.services.login_limits).
        "login_device": Limit("login_device", settings.rate_logins_per_minute_per_username,
                              "login attempts from this device"),
        "login_address": Limit("login_address", settings.rate_logins_per_minute_per_address,
                               "login attempts from this address"),
    }


def key(secret: str, limit: str, subject: str) -> str:
    """The counter's key: HMAC-SHA256 of ``limit:subject`` under the server's secret."""
    message = f"{limit}:{subject}".encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> sa.Insert:
    """The counter's upsert for ``dialect``, built once (it runs with every answer, under
    SQLite's write lock); ``key`` and ``minute`` are bound per call."""
    table = table_of(RateCount)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(table).values(key=sa.bindparam("key"), minute=sa.bindparam("minute"), count=1)
            .on_conflict_do_update(index_elements=["key", "minute"], set_={"count": table.c.count + 1})
            .returning(table.c.count))


def hit(db: Session, settings: Settings, kind: str, subject: str | int, now: datetime) -> None:
    """Count one request of ``kind`` by ``subject``; 429 with ``Retry-After`` past the limit.

    Runs in the caller's transaction: a request that fails later (and rolls back) is not
    counted, and the caller's commit makes the count final.
    """
    limit = limits(settings)[kind]
    window = int(now.timestamp()) // WINDOW_SECONDS
    counter = key(settings.signing_secret(), limit.name, str(subject))
    dialect = db.get_bind().dialect.name
    count = int(db.execute(_upsert(dialect), {"key": counter, "minute": window}).scalar_one())
    if count == 1:  # a new window for this key: its earlier ones are done
        table = table_of(RateCount)
        db.execute(sa.delete(table).where(table.c.key == counter, table.c.minute < window))
    if count > limit.per_window:
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now.timestamp()))
        raise TooManyRequests(f"too many {limit.what}: at most {limit.per_window} a minute; "
                              f"try again in {retry_after} s", retry_after=retry_after)
