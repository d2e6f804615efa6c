"""Login rate limits: failed attempts per username and per client IP, counted in the database.

The counts live in ``login_failures`` (not in process memory), so every worker
and every host behind a load balancer sees the same numbers. Keys are hashes
(``user:<name>``, ``ip:<address>``): people type passwords into the username
field, and that must not end up stored in clear. Concurrent attempts may slip a
few past the limit (the check and the insert are not one atomic step); the
limit bounds guessing, it is not an exact quota.
"""
from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlmodel import Session, delete, func, select

from api.errors import TooManyRequests, Unauthorized
from api.models import LoginFailure, User, utc
from api.services import users
from api.settings import Settings


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def _limits(username: str, client_ip: str, settings: Settings) -> list[tuple[str, int, str]]:
    return [(_key("user", username), settings.login_max_failures_per_username, "this username"),
            (_key("ip", client_ip), settings.login_max_failures_per_ip, "this address")]


def _check(db: Session, username: str, client_ip: str, settings: Settings,
           now: datetime) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    for key, limit, what in _limits(username, client_ip, settings):
        count, oldest = db.exec(select(func.count(), func.min(LoginFailure.failed_at))
                                     .where(LoginFailure.key == key,
                                            LoginFailure.failed_at > since)).one()
        if count >= limit:
            wait = (utc(oldest) + window - now).total_seconds()
            raise TooManyRequests(f"too many failed logins for {what}; try again later",
                                  retry_after=max(1, math.ceil(wait)))


def _record_failure(db: Session, username: str, client_ip: str, settings: Settings,
                    now: datetime) -> None:
    since = now - timedelta(minutes=settings.login_window_minutes)
    keys = [key for key, _, _ in _limits(username, client_ip, settings)]
    # Counters older than the window are useless: pruned here, so the table stays small.
    db.exec(delete(LoginFailure).where(LoginFailure.failed_at <= since))
    db.add_all([LoginFailure(key=key, failed_at=now) for key in keys])
    db.commit()


def authenticate(db: Session, username: str, password: str, client_ip: str,
                 settings: Settings, now: datetime) -> User:
    """The user for these credentials; 429 once the limits are reached, 401 for wrong ones.

    A success clears the username's failures (not the address's: one learner
    logging in must not reset an attacker's count on a shared network).
    """
    _check(db, username, client_ip, settings, now)
    try:
        user = users.authenticate(db, username, password)
    except Unauthorized:
        db.rollback()
        _record_failure(db, username, client_ip, settings, now)
        raise
    db.exec(delete(LoginFailure).where(LoginFailure.key == _key("user", username)))
    db.commit()
    return user
