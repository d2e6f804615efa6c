"""Fixtures for the pages' tests: the service on a free port (uvicorn in a thread, a fresh
SQLite database, the small bank of ``app_bank``) and one real Chromium per test session.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``B1ENGINE_CHROMIUM``) driven by
Playwright's bundled driver: nothing is downloaded (``playwright install`` is never run).
Without it, outside CI, these tests are skipped and the run ends with a banner saying what
to install; with ``CI=true`` they fail instead.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from app_bank import app_bank
from page_helpers import App, serving

CHROMIUM = os.environ.get("B1ENGINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL = ("install Debian's chromium (apt-get install chromium chromium-driver, as .ci/run does) and "
           "the dev extras (pip install -e '.[dev]': playwright, axe-playwright-python)")
PASSWORD = "password-123"
#: The learners of the tests: (login, language learnt).
LEARNERS = (("ana", "nb"), ("mehmet", "tr"), ("olek", "nb"), ("amina", "nb"), ("sara", "nb"), ("ivo", "nb"))
_missing: list[str] = []


def _no_browser(reason: str) -> None:
    message = f"browser tests not run: {reason}; {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    _missing.append(message)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter) -> None:
    if _missing:
        terminalreporter.section("THE PAGES WERE NOT TESTED IN A BROWSER", sep="!", red=True, bold=True)
        terminalreporter.write_line(_missing[0], red=True, bold=True)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _no_browser(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            _no_browser(f"Chromium at {CHROMIUM} did not start ({str(error).splitlines()[0]})")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, browser) -> Iterator[App]:
    """``b1engine``'s app served by uvicorn in a thread, on a fresh database with the learners."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher
    from sqlmodel import Session

    from api import security
    from api.db import make_engine, upgrade
    from api.main import create_app
    from api.services.users import create_user
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{folder / 'app.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        # The smallest Argon2 cost: the tests are about the pages, not the hash's strength.
        hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
        patch.setattr(security, "_hasher", lambda: hasher)
        security.dummy_hash.cache_clear()
        engine = make_engine(url)
        with Session(engine) as db:
            now = datetime.now(UTC)
            for name, language in LEARNERS:
                create_user(db, name, PASSWORD, "learner", now, language=language)
            create_user(db, "newbie", "given-pass-77", "learner", now, language="nb", must_change_password=True)
            create_user(db, "tove", PASSWORD, "teacher", now, language="nb")
            create_user(db, "ada", PASSWORD, "author", now, language="nb")  # the author studio
            db.commit()
        engine.dispose()
        unlimited = {name: 1_000_000 for name in (
            "rate_answers_per_minute", "rate_session_starts_per_minute", "rate_uploads_per_minute",
            "rate_logins_per_minute_per_username", "rate_logins_per_minute_per_address")}
        settings = Settings(database_url=url, var_dir=folder / "var", jwt_secret="pages-" + "x" * 40,
                            drill_length=6, **unlimited)
        bank = app_bank()
        with serving(create_app(settings, bank_items=lambda _s: bank)) as base, \
                httpx.Client(base_url=base, timeout=30) as client:
            yield App(base, browser, client, PASSWORD, database_url=url)
        security.dummy_hash.cache_clear()
