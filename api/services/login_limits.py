"""Login rate limits: failed attempts per username and per client IP, counted in the database.

The counts live in ``login_failures`` (not in process memory), so every worker
and every host behind a load balancer sees the same numbers. Keys are hashes
(``user:<name>``, ``ip:<address>``): people type passwords into the username
field, and that must not end up stored in clear (HMACs with the server's secret,
pruned when the window has passed). Every attempt is first counted by the atomic
per-minute limits of :mod:`api.services.rate_limits` (per username and per
address), committed before the password is checked, so parallel guesses cannot
slip past those; the failure counts here add the longer window.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from api.errors import TooManyRequests, Unauthorized
from api.models import LoginFailure, User, utc
from api.services import rate_limits, users
from api.settings import Settings


def _key(kind: str, value: str, settings: Settings) -> str:
    # Salted with the server's secret: an unsalted hash of a username or an address is
    # reversed by hashing the candidates.
    return rate_limits.key(settings.signing_secret(), f"login-failure:{kind}", value)


def _limits(username: str, client_ip: str, settings: Settings) -> list[tuple[str, int, str]]:
    return [(_key("user", username, settings), settings.login_max_failures_per_username, "this username"),
            (_key("ip", client_ip, settings), settings.login_max_failures_per_ip, "this address")]


def _check(db: Session, username: str, client_ip: str, settings: Settings,
           now: datetime) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    for key, limit, what in _limits(username, client_ip, settings):
        count, oldest = db.exec(select(func.count(), func.min(LoginFailure.failed_at))
                                .where(col(LoginFailure.key) == key,
                                       col(LoginFailure.failed_at) > since)).one()
        if count >= limit:
            wait = (utc(oldest) + window - now).total_seconds()
            raise TooManyRequests(f"too many failed logins for {what}; try again later",
                                  retry_after=max(1, math.ceil(wait)))


def _record_failure(db: Session, username: str, client_ip: str, settings: Settings,
                    now: datetime) -> None:
    keys = [key for key, _, _ in _limits(username, client_ip, settings)]
    db.add_all([LoginFailure(key=key, failed_at=now) for key in keys])
    db.commit()


def authenticate(db: Session, username: str, password: str, client_ip: str,
                 settings: Settings, now: datetime) -> User:
    """The user for these credentials; 429 once the limits are reached, 401 for wrong ones.

    A success clears the username's failures (not the address's: one learner
    logging in must not reset an attacker's count on a shared network).
    """
    # Every attempt counts first, atomically, and is committed before the password is checked:
    # parallel attempts see each other (the failure counts below could be raced past).
    rate_limits.hit(db, settings, "login_address", client_ip, now)
    rate_limits.hit(db, settings, "login_user", username.casefold(), now)
    # Failures older than the window count for nothing and are kept no longer than it
    # (docs/privacy.md): pruned at every attempt.
    db.exec(delete(LoginFailure).where(
        col(LoginFailure.failed_at) <= now - timedelta(minutes=settings.login_window_minutes)))
    db.commit()
    _check(db, username, client_ip, settings, now)
    try:
        user = users.authenticate(db, username, password)
    except Unauthorized:
        db.rollback()
        _record_failure(db, username, client_ip, settings, now)
        raise
    db.exec(delete(LoginFailure).where(col(LoginFailure.key) == _key("user", username, settings)))
    db.commit()
    return user
