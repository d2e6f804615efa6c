"""What a worker loads before it accepts connections, so the first class after a start sees
the latency of the tenth.

Answering needs the engine (imported with :mod:`api.services.engine_adapter`), the live
items of each language in use (:mod:`api.services.item_cache`: the placement pool and its
items' content, parsed once), the support languages' texts (:mod:`content.support`) and, to score typed answers,
that language's lemma table and word frequencies (:func:`content.nlp.warm`: seconds each,
hundreds of MB for all four). Languages in use: those of the classes and learners in the
database; on an empty database, those of the live items.
"""
from __future__ import annotations

import logging
import time

from sqlmodel import Session, col, select

from api.models import ItemRow, SchoolClass, User
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
    db.rollback()
    logger.info("warm: %s in %.1f s", ", ".join(languages) or "no language", time.perf_counter() - started)
    return languages
