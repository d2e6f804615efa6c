"""The items (and growth fits) as a worker keeps them in memory, checked against the
database on every use.

Selecting an exercise needs the parameters of every live item of a language,
and serving or scoring one needs its content; reading them from the table on
each request costs more than the rest of the request. This cache holds them
per process, per database engine, tagged with the ``items_version`` counter
that triggers bump in every transaction that changes ``items`` or
``growth_fits`` (migrations 0004, 0005). Each transaction reads the counter
once (one indexed row; :func:`use_version` when the caller read it along with
another row) before any cached data; a different value drops what was cached.
So data cached under a version is never older than it: a change committed by
any worker is seen by the next request of every worker.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from sqlalchemy import Connection, Engine, column, table
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.errors import NotFound
from api.models import ItemRow
from content import exposure
from content import support as content_support

if TYPE_CHECKING:  # content.schema is imported when first used
    from content.schema import Item

T = TypeVar("T")

_version_table = table("items_version", column("id"), column("version"))
_VERSION = sa_select(_version_table.c.version).where(_version_table.c.id == 1)
#: The counter as a column expression, for a caller that reads it with another row
#: (one round trip instead of two), then hands it to :func:`use_version`.
VERSION_COLUMN = _VERSION.scalar_subquery()


def _rows_by(keys_of_rows: Iterable[Any]) -> dict[Any, np.ndarray]:
    """``{key: positions of the rows that have it}`` from each row's keys, in row order."""
    found: dict[Any, list[int]] = {}
    for position, keys in enumerate(keys_of_rows):
        for key in keys:
            found.setdefault(key, []).append(position)
    return {key: np.array(positions, dtype=np.intp) for key, positions in found.items()}


@dataclass(frozen=True)
class PoolRow:
    """The columns selection needs of one live item (no content)."""

    id: str
    track: str
    trade: str | None
    skill: str
    a: float
    b: float
    c: float
    vocab_key: str | None
    family: str | None = None
    #: The item type (``content.schema.ItemType``): the placement test balances types.
    type: str = ""
    #: A gloss item's content: whom it may be served to depends on the learner's support
    #: language (:func:`content.support.servable`); None for an item served to everyone.
    content: Item | None = None
    #: What the item asks for and the words it shows (:mod:`content.exposure`).
    asked: frozenset[str] = frozenset()
    shown: frozenset[str] = frozenset()
    #: A gloss item's key and options (:func:`content.exposure.defined_terms`, ``offered_terms``).
    defines: frozenset[str] = frozenset()
    offers: frozenset[str] = frozenset()


class Pool:
    """Items a session may serve, in id order, with their parameters as arrays."""

    def __init__(self, rows: list[PoolRow], language: str = "") -> None:
        self.rows = rows
        self.language = language
        self.ids = [r.id for r in rows]
        self.index = {r.id: i for i, r in enumerate(rows)}
        self.a = np.array([r.a for r in rows], dtype=float)
        self.b = np.array([r.b for r in rows], dtype=float)
        self.c = np.array([r.c for r in rows], dtype=float)
        self.is_trade = np.array([r.track == "trade" for r in rows], dtype=bool)
        #: Each item's skill and type, for the placement test's content balance.
        self.skills = tuple(r.skill for r in rows)
        self.types = tuple(r.type for r in rows)
        self._servable: dict[str | None, np.ndarray] = {}
        for values in (self.a, self.b, self.c, self.is_trade):
            values.setflags(write=False)
        # Inverted indexes for :meth:`unserved` (runs on every answer): the rows of each
        # family, vocabulary entry, asked term and offered term, so a session's served items
        # are looked up, not every row tested against them.
        self._by_family = _rows_by((r.family,) if r.family else () for r in rows)
        self._by_word = _rows_by((r.vocab_key,) if r.vocab_key else () for r in rows)
        self._by_asked = _rows_by(r.asked for r in rows)
        self._by_offer = _rows_by(r.offers for r in rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[PoolRow]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> PoolRow:
        return self.rows[index]

    def servable(self, support: str | None) -> np.ndarray:
        """Mask of the items a learner with this support language can be served
        (:func:`content.support.servable`: a gloss item needs a gloss they read and a word that
        does not look like one of their language's)."""
        found = self._servable.get(support)
        if found is None:
            found = np.array([r.content is None or content_support.servable(r.content, support)
                              for r in self.rows], dtype=bool)
            found.setflags(write=False)
            self._servable[support] = found
        return found

    def unserved(self, served: list[str]) -> np.ndarray:
        """Mask of the items neither in ``served`` nor given away by one in it: the same
        ``family`` (a choice cloze gives away the typed one built from the same sentence),
        the same vocabulary entry (a gloss item shows the word a typed cloze asks for), or
        an answer among the words a served item showed (:mod:`content.exposure`: a
        distractor, a passage or a feedback that holds a later gap's word), or a gloss item
        one of whose options a served gloss item defined."""
        available = np.ones(len(self.rows), dtype=bool)
        positions = [self.index[i] for i in served if i in self.index]
        available[positions] = False
        served_rows = [self.rows[p] for p in positions]
        for index, terms in ((self._by_family, {r.family for r in served_rows}),
                             (self._by_word, {r.vocab_key for r in served_rows}),
                             # exposure.gives_away: an asked term among those shown so far
                             (self._by_asked, set().union(*(r.shown for r in served_rows))),
                             (self._by_offer, set().union(*(r.defines for r in served_rows)))):
            for term in terms:
                given_away = index.get(term)
                if given_away is not None:
                    available[given_away] = False
        return available


@dataclass(frozen=True)
class CachedItem:
    """An item row's columns the session code reads, and its content item (do not mutate)."""

    id: str
    language: str
    track: str
    trade: str | None
    skill: str
    type: str
    max_score: int
    a: float
    b: float
    c: float
    vocab_key: str | None
    item: Item


class _Entry:
    def __init__(self, version: int) -> None:
        self.version = version
        self.pools: dict[tuple[str, str, str | None], Pool] = {}
        self.items: dict[str, CachedItem] = {}
        #: :func:`cached` values, each of the type its ``load`` returns.
        self.values: dict[Hashable, Any] = {}


_lock = threading.Lock()
_entries: weakref.WeakKeyDictionary[Engine | Connection, _Entry] = weakref.WeakKeyDictionary()


def _entry(db: Session) -> _Entry:
    """The cache of this session's database at the version its transaction sees now.

    Read once per transaction: later uses in the same transaction get the same entry
    (as if every lookup had happened at the first one)."""
    transaction = db.get_transaction()
    seen = db.info.get("item_cache")
    if transaction is not None and seen is not None and seen[0] is transaction:
        return seen[1]
    return use_version(db, db.execute(_VERSION).scalar_one())


def use_version(db: Session, version: int) -> _Entry:
    """Tie the session's current transaction to the cache at ``version``, which the caller
    read in this transaction (selecting :data:`VERSION_COLUMN`)."""
    db_engine = db.get_bind()
    with _lock:
        entry = _entries.get(db_engine)
        if entry is None or entry.version != version:
            entry = _Entry(version)
            _entries[db_engine] = entry
    db.info["item_cache"] = (db.get_transaction(), entry)
    return entry


def cached(db: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value, computed once per cache version (``load`` reads tables whose
    changes bump ``items_version``, in ``session``). The value is shared: do not mutate it."""
    entry = _entry(db)
    if key not in entry.values:
        entry.values[key] = load()
    value: T = entry.values[key]
    return value


def pool(db: Session, language: str, track: str, trade: str | None) -> Pool:
    """The live items of ``language`` a session on ``track`` (and ``trade``) may serve."""
    entry = _entry(db)
    key = (language, track, trade if track == "trade" else None)
    found = entry.pools.get(key)
    if found is not None:
        return found
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement = (sa_select(col(ItemRow.id), col(ItemRow.track), col(ItemRow.trade), col(ItemRow.skill),
                           col(ItemRow.a), col(ItemRow.b), col(ItemRow.c), col(ItemRow.vocab_key),
                           col(ItemRow.family), col(ItemRow.type))
                 .where(col(ItemRow.language) == language, col(ItemRow.live) == True)  # noqa: E712
                 .order_by(col(ItemRow.id)))
    rows = [PoolRow(*r) for r in db.execute(statement)]
    terms = _content_terms(db, language)
    rows = [replace(r, content=t.content, asked=t.asked, shown=t.shown, defines=t.defines, offers=t.offers)
            if (t := terms.get(r.id)) is not None else r for r in rows]
    if track == "trade":
        rows = [r for r in rows if r.track == "b1" or (r.track == "trade" and r.trade == trade)]
    else:
        rows = [r for r in rows if r.track == "b1"]
    found = Pool(rows, language)
    entry.pools[key] = found
    return found


@dataclass(frozen=True)
class _Terms:
    """What a pool row needs of an item's content."""

    content: Item | None
    asked: frozenset[str]
    shown: frozenset[str]
    defines: frozenset[str]
    offers: frozenset[str]


def _content_terms(db: Session, language: str) -> dict[str, _Terms]:
    """Each live item's asked and shown terms (:mod:`content.exposure`), and a gloss item's
    content (who may be served it depends on the support language), once per language and
    cache version: every pool of the language (the B1 track, each trade) shares them."""
    from api.services.items import to_item

    def load() -> dict[str, _Terms]:
        statement = select(ItemRow).where(col(ItemRow.language) == language,
                                          col(ItemRow.live) == True)  # noqa: E712
        out = {}
        for row in db.exec(statement):
            content = to_item(row)
            out[row.id] = _Terms(content if content.is_gloss else None, exposure.asked_terms(content),
                                 exposure.shown_terms(content), exposure.defined_terms(content),
                                 exposure.offered_terms(content))
        return out

    return cached(db, ("exposure", language), load)


def item(db: Session, item_id: str) -> CachedItem:
    """One item (live or not) with its content item; :class:`NotFound` if there is none."""
    from api.services.items import ITEM_GONE, to_item

    entry = _entry(db)
    found = entry.items.get(item_id)
    if found is not None:
        return found
    row = db.get(ItemRow, item_id)
    if row is None:
        raise NotFound(ITEM_GONE)
    found = CachedItem(row.id, row.language, row.track, row.trade, row.skill, row.type,
                       int(row.max_score), float(row.a), float(row.b), float(row.c), row.vocab_key,
                       to_item(row))
    entry.items[item_id] = found
    return found
