"""Vocabulary sets written through the API: check, preview, publish as pretest items."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from api.errors import Conflict, InvalidInput, NotFound
from api.models import ItemRow, User, VocabularySetRow, utc
from api.services import items as item_store


def _problem_dict(problem: Any) -> dict[str, Any]:
    return {"entry": problem.entry, "field": problem.field, "message": problem.message}


def submit(db: Session, author: User, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validate and generate; 422 listing every problem by entry and field."""
    from content.authoring import validate_vocabulary_set
    from content.generate import generate_items

    vocabulary_set, problems = validate_vocabulary_set(data)
    if problems or vocabulary_set is None:
        listed = [_problem_dict(p) for p in problems]
        raise InvalidInput(f"{len(listed)} problem(s) in the vocabulary set", problems=listed)
    generated = generate_items(vocabulary_set)
    if not generated:
        raise InvalidInput("the vocabulary set generates no exercises", problems=[])
    in_bank = _bank_clashes(db, vocabulary_set, generated)
    if in_bank:
        raise InvalidInput(f"{len(in_bank)} problem(s) in the vocabulary set", problems=in_bank)
    row = VocabularySetRow(id=uuid.uuid4().hex, author_id=author.id,
                           language=vocabulary_set.language, trade=getattr(vocabulary_set, "trade", None),
                           title=getattr(vocabulary_set, "title", None), status="draft", data=data,
                           items=[item_store.item_content(item) for item in generated], created_at=now)
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def _bank_clashes(db: Session, vocabulary_set: Any, generated: list[Any]) -> list[dict[str, Any]]:
    """Entries whose exercises already exist in the content bank (publishing them would be a 409).

    Items of other authored sets do not count: publishing replaces those (a newer version).
    """
    ids = [item.id for item in generated]
    taken = set(db.exec(select(ItemRow.id).where(ItemRow.id.in_(ids), ItemRow.origin != "authored")))
    problems = []
    for index, entry in enumerate(vocabulary_set.entries):
        clashing = sorted(item.id for item in generated if item.id in taken and item.lemma == entry.lemma)
        if clashing:
            problems.append({"entry": index, "field": "lemma",
                             "message": f"'{entry.lemma}' is already in the {vocabulary_set.language} "
                                        f"{vocabulary_set.trade} bank ({', '.join(clashing)})"})
            taken -= set(clashing)
    if taken:
        problems.append({"entry": None, "field": "entries",
                         "message": f"already in the bank: {', '.join(sorted(taken))}"})
    return problems


def set_for_author(db: Session, author: User, set_id: str) -> VocabularySetRow:
    row = db.get(VocabularySetRow, set_id)
    if row is None or (author.role != "admin" and row.author_id != author.id):
        raise NotFound(f"vocabulary set '{set_id}' not found")
    return row


def publish(db: Session, author: User, set_id: str, now: datetime) -> dict[str, Any]:
    """Make the items live (one transaction), as pretest items with their prior parameters."""
    from content.schema import Item

    row = set_for_author(db, author, set_id)
    if row.status == "published":
        return describe(row)
    generated = [Item.model_validate(content) for content in row.items]
    ids = [item.id for item in generated]
    existing = {r.id: r for r in db.exec(select(ItemRow).where(ItemRow.id.in_(ids)))}
    clashes = sorted(i for i, r in existing.items()
                     if r.origin != "authored" or r.vocabulary_set_id == row.id)
    if clashes:
        raise Conflict(f"{len(clashes)} item id(s) already exist in the bank", item_ids=clashes[:50])
    for item in generated:
        values = item_store.row_values(item, "authored", now, live=True, vocabulary_set_id=row.id)
        values.update(status="prior")
        old = existing.get(item.id)
        if old is not None:
            # A newer version of an authored set replaces the text; parameters restart as prior.
            for key, value in values.items():
                setattr(old, key, value)
            db.add(old)
        else:
            db.add(ItemRow(**values))
    row.status = "published"
    row.published_at = now
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def describe(row: VocabularySetRow) -> dict[str, Any]:
    from content.schema import Item

    previews = []
    for content in row.items:
        item = Item.model_validate(content)
        # Authors see the whole item: they wrote the answers.
        previews.append({**item.public_view(), "answers": content.get("answers"),
                         "feedback": content.get("feedback"), "a": content.get("a"),
                         "b": content.get("b"), "status": content.get("status")})
    return {"id": row.id, "status": row.status, "language": row.language, "trade": row.trade,
            "title": row.title, "items": previews, "created_at": utc(row.created_at),
            "published_at": utc(row.published_at)}
