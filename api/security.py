"""Password hashing (pwdlib, Argon2) and access tokens (PyJWT, HS256)."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from pwdlib import PasswordHash

from api.errors import Unauthorized


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher().verify(password, password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against for unknown users, so timing does not reveal who exists."""
    return hash_password("not-a-user-password")


def create_token(user_id: int, role: str, secret: str, algorithm: str, expires_in: timedelta,
                 now: datetime) -> str:
    claims = {"sub": str(user_id), "role": role, "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, secret, algorithm=algorithm)


def decode_token(token: str, secret: str, algorithm: str, now: datetime) -> int:
    """The user id in a valid token unexpired at ``now``; :class:`Unauthorized` otherwise.

    Expiry is checked against the request's clock rather than PyJWT's own, so
    the service has one notion of time.
    """
    try:
        claims = jwt.decode(token, secret, algorithms=[algorithm],
                            options={"require": ["sub", "exp"], "verify_exp": False,
                                     "verify_iat": False})
        user_id = int(claims["sub"])
        expires = float(claims["exp"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("invalid token") from None
    if now.timestamp() >= expires:
        raise Unauthorized("token expired")
    return user_id
