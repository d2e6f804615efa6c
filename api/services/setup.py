"""The first admin account of a new installation, through a one-time setup link.

``b1engine serve`` on a database without an admin creates no account: it prints
a link holding a setup token (signed with the server's secret, valid for
:data:`SETUP_LINK_LIFETIME`). The first admin made with it uses it up: a token
is accepted only while the database has no admin, and the check and the new
account are one transaction under a lock, so two uses at once make one admin.
No password is printed or put on a command line.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlmodel import Session, col, select

from api.db import begin_write
from api.errors import Conflict, Unauthorized
from api.models import User
from api.services.users import create_user
from api.settings import Settings

#: How long a printed setup link works.
SETUP_LINK_LIFETIME = timedelta(hours=24)
#: The audience of setup tokens: an access token is never a setup token, nor the reverse
#: (access tokens carry no audience, and PyJWT refuses a token with one where none is expected).
SETUP_AUDIENCE = "b1engine:first-admin"
#: PostgreSQL advisory lock key of the first-admin check (any constant; SQLite locks the file).
SETUP_LOCK_KEY = 0x5E7A9


@dataclass(frozen=True)
class SetupLink:
    token: str
    expires_at: datetime


def needs_admin(db: Session) -> bool:
    """The database has no admin account (a new installation, or a demo one)."""
    return db.exec(select(User.id).where(col(User.role) == "admin").limit(1)).first() is None


def issue_link(settings: Settings, now: datetime) -> SetupLink:
    expires = now + SETUP_LINK_LIFETIME
    claims = {"aud": SETUP_AUDIENCE, "iat": now, "exp": expires, "jti": secrets.token_urlsafe(16)}
    return SetupLink(jwt.encode(claims, settings.signing_secret(), algorithm=settings.jwt_algorithm), expires)


def invitation(link: SetupLink, address: str) -> str:
    """What ``serve`` prints: the link, until when it works, and the command-line way."""
    url = f"{address}/setup?token={link.token}"
    until = (f"The link works until {link.expires_at:%Y-%m-%d %H:%M} UTC and only until an admin "
             "exists; restart `b1engine serve` for a new one.")
    command = (f"Without a browser: curl -X POST {address}/v1/setup/admin --data-urlencode token=... "
               "--data-urlencode username=... --data-urlencode password=...")
    return "\n".join(["No admin account yet. Create the first one (once) in a browser on this machine:",
                      f"  {url}", until, command])


def _check_token(token: str, settings: Settings, now: datetime) -> None:
    try:
        claims = jwt.decode(token, settings.signing_secret(), algorithms=[settings.jwt_algorithm],
                            audience=SETUP_AUDIENCE, options={"require": ["aud", "exp", "iat"],
                                                              "verify_exp": False})
        expires = float(claims["exp"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("this setup link is not valid: copy the whole link that `b1engine serve` "
                           "printed, or restart it for a new one") from None
    if now.timestamp() >= expires:
        raise Unauthorized("this setup link has expired: restart `b1engine serve` for a new one")


def create_first_admin(db: Session, token: str, username: str, password: str, settings: Settings,
                       now: datetime) -> User:
    """The first admin account, if ``token`` is a valid setup token and no admin exists yet."""
    _check_token(token, settings, now)
    connection = begin_write(db)  # SQLite: the write lock, before the check
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SETUP_LOCK_KEY})")
    if not needs_admin(db):
        db.rollback()
        raise Conflict("an admin account exists already, so this setup link is used up: log in "
                       "with that account (POST /v1/auth/token)")
    admin = create_user(db, username, password, "admin", now)
    db.commit()
    db.refresh(admin)
    return admin
