"""Named errors, so callers can tell an expected condition from a programming error.

:class:`InputError` is the one error for malformed input that every command reports
(file, row, column): calibration's CSV files, content's bank files (``ContentError``
subclasses it); it lives here, below every package that raises it, and does no I/O.

Each subclasses the built-in error it used to be raised as, so existing
``except ValueError`` handlers keep working.
"""
from __future__ import annotations

from pathlib import Path


class NoItemsAvailable(ValueError):
    """No item may be given: the ``available`` mask passed to selection has no item switched on
    (the bank, after content filters and the items already served, is empty)."""

    def __init__(self, message: str = "no item available") -> None:
        super().__init__(message)


class InputError(ValueError):
    """A malformed input file: names the file, row and column; ``code``, where given, is the
    problem's stable name (``csv_empty_value``), for a caller that words it in its own language."""

    def __init__(self, path: str | Path, message: str, row: int | None = None,
                 column: str | None = None, code: str | None = None) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        self.message = message
        self.code = code
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")
