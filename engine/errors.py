"""The engine's named errors, so callers can tell an expected condition from a programming error.

Each subclasses the built-in error it used to be raised as, so existing
``except ValueError`` handlers keep working.
"""
from __future__ import annotations


class NoItemsAvailable(ValueError):
    """No item may be given: the ``available`` mask passed to selection has no item switched on
    (the bank, after content filters and the items already served, is empty)."""

    def __init__(self, message: str = "no item available") -> None:
        super().__init__(message)
