"""Fixtures for the service tests: a fresh database per test, a small item bank, users.

Every test runs on a new SQLite file in ``tmp_path``; when
``B1ENGINE_TEST_DATABASE_URL`` is a PostgreSQL URL, every test runs a second
time on PostgreSQL in a schema of its own, dropped afterwards.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from api.db import normalise_url, upgrade
from api.settings import Settings

from api_helpers import START, add_learner, create_user, login, small_bank

PG_URL = os.environ.get("B1ENGINE_TEST_DATABASE_URL", "")
#: The test clock stands still, so every request of a test falls in one rate-limit minute:
#: limits out of the way, except where a test sets them (tests/api/test_api_limits.py).
NO_RATE_LIMITS = {name: 1_000_000 for name in (
    "rate_answers_per_minute", "rate_session_starts_per_minute", "rate_uploads_per_minute",
    "rate_logins_per_minute_per_username", "rate_logins_per_minute_per_address")}
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith("postgres") else [])


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2 with the smallest cost: the tests are about the service, not the hash's strength."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from api import security

    hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(security, "_hasher", lambda: hasher)
    security.dummy_hash.cache_clear()
    yield
    security.dummy_hash.cache_clear()


@event.listens_for(Engine, "connect")
def _no_waiting_for_the_disk(connection, _record) -> None:
    """The tests' SQLite files are thrown away: a commit need not wait for the disk (it reaches
    the operating system all the same, so a killed server loses nothing acknowledged). The
    servers the tests start in a process of their own keep the service's setting."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = normalise_url(PG_URL)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # The database is thrown away after the test: a commit need not wait for the disk
    # (synchronous_commit=off: still atomic and isolated, lost only if PostgreSQL itself crashes).
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema} -csynchronous_commit=off"})
    rendered = url.render_as_string(hide_password=False)
    upgrade(rendered)
    try:
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, var_dir=tmp_path / "var", jwt_secret="test-secret-" + "x" * 32,
                    calibration_in_background=True, drill_length=6,
                    token_expiry_minutes=60 * 24 * 60, **NO_RATE_LIMITS)


@pytest.fixture
def make_client(settings, clock):
    """Build a client; ``bank`` is the small test bank by default, a list of items, or "real"."""
    from api.deps import get_now
    from api.main import create_app

    clients = []

    def build(bank=None, **overrides) -> TestClient:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        if bank == "real":
            app = create_app(app_settings)  # the bundled content bank
        else:
            items = small_bank() if bank is None else bank
            app = create_app(app_settings, bank_items=lambda _s: items)
        app.dependency_overrides[get_now] = clock
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def db(client):
    """A database session on the app's engine (for arranging and checking state)."""
    from sqlmodel import Session

    with Session(client.app.state.db_engine) as session:
        yield session


@pytest.fixture
def people(client) -> dict[str, dict]:
    """A teacher with a class of two learners, another teacher, an author and an admin, logged in."""
    out = {}
    for name, role in (("teacher", "teacher"), ("teacher2", "teacher"), ("author", "author"),
                       ("admin", "admin")):
        out[name] = create_user(client, name, role)
        out[name]["headers"] = login(client, name)
    created = client.post("/v1/classes", json={"name": "Kveldsklasse", "language": "nb"},
                          headers=out["teacher"]["headers"])
    assert created.status_code == 201, created.text
    out["class_id"] = created.json()["id"]
    for name in ("learner", "learner2"):
        # Logins exactly "learner" and "learner2" (a teacher's POST .../learners adds drawn
        # digits to the login: tests/api/test_api_accounts.py).
        out[name] = {**add_learner(client, out["class_id"], name), "headers": login(client, name)}
    return out
