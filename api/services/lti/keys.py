"""The tool's RSA key pairs: the newest unretired one signs (client assertions, deep-linking
responses); ``GET /lti/jwks`` publishes it and those retired less than a grace period ago.

Kept in the database rather than the data folder: every worker on every host must sign
with one key and publish one set, and the database is what they share (a PostgreSQL
deployment runs workers on several hosts; a data folder is one host's). Whoever reads the
database's backups can sign as the tool: back it up as you would the JWT secret.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlmodel import Session, col, or_, select

from api.models import LtiKey, utc

#: RSA modulus bits (NIST SP 800-57: 2048 is good to 2030; platforms accept it everywhere).
KEY_BITS = 2048
#: The one algorithm LTI 1.3 signs with (Security Framework §6.1).
ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Any  # cryptography's RSAPrivateKey


def _new(now: datetime) -> LtiKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = secrets.token_hex(16)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    return LtiKey(kid=kid, private_pem=pem, public_jwk=jwk, created_at=now)


def current(db: Session, now: datetime) -> SigningKey:
    """The key that signs now; the first call makes one (flushed and committed)."""
    row = db.exec(select(LtiKey).where(col(LtiKey.retired_at).is_(None))
                  .order_by(col(LtiKey.created_at).desc())).first()
    if row is None:
        row = _new(now)
        db.add(row)
        db.commit()
    return SigningKey(row.kid, _private(row.private_pem))


@lru_cache(maxsize=8)
def _private(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)


def rotate(db: Session, now: datetime) -> tuple[str, list[str]]:
    """A new signing key; the ones signing until now are retired (still published for the grace
    period, so a platform that cached the set accepts what they signed). Commits; returns the
    new kid and the retired ones."""
    retired = list(db.exec(select(LtiKey).where(col(LtiKey.retired_at).is_(None))))
    for row in retired:
        row.retired_at = now
        db.add(row)
    new = _new(now)
    db.add(new)
    db.commit()
    return new.kid, [row.kid for row in retired]


def published(db: Session, now: datetime, grace: timedelta) -> list[dict[str, Any]]:
    """The public keys to publish: the signing one (made if there is none yet), then those retired
    within ``grace``, newest first."""
    current(db, now)
    rows = db.exec(select(LtiKey).where(or_(col(LtiKey.retired_at).is_(None),
                                            col(LtiKey.retired_at) > now - grace))
                   .order_by(col(LtiKey.retired_at).is_not(None), col(LtiKey.created_at).desc()))
    return [dict(row.public_jwk) for row in rows]


def all_keys(db: Session) -> list[tuple[str, datetime, datetime | None]]:
    """(kid, created, retired) of every key, newest first (``b1engine lti list``)."""
    return [(row.kid, utc(row.created_at), utc(row.retired_at))
            for row in db.exec(select(LtiKey).order_by(col(LtiKey.created_at).desc()))]
