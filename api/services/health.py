"""Health check: the database answers, holds items and accepts a write."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from api.errors import Unavailable, loggable
from api.schemas import Health
from api.services.items import count_items

#: A no-op write (no row has id 0): enough to take the write lock and need a writable file.
ITEMS_VERSION = sa.table("items_version", sa.column("id"), sa.column("version"))
logger = logging.getLogger("b1engine.api")


def check(db: Session) -> Health:
    """200 only when a learner could answer: the database is read and written (a write rolled
    back: a read-only or full database fails here, with its reason, as every answer would)."""
    try:
        items = count_items(db)
    except SQLAlchemyError as error:
        raise Unavailable(f"database unavailable: {_reason(error)}") from None
    try:
        db.connection().execute(sa.update(ITEMS_VERSION).values(version=ITEMS_VERSION.c.version)
                                .where(ITEMS_VERSION.c.id == 0))
    except SQLAlchemyError as error:
        logger.error("health: the database refuses writes: %s", loggable(_reason(error)))
        raise Unavailable(f"database refuses writes: {_reason(error)}") from None
    finally:
        db.rollback()
    return Health(status="ok", database="ok", items=items)


def _reason(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {cause}".splitlines()[0]
