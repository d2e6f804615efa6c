"""Password hashing (pwdlib, Argon2) and access tokens (PyJWT, HS256)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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


#: JWT times are whole seconds: an account created in the second its token was issued
#: has ``created_at`` up to this much after ``iat``.
IAT_RESOLUTION = timedelta(seconds=1)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: whose it is, the role signed into it at login, and when."""

    user_id: int
    role: str
    issued_at: datetime

    @property
    def created_before(self) -> datetime:
        """The account the token was issued to was created before this moment.

        An erased account's id can be given to a new account (SQLite reuses the
        highest row id); a token issued before an account existed is not its token.
        """
        return self.issued_at + IAT_RESOLUTION


#: Valid tokens whose claims a worker keeps decoded (a learner sends the same token with
#: every answer; checking its signature again each time costs as much as the rest of
#: the authorisation).
VERIFIED_TOKENS_KEPT = 4096


def decode_token(token: str, secret: str, algorithm: str, now: datetime) -> TokenClaims:
    """The claims of a valid token unexpired at ``now``; :class:`Unauthorized` otherwise.

    Expiry is checked against the request's clock rather than PyJWT's own, so
    the service has one notion of time.
    """
    claims, expires = _verified(token, secret, algorithm)
    if now.timestamp() >= expires:
        raise Unauthorized("token expired")
    return claims


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(token: str, secret: str, algorithm: str) -> tuple[TokenClaims, float]:
    """A token's claims and expiry once its signature is verified (not cached when invalid)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[algorithm],
                            options={"require": ["sub", "exp", "role", "iat"],
                                     "verify_exp": False, "verify_iat": False})
        user_id = int(claims["sub"])
        expires = float(claims["exp"])
        role = str(claims["role"])
        issued_at = datetime.fromtimestamp(float(claims["iat"]), timezone.utc)
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, OSError):
        raise Unauthorized("invalid token") from None
    return TokenClaims(user_id, role, issued_at), expires
