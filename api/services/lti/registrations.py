"""The platforms the tool trusts: one registration per (issuer, client id), with the
deployments launches may name (``b1engine lti register``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from api.errors import InvalidInput
from api.models import LtiDeployment, LtiRegistration
from api.services.rows import id_of


@dataclass(frozen=True)
class Registration:
    """A registered platform, as the launch and the services read it."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    deployment_ids: tuple[str, ...]


def _url(value: str, field: str) -> str:
    parts = urlsplit(value)
    # http only for a platform on this machine (a developer's Moodle on localhost).
    local = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local) or not parts.netloc:
        raise InvalidInput(f"{field}: an https:// address (as the platform shows it), not '{value}'",
                           field=field)
    return value


def register(db: Session, issuer: str, client_id: str, deployment_ids: Sequence[str],
             auth_login_url: str, auth_token_url: str, jwks_url: str, now: datetime) -> tuple[Registration, bool]:
    """Register a platform, or update its endpoints and add deployments when (issuer, client id)
    is registered already. Commits; returns the registration and whether it is new."""
    if not issuer.strip() or not client_id.strip():
        raise InvalidInput("issuer and client id: copy them from the platform's tool registration")
    if not deployment_ids or any(not d.strip() for d in deployment_ids):
        raise InvalidInput("deployment id: give at least one, as the platform shows it",
                           field="deployment_id")
    urls = {"auth_login_url": _url(auth_login_url, "auth_login_url"),
            "auth_token_url": _url(auth_token_url, "auth_token_url"),
            "jwks_url": _url(jwks_url, "jwks_url")}
    row = db.exec(select(LtiRegistration).where(col(LtiRegistration.issuer) == issuer,
                                                col(LtiRegistration.client_id) == client_id)).first()
    created = row is None
    if row is None:
        row = LtiRegistration(issuer=issuer, client_id=client_id, created_at=now,
                              auth_login_url=urls["auth_login_url"], auth_token_url=urls["auth_token_url"],
                              jwks_url=urls["jwks_url"])
    else:
        for name, value in urls.items():
            setattr(row, name, value)
    db.add(row)
    db.flush()
    known = set(_deployments(db, id_of(row)))
    for deployment_id in dict.fromkeys(deployment_ids):
        if deployment_id not in known:
            db.add(LtiDeployment(registration_id=id_of(row), deployment_id=deployment_id))
    db.commit()
    return describe(db, row), created


def _deployments(db: Session, registration_id: int) -> list[str]:
    return list(db.exec(select(LtiDeployment.deployment_id)
                        .where(col(LtiDeployment.registration_id) == registration_id)
                        .order_by(col(LtiDeployment.deployment_id))))


def describe(db: Session, row: LtiRegistration) -> Registration:
    return Registration(id_of(row), row.issuer, row.client_id, row.auth_login_url, row.auth_token_url,
                        row.jwks_url, tuple(_deployments(db, id_of(row))))


def all_registrations(db: Session) -> list[Registration]:
    return [describe(db, row) for row in db.exec(select(LtiRegistration).order_by(col(LtiRegistration.id)))]


def by_id(db: Session, registration_id: int) -> Registration | None:
    row = db.get(LtiRegistration, registration_id)
    return describe(db, row) if row is not None else None


def for_issuer(db: Session, issuer: str, client_id: str | None) -> list[Registration]:
    """The registrations of an issuer (of one client id there, when given)."""
    statement = select(LtiRegistration).where(col(LtiRegistration.issuer) == issuer)
    if client_id:
        statement = statement.where(col(LtiRegistration.client_id) == client_id)
    return [describe(db, row) for row in db.exec(statement.order_by(col(LtiRegistration.id)))]


def platform_origins(db: Session) -> list[str]:
    """The origins of every registered platform (issuer and login page): who may frame the
    tool's launch pages."""
    origins: set[str] = set()
    for row in db.exec(select(LtiRegistration)):
        for url in (row.issuer, row.auth_login_url):
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
