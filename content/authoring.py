"""Vocabulary sets written by authors (through the API or ``content import``).

:func:`validate_vocabulary_set` runs on one set the same checks as
``b1engine content check`` (:mod:`content.lint`) and lists every problem by
entry (0-based) and field, so an author can fix them all at once. One check is
the bank's alone: a gloss that holds its word is refused there, while an
author's set just gets no gloss item for that word.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from content import nlp
from content.bank import loc_text
from content.lint import vocabulary_issues
from content.schema import Issue, VocabularySet, validation_issues


@dataclass(frozen=True)
class Problem:
    """One problem: the entry (0-based index, None for the set itself), field and message."""

    entry: int | None
    field: str
    message: str


def problem(issue: Issue) -> Problem:
    """An issue located as entry and field: ``("entries", 2, "examples", 0)`` -> (2, "examples[0]")."""
    loc = issue.loc
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        return Problem(loc[1], loc_text(loc[2:]) if len(loc) > 2 else "entry", issue.message)
    return Problem(None, loc_text(loc), issue.message)


def set_issues(data: Any, allowed: frozenset[str] | None = None) -> tuple[VocabularySet | None, list[Issue]]:
    """The validated set and every issue (schema first; word checks only on a valid set)."""
    if not isinstance(data, dict):
        return None, [Issue((), "a vocabulary set is a mapping with language, trade, title, entries")]
    try:
        vocabulary_set = VocabularySet.model_validate(data)
    except ValidationError as error:
        return None, validation_issues(error)
    if allowed is None:
        allowed = nlp.allow_list(vocabulary_set.language)
    return vocabulary_set, vocabulary_issues(vocabulary_set, allowed)


def validate_vocabulary_set(data: dict[str, Any]) -> tuple[VocabularySet | None, list[Problem]]:
    """``(set, [])`` when the set is usable, else ``(set or None, problems)``."""
    vocabulary_set, issues = set_issues(data)
    return vocabulary_set, [problem(issue) for issue in issues]
