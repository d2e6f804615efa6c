"""Password hashing (pwdlib, Argon2) and access tokens (PyJWT, HS256)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.errors import Unauthorized


#: Argon2id at the OWASP Password Storage Cheat Sheet's first configuration: 19 MiB of memory,
#: two passes, one lane. pwdlib's default (64 MiB, t=3, p=4) costs about 110 ms and four
#: threads per login on this 2-core machine, so a class of 40 logging in at 9:00 held every
#: other request back for seconds; this one costs about 19 ms and one thread, and stays within
#: OWASP's advice. Hashes made with the old parameters still verify (they carry their own).
ARGON2_MEMORY_KIB = 19_456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                                      parallelism=ARGON2_PARALLELISM),))


def _normalised(password: str) -> str:
    """NFKC, as NIST SP 800-63B §5.1.1.2 asks: "ø" typed as one character or as o + a
    combining stroke, full-width digits from an Asian keyboard, are the same password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(_normalised(password))


#: The password hash of an account that has no password (one made by an LTI launch or roster:
#: its owner signs in through their learning platform). No password matches it.
NO_PASSWORD = "!no-password"


def verify_password(password: str, password_hash: str) -> bool:
    if password_hash == NO_PASSWORD:
        # The same Argon2 work as a real check: timing does not tell such accounts apart.
        _hasher().verify(_normalised(password), dummy_hash())
        return False
    if _hasher().verify(_normalised(password), password_hash):
        return True
    # Hashes made before passwords were normalised hold the text as typed.
    return _normalised(password) != password and _hasher().verify(password, password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against for unknown users, so timing does not reveal who exists."""
    return hash_password("not-a-user-password")


def create_token(user_id: int, role: str, secret: str, algorithm: str, expires_in: timedelta,
                 now: datetime, version: int = 0, password_change_required: bool = False) -> str:
    """A signed access token. ``ver``: the account's token version (a token of an earlier
    version is refused); ``pwc``: the password must be changed before anything else."""
    claims = {"sub": str(user_id), "role": role, "iat": now, "exp": now + expires_in,
              "ver": version, "pwc": password_change_required}
    return jwt.encode(claims, secret, algorithm=algorithm)


#: Why a token issued under an earlier token version (``users.token_version``) is refused.
REVOKED = "this token is no longer valid (the password, the role or the account changed): log in again"

#: JWT times are whole seconds: an account created in the second its token was issued
#: has ``created_at`` up to this much after ``iat``.
IAT_RESOLUTION = timedelta(seconds=1)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: whose it is, the role signed into it at login, when, the
    account's token version then, and whether the password must be changed first."""

    user_id: int
    role: str
    issued_at: datetime
    version: int = 0
    password_change_required: bool = False

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
        raise Unauthorized("your login has expired: log in again (POST /v1/auth/token)")
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
        # Tokens issued before versions existed carry none: version 0, every account's first.
        version = int(claims.get("ver", 0))
        change_first = claims.get("pwc", False) is True
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, OSError):
        raise Unauthorized("this token is not valid here: log in again (POST /v1/auth/token) and "
                           "send the whole token") from None
    return TokenClaims(user_id, role, issued_at, version, change_first), expires
