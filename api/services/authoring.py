"""Vocabulary sets written through the API: check, preview, edit, publish as pretest items,
unpublish, retire, and each item's answers and parameters.

A set's items have ids of their own: the generator's id (``nb-construction-hammer-cloze-1``)
and a digest of the set's id and the item's content (``...-cloze-1-v3f9c0a1b2e``). So two
sets, any authors', never share an item, and publishing one never touches another's items
(before, republishing the same lemmas replaced the live items of an earlier set); an edit
that changes an exercise makes a new item (the old one's answers stay with the text they
answered), while an unchanged exercise keeps its id, its answers and its parameters.
Unpublishing or retiring takes the items out of service (``live`` false), answers kept.
"""
from __future__ import annotations

import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy import case
from sqlmodel import Session, col, func, select

from api.errors import Conflict, FieldProblem, InvalidInput, NotFound, field_path, plain_errors
from api.models import AnonymousResponse, ItemRow, ResponseRow, User, VocabularySetRow, utc
from api.schemas import (
    ItemFitOut,
    SetItemStatistics,
    SetStatistics,
    SetStatus,
    VocabularySetDraft,
    VocabularySetFile,
    VocabularySetList,
    VocabularySetOut,
    VocabularySetSummary,
)
from api.services import answer_log, rate_limits
from api.services import engine_adapter as adapter
from api.services import items as item_store
from api.services.items import ItemContent
from api.services.rows import id_of
from api.settings import Settings

if TYPE_CHECKING:  # content's authoring modules are imported when first used
    from content.schema import Issue, Item, VocabularySet


def _invalid(problems: list[FieldProblem]) -> InvalidInput:
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return InvalidInput(f"{count} in the vocabulary set: fix each field listed in errors and send "
                        "the whole set again", errors=problems)


def field_problem(issue: Issue) -> FieldProblem:
    """A content issue at its field, with its code and values where it has them (content.notes)."""
    if issue.note is None:
        return FieldProblem(field_path(issue.loc), issue.message)
    return FieldProblem(field_path(issue.loc), issue.message, issue.note.code, issue.note.json_values)


def _checked(db: Session, author: User, data: dict[str, Any], settings: Settings, now: datetime,
             set_id: str) -> tuple[VocabularySet, list[ItemContent]]:
    """The set validated and its items generated (with the set's own ids); 422 listing every
    problem by entry and field (entries counted from 1)."""
    # Counted and committed first: a rejected upload costs the checks too.
    rate_limits.hit(db, settings, "upload", id_of(author), now)
    db.commit()
    from pydantic import ValidationError

    from content.authoring import set_issues
    from content.generate import generate_items
    from content.schema import VocabularySet

    try:
        # The schema's errors in plain words (pydantic's own texts stay here).
        VocabularySet.model_validate(data)
    except ValidationError as error:
        raise _invalid(plain_errors(error.errors(), data)) from None
    vocabulary_set, issues = set_issues(data)
    if issues or vocabulary_set is None:
        raise _invalid([field_problem(issue) for issue in issues])
    generated = generate_items(vocabulary_set)
    if not generated:
        raise InvalidInput("the vocabulary set generates no exercises: give each entry an example "
                           "sentence that uses the word", errors=[FieldProblem(
                               "entries", "No exercise could be made from these entries.", "no_exercise")])
    in_bank = _bank_clashes(db, vocabulary_set, generated)
    if in_bank:
        raise _invalid(in_bank)
    return vocabulary_set, [_own_id(set_id, item_store.item_content(item)) for item in generated]


def _own_id(set_id: str, content: ItemContent) -> ItemContent:
    """The item with an id of the set's own: the generator's id, then a digest of the set and
    the content (ids are at most 120 characters: the generator's part is cut at 100)."""
    digest = item_store.content_hash({"set": set_id, "item": {**content, "id": ""}})[:10]
    return item_store.stored_content({**content, "id": f"{content['id'][:100]}-v{digest}"})


def submit(db: Session, author: User, data: dict[str, Any], settings: Settings,
           now: datetime) -> VocabularySetOut:
    """A new draft: validated and previewed; 422 listing every problem by entry and field."""
    set_id = uuid.uuid4().hex
    vocabulary_set, items = _checked(db, author, data, settings, now, set_id)
    row = VocabularySetRow(id=set_id, author_id=id_of(author), language=vocabulary_set.language,
                           trade=getattr(vocabulary_set, "trade", None),
                           title=getattr(vocabulary_set, "title", None), status="draft", data=data,
                           items=list(items), created_at=now)
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def update(db: Session, author: User, set_id: str, data: dict[str, Any], settings: Settings,
           now: datetime) -> VocabularySetOut:
    """The set replaced by ``data``, re-validated and re-previewed. A published set stays
    published: its changed exercises go live as new items, removed ones stop being served."""
    row = set_for_author(db, author, set_id)
    _not_retired(row, "edited")
    vocabulary_set, items = _checked(db, author, data, settings, now, row.id)
    row.language = vocabulary_set.language
    row.trade = getattr(vocabulary_set, "trade", None)
    row.title = getattr(vocabulary_set, "title", None)
    row.data = data
    row.items = list(items)
    if row.status == "published":
        _serve(db, row, now)
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def _not_retired(row: VocabularySetRow, what: str) -> None:
    if row.status == "retired":
        raise Conflict(f"vocabulary set '{row.id}' is retired and cannot be {what}: submit its entries "
                       "as a new set")


def list_sets(db: Session, author: User) -> VocabularySetList:
    """The author's own sets (an admin: everyone's), the latest changed first."""
    query = select(VocabularySetRow)
    if author.role != "admin":
        query = query.where(col(VocabularySetRow.author_id) == id_of(author))
    rows = list(db.exec(query))
    served = dict(db.exec(select(ItemRow.vocabulary_set_id, func.max(ItemRow.updated_at))
                          .where(col(ItemRow.vocabulary_set_id).in_([r.id for r in rows]))
                          .group_by(col(ItemRow.vocabulary_set_id))).all()) if rows else {}
    summaries = []
    for row in rows:
        times = [utc(t) for t in (row.created_at, row.published_at, served.get(row.id)) if t is not None]
        entries = row.data.get("entries") if isinstance(row.data, dict) else None
        summaries.append(VocabularySetSummary(
            id=row.id, title=row.title, language=row.language, trade=row.trade, status=cast(SetStatus, row.status),
            entries=len(entries) if isinstance(entries, list) else 0, items=len(row.items),
            updated=max(times)))
    summaries.sort(key=lambda s: (s.updated, s.id), reverse=True)
    return VocabularySetList(sets=summaries)


def read_file(upload: VocabularySetFile) -> VocabularySetDraft:
    """A set's file read as it is written (YAML, or CSV rows with the language, trade and
    title given), not yet checked: 422 at the line that cannot be read, with the problem's
    code (``file_yaml``, ``csv_empty_value``...) and its line and column."""
    from content.bank import parse_yaml
    from content.cli import read_csv_set
    from content.errors import ContentError

    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise InvalidInput("a vocabulary set's file is .yaml, .yml or .csv", errors=[FieldProblem(
            "filename", "A vocabulary set's file is .yaml, .yml or .csv.", "file_type")])
    try:
        if suffix == ".csv":
            # The rows hold only entries: the set's language, trade and title come with them.
            missing = [name for name in ("language", "trade", "title") if not getattr(upload, name)]
            if missing:
                raise InvalidInput("a CSV file's set needs its language, trade and title given with it",
                                   errors=[FieldProblem(name, "Required with a CSV file: add this field.",
                                                        "missing") for name in missing])
            # The command line's reader (one home for the CSV format) reads a file.
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "set.csv"
                path.write_text(upload.text, encoding="utf-8")
                data = read_csv_set(path, upload.language, upload.trade, upload.title).data
        else:
            data = parse_yaml(Path(upload.filename).name, upload.text).data
            if not isinstance(data, dict):
                raise InvalidInput("the file cannot be read: line 1: a vocabulary set is a mapping with language, "
                                   "trade, title, entries", errors=[FieldProblem(
                                       "text", "A vocabulary set is a mapping with language, trade, title, entries.",
                                       "file_not_set")], code="file_unreadable")
            data.setdefault("track", "trade")
            for name in ("language", "trade", "title"):
                if getattr(upload, name) and not data.get(name):
                    data[name] = getattr(upload, name)
    except ContentError as error:
        # The problem at its line, never the server's own file name.
        where = f"line {error.row}: " if error.row else ""
        column = f"{error.column}: " if error.column else ""
        values = {name: value for name, value in (("line", error.row), ("column", error.column)) if value}
        raise InvalidInput(f"the file cannot be read: {where}{column}{error.message}", errors=[FieldProblem(
            "text", f"{where}{column}{error.message}", error.code, values)], code="file_unreadable") from None
    return VocabularySetDraft(data=data)


def _bank_clashes(db: Session, vocabulary_set: VocabularySet, generated: list[Item]) -> list[FieldProblem]:
    """Entries whose exercises already exist in the content bank (publishing them would be a 409).

    Items of other authored sets do not count: each set's items have ids of their own.
    """
    ids = [item.id for item in generated]
    taken = set(db.exec(select(ItemRow.id).where(col(ItemRow.id).in_(ids), col(ItemRow.origin) != "authored")))
    problems: list[FieldProblem] = []
    for index, entry in enumerate(vocabulary_set.entries):
        clashing = sorted(item.id for item in generated if item.id in taken and item.lemma == entry.lemma)
        if clashing:
            problems.append(FieldProblem(
                field_path(("entries", index, "lemma")),
                f"'{entry.lemma}' is already in the {vocabulary_set.language} {vocabulary_set.trade} "
                f"bank ({', '.join(clashing)}): remove this entry or choose another word.",
                "in_bank", {"lemma": entry.lemma, "items": clashing}))
            taken -= set(clashing)
    if taken:
        problems.append(FieldProblem("entries", f"Already in the bank: {', '.join(sorted(taken))}.",
                                     "in_bank_items", {"items": sorted(taken)}))
    return problems


def set_for_author(db: Session, author: User, set_id: str) -> VocabularySetRow:
    row = db.get(VocabularySetRow, set_id)
    if row is None or (author.role != "admin" and row.author_id != author.id):
        raise NotFound(f"vocabulary set '{set_id}' not found: GET /v1/vocabulary-sets lists your sets")
    return row


def publish(db: Session, author: User, set_id: str, now: datetime) -> VocabularySetOut:
    """Make the items live (one transaction), as pretest items with their prior parameters."""
    row = set_for_author(db, author, set_id)
    _not_retired(row, "published")
    if row.status == "published":
        return describe(row)
    _serve(db, row, now)
    row.status = "published"
    row.published_at = now
    db.add(row)
    db.commit()
    db.refresh(row)
    return describe(row)


def _serve(db: Session, row: VocabularySetRow, now: datetime) -> None:
    """The set's items live, its items no longer in it not; 409 if an id is anyone else's."""
    from content.schema import Item

    generated = [Item.model_validate(content) for content in row.items]
    ids = [item.id for item in generated]
    existing = {r.id: r for r in db.exec(select(ItemRow).where(col(ItemRow.id).in_(ids)))}
    clashes = sorted(i for i, r in existing.items() if r.origin != "authored" or r.vocabulary_set_id != row.id)
    if clashes:
        raise Conflict(f"{len(clashes)} item id(s) already belong to the bank or another set: nothing "
                       "was published", item_ids=clashes[:50])
    for item in generated:
        old = existing.get(item.id)
        if old is None:
            values = item_store.row_values(item, "authored", now, live=True, vocabulary_set_id=row.id)
            values.update(status="prior")
            db.add(ItemRow(**values))
        elif not old.live:
            # The same content (the id says so): its answers and parameters still hold.
            old.live = True
            old.updated_at = now
            db.add(old)
    _withdraw(db, row, now, keep=set(ids))


def _withdraw(db: Session, row: VocabularySetRow, now: datetime, keep: set[str] | None = None) -> int:
    """The set's live items not in ``keep`` out of service (answers and parameters kept)."""
    withdrawn = 0
    for item in db.exec(select(ItemRow).where(col(ItemRow.vocabulary_set_id) == row.id,
                                              col(ItemRow.live).is_(True))):
        if keep is None or item.id not in keep:
            item.live = False
            item.updated_at = now
            db.add(item)
            withdrawn += 1
    return withdrawn


def unpublish(db: Session, author: User, set_id: str, now: datetime) -> VocabularySetOut:
    """A published set back to a draft: its items no longer served, their answers kept."""
    row = set_for_author(db, author, set_id)
    _not_retired(row, "unpublished")
    if row.status == "published":
        _withdraw(db, row, now)
        row.status = "draft"
        row.published_at = None
        db.add(row)
        db.commit()
        db.refresh(row)
    return describe(row)


def retire(db: Session, author: User, set_id: str, now: datetime) -> VocabularySetOut:
    """The set withdrawn for good: its items no longer served, answers kept, no more edits."""
    row = set_for_author(db, author, set_id)
    if row.status != "retired":
        _withdraw(db, row, now)
        row.status = "retired"
        db.add(row)
        db.commit()
        db.refresh(row)
    return describe(row)


def statistics(db: Session, author: User, set_id: str) -> SetStatistics:
    """Each item's answers (learners' and the anonymised answers of deleted accounts), the
    share with full marks, the parameters it is served with, and how its answers fit them."""
    row = set_for_author(db, author, set_id)
    ids = [content["id"] for content in row.items]
    counts: dict[str, list[int]] = {item_id: [0, 0] for item_id in ids}
    for item_id, answers, right in db.exec(
            select(ResponseRow.item_id, func.count(), func.sum(case((col(ResponseRow.correct), 1), else_=0)))
            .where(col(ResponseRow.item_id).in_(ids)).group_by(col(ResponseRow.item_id))).all():
        counts[item_id] = [int(answers), int(right or 0)]
    full = col(AnonymousResponse.score) >= col(AnonymousResponse.max_score)
    for item_id, answers, right in db.exec(
            select(AnonymousResponse.item_id, func.count(), func.sum(case((full, 1), else_=0)))
            .where(col(AnonymousResponse.item_id).in_(ids)).group_by(col(AnonymousResponse.item_id))).all():
        counts[item_id][0] += int(answers)
        counts[item_id][1] += int(right or 0)
    rows = {r.id: r for r in db.exec(select(ItemRow).where(col(ItemRow.id).in_(ids)))}
    fits = _item_fits(db, rows)
    result = []
    for content in row.items:
        item_id = content["id"]
        answers, right = counts[item_id]
        served = rows.get(item_id)
        result.append(SetItemStatistics(
            id=item_id, type=content.get("type", ""), lemma=content.get("lemma"), answers=answers,
            share_right=right / answers if answers else None,
            a=served.a if served else None, b=served.b if served else None,
            status=served.status if served else None,
            calibration_id=served.calibration_id if served else None,
            fit=fits.get(item_id)))
    return SetStatistics(id=row.id, items=result, fit_min_answers=adapter.MIN_FIT_RESPONSES)


def _item_fits(db: Session, rows: dict[str, ItemRow]) -> dict[str, ItemFitOut]:
    """Infit and outfit of the items in ``rows`` with at least :data:`adapter.MIN_FIT_RESPONSES`
    learners' answers, each answer against the learner's estimate just before it (stored with
    the answer: ``theta_before``, ``se_before``). That estimate does not contain the answer
    judged, so a fitting item's mean squares have expectation 1 (:mod:`calibration.fit`).
    Anonymised answers keep no estimate and are not judged.
    """
    ids = list(rows)
    found = db.execute(sa.select(col(ResponseRow.item_id), col(ResponseRow.score), col(ResponseRow.max_score),
                                 col(ResponseRow.theta_before), col(ResponseRow.se_before))
                       .where(col(ResponseRow.item_id).in_(ids))).all() if ids else []
    if not found:
        return {}
    index = {item_id: i for i, item_id in enumerate(ids)}
    item = np.array([index[r.item_id] for r in found])
    served = [rows[item_id] for item_id in ids]
    fit = adapter.item_fit(
        item, np.array([answer_log.right(r.score, r.max_score) for r in found], dtype=float),
        np.array([r.theta_before for r in found]), np.array([r.se_before for r in found]),
        np.array([s.a for s in served])[item], np.array([s.b for s in served])[item],
        np.array([s.c for s in served])[item], len(ids))
    return {item_id: ItemFitOut(answers=int(fit.n_responses[i]), infit=float(fit.infit[i]),
                                outfit=float(fit.outfit[i]), infit_t=float(fit.infit_t[i]),
                                outfit_t=float(fit.outfit_t[i]), check=bool(fit.underfit[i]),
                                overfit=bool(fit.overfit[i]))
            for item_id, i in index.items() if fit.n_responses[i] >= adapter.MIN_FIT_RESPONSES}


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
                            published_at=utc(row.published_at), data=row.data)
