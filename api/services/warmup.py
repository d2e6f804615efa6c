"""What a worker loads before it accepts connections, so the first class after a start sees
the latency of the tenth.

Answering needs the engine (imported with :mod:`api.services.engine_adapter`), the live
items of each language in use (:mod:`api.services.item_cache`: the placement pool and its
items' content, parsed once), the support languages' texts (:mod:`content.support`) and, to score typed answers,
that language's lemma table and word frequencies (:func:`content.nlp.warm`: seconds each,
hundreds of MB for all four). Languages in use: those of the classes and learners in the
database; on an empty database, those of the live items. A class logging in needs the
password hasher: the hash an unknown username is checked against is made here (one Argon2
hash; made at the first such login, it cost that login ~28 ms more).

FastAPI builds each router's table of routes on the first request that passes through it
(measured: the first ``POST /v1/sessions`` after a start took 37 ms, the next ones 5 ms);
:func:`warm_routes` sends one request that matches no route, which passes through them all.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from sqlmodel import Session, col, select

from api.models import ItemRow, SchoolClass, User
from api.security import dummy_hash
from api.services import item_cache
from content import nlp
from content import support as content_support
from content.catalog import LANGUAGES

logger = logging.getLogger("b1engine.api")


def languages_in_use(db: Session) -> list[str]:
    used = set(db.exec(select(SchoolClass.language)).all())
    used |= {language for language in db.exec(select(User.language)).all() if language}
    if not used:
        used = set(db.exec(select(ItemRow.language).where(col(ItemRow.live)).distinct()).all())
    return sorted(language for language in used if language in LANGUAGES)


def warm(db: Session) -> list[str]:
    """Load the item pools and scoring tables of the languages in use; returns them."""
    started = time.perf_counter()
    languages = languages_in_use(db)
    for language in languages:
        # The placement test's pool and its items (content parsed once), and the scoring tables.
        pool = item_cache.pool(db, language, "b1", None)
        for item_id in pool.ids:
            item_cache.item(db, item_id)
        nlp.warm(language)
    content_support.support_languages()  # instructions and level descriptions in learners' languages
    dummy_hash()  # what a login with an unknown username is checked against
    db.rollback()
    logger.info("warm: %s in %.1f s", ", ".join(languages) or "no language", time.perf_counter() - started)
    return languages


#: The path of :func:`warm_routes`' request: no route has it.
WARM_UP_PATH = "/v1/.warm-up"


async def warm_routes(app: Any) -> None:
    """One request through ``app`` (its middleware, every router, the 404 reply) that matches
    no route: the routers' tables are built before the first learner's request."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": WARM_UP_PATH, "raw_path": WARM_UP_PATH.encode(), "root_path": "",
        "query_string": b"", "headers": [], "client": None, "server": None}
    status: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    if status != [404]:  # pragma: no cover - a route took the path
        logger.warning("warm-up request to %s answered %s, not 404", WARM_UP_PATH, status)
