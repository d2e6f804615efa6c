"""Health check: the database answers and holds items."""
from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from api.errors import Unavailable
from api.services.items import count_items


def check(db: Session) -> dict:
    try:
        items = count_items(db)
    except SQLAlchemyError:
        raise Unavailable("database unavailable") from None
    return {"status": "ok", "database": "ok", "items": items}
