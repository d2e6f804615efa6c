"""The items table: loading the content bank, turning rows back into content items.

The bank is read once per process (``content.bank.default_bank()`` caches it)
and copied into the table idempotently: a bank version already loaded is
skipped by its hash; new items are inserted with ``ON CONFLICT DO NOTHING`` so
several workers starting together do not collide; changed items get their new
text, and keep parameters a calibration run gave them; items no longer in the
bank are retired (not live: never served again, their answers kept).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from api.errors import NotFound
from api.models import BankLoad, ItemRow

if TYPE_CHECKING:  # content.schema is imported when first used
    from content.schema import Item

#: An item that left the bank (no id in the words: learners know items by served ids only).
ITEM_GONE = "an exercise of this session is no longer in the bank: start a new session"


class OptionContent(TypedDict):
    id: str
    text: str


class ItemContent(TypedDict, total=False):
    """A content item as JSON (:func:`item_content`: ``items.content``, a vocabulary set's
    ``items``). Read with ``get``: a row stored before a field existed lacks it."""

    id: str
    language: str
    track: str
    trade: str | None
    theme: str | None
    skill: str
    type: str
    cefr: str
    instructions: str | None
    prompt: str | None
    passage: str | None
    options: list[OptionContent]
    #: Option ids, accepted texts, or accepted orders of token ids (lists).
    answers: list[Any]
    lemma: str | None
    feedback: str | None
    max_score: int
    a: float
    b: float
    c: float
    status: str
    source: str | None
    vocab_key: str | None
    family: str | None


def item_content(item: Item) -> ItemContent:
    return cast(ItemContent, item.model_dump(mode="json"))


def stored_content(content: Mapping[str, Any]) -> ItemContent:
    """A stored JSON column's item content (written by :func:`item_content`)."""
    return cast(ItemContent, content)


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def row_values(item: Item, origin: str, now: datetime, live: bool = True,
               vocabulary_set_id: str | None = None) -> dict[str, Any]:
    """The ``items`` columns of a content item (keyword arguments of :class:`ItemRow`)."""
    content = item_content(item)
    return {"id": item.id, "language": item.language, "track": item.track, "trade": item.trade,
            "theme": item.theme, "skill": item.skill, "type": item.type, "cefr": item.cefr,
            "max_score": int(item.max_score), "a": float(item.a), "b": float(item.b), "c": float(item.c),
            "status": item.status, "origin": origin, "live": live, "vocabulary_set_id": vocabulary_set_id,
            "vocab_key": getattr(item, "vocab_key", None), "family": getattr(item, "family", None),
            "calibration_id": None, "content": content, "content_hash": content_hash(content),
            "updated_at": now}


def _insert_ignoring_existing(db: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(ItemRow).values(list(rows)).on_conflict_do_nothing(index_elements=["id"]))


def load_bank_items(db: Session, items: Iterable[Item], now: datetime) -> dict[str, int]:
    """Copy content items into the table; returns counts of what changed."""
    values = [row_values(item, "bank", now) for item in items]
    bank_hash = content_hash({"items": sorted(v["content_hash"] for v in values)})
    last = db.exec(select(BankLoad).order_by(col(BankLoad.loaded_at).desc())).first()
    if last is not None and last.content_hash == bank_hash:
        return {"inserted": 0, "updated": 0, "unchanged": len(values), "retired": 0}
    existing = {row.id: row for row in db.exec(select(ItemRow).where(col(ItemRow.origin) == "bank"))}
    in_bank = {v["id"] for v in values}
    retired = 0
    for row in existing.values():
        if row.live != (row.id in in_bank):
            retired += int(row.live)
            row.live = row.id in in_bank
            db.add(row)
    new = [v for v in values if v["id"] not in existing]
    updated = 0
    for v in values:
        old = existing.get(v["id"])
        if old is None or old.content_hash == v["content_hash"]:
            continue
        keep = {"a", "b", "c", "status", "calibration_id"} if old.calibration_id else set()
        for key, value in v.items():
            if key not in keep and key != "id":
                setattr(old, key, value)
        db.add(old)
        updated += 1
    batch = 500
    for start in range(0, len(new), batch):
        _insert_ignoring_existing(db, new[start:start + batch])
    _insert_bank_load(db, bank_hash, len(values), now)
    db.commit()
    return {"inserted": len(new), "updated": updated, "unchanged": len(values) - len(new) - updated,
            "retired": retired}


def _insert_bank_load(db: Session, bank_hash: str, count: int, now: datetime) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A version loaded before and back again becomes the latest load.
    statement = insert(BankLoad).values(content_hash=bank_hash, item_count=count, loaded_at=now)
    db.execute(statement.on_conflict_do_update(index_elements=["content_hash"],
                                                    set_={"loaded_at": now}))


def to_item(row: ItemRow) -> Item:
    """The content item of a row, with the row's current parameters."""
    from content.schema import Item

    data = dict(row.content)
    data.update(a=row.a, b=row.b, c=row.c, status=row.status)
    return Item.model_validate(data)


def get_row(db: Session, item_id: str) -> ItemRow:
    row = db.get(ItemRow, item_id)
    if row is None:
        raise NotFound(ITEM_GONE)
    return row


def count_items(db: Session) -> int:
    return int(db.exec(select(func.count()).select_from(ItemRow)).one())
