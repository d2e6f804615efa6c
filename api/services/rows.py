"""Typed access to table rows: a persisted row's id, a table model's ``Table``.

SQLModel declares an autoincrement key as ``id: int | None`` (None until the row
is flushed), and leaves ``__table__`` out of the class's type. These helpers say
what the code relies on, and fail loudly where it would not hold.
"""
from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa
from sqlmodel import SQLModel


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: HasId) -> int:
    """The id of a row that was flushed (every row read from the database is)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The ``Table`` a table model is mapped to (for SQL Core statements)."""
    table = sa.inspect(model).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
