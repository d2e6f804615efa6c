"""Vocabulary sets written through the API: check, preview, publish as pretest items."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from sqlmodel import Session, col, select

from api.errors import Conflict, InvalidInput, NotFound
from api.models import ItemRow, User, VocabularySetRow, utc
from api.schemas import VocabularySetOut
from api.services import items as item_store
from api.services import rate_limits
from api.services.rows import id_of
from api.settings import Settings

if TYPE_CHECKING:  # content's authoring modules are imported when first used
    from content.authoring import Problem
    from content.schema import Item, VocabularySet


class ProblemDict(TypedDict):
    """One problem of a submitted set, as the 422 lists it."""

    entry: int | None
    field: str
    message: str


def _problem_dict(problem: Problem) -> ProblemDict:
    return {"entry": problem.entry, "field": problem.field, "message": problem.message}


def submit(db: Session, author: User, data: dict[str, Any], settings: Settings,
           now: datetime) -> VocabularySetOut:
    """Validate and generate; 422 listing every problem by entry and field."""
    # Counted and committed first: a rejected upload costs the checks too.
    rate_limits.hit(db, settings, "upload", id_of(author), now)
    db.commit()
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
    row = VocabularySetRow(id=uuid.uuid4().hex, author_id=id_of(author),
                           language=vocabulary_set.language, trade=getattr(vocabulary_set, "trade", None),
                           title=getattr(vocabulary_set, "title", None), status="draft", data=data,
                           items=[item_store.item_content(item) for item in generated], created_at=now)
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def _bank_clashes(db: Session, vocabulary_set: VocabularySet, generated: list[Item]) -> list[ProblemDict]:
    """Entries whose exercises already exist in the content bank (publishing them would be a 409).

    Items of other authored sets do not count: publishing replaces those (a newer version).
    """
    ids = [item.id for item in generated]
    taken = set(db.exec(select(ItemRow.id).where(col(ItemRow.id).in_(ids), col(ItemRow.origin) != "authored")))
    problems: list[ProblemDict] = []
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


def publish(db: Session, author: User, set_id: str, now: datetime) -> VocabularySetOut:
    """Make the items live (one transaction), as pretest items with their prior parameters."""
    from content.schema import Item

    row = set_for_author(db, author, set_id)
    if row.status == "published":
        return describe(row)
    generated = [Item.model_validate(content) for content in row.items]
    ids = [item.id for item in generated]
    existing = {r.id: r for r in db.exec(select(ItemRow).where(col(ItemRow.id).in_(ids)))}
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


def describe(row: VocabularySetRow) -> VocabularySetOut:
    from content.schema import Item

    previews: list[dict[str, Any]] = []
    for stored in row.items:
        content = item_store.stored_content(stored)
        item = Item.model_validate(content)
        # Authors see the whole item: they wrote the answers.
        previews.append({**item.public_view(), "answers": content.get("answers"),
                         "feedback": content.get("feedback"), "a": content.get("a"),
                         "b": content.get("b"), "status": content.get("status")})
    return VocabularySetOut(id=row.id, status=row.status, language=row.language, trade=row.trade,
                            title=row.title, items=previews, created_at=utc(row.created_at),
                            published_at=utc(row.published_at))
