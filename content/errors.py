"""Errors in content files, located by file, line and field."""
from __future__ import annotations

from pathlib import Path

from engine.errors import InputError


class ContentError(InputError):
    """A bank or import file that cannot be used, named as ``file:line: field: message``.

    A subclass of :class:`engine.errors.InputError`, so the ``b1engine``
    command reports it and exits with status 2 like every other bad input.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None,
                 field: str | None = None, code: str | None = None) -> None:
        super().__init__(path, message, row=line, column=field, code=code)
        self.line = line
        self.field = field
        self.args = (format_problem(path, line, field, message),)

    def __str__(self) -> str:
        return self.args[0]


def format_problem(path: str | Path, line: int | None, field: str | None, message: str) -> str:
    """``file:line: field: message`` (the line is 0 when a problem has no single line)."""
    return f"{path}:{line or 0}: {field or '-'}: {message}"
