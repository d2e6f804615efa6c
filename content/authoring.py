"""Vocabulary sets written by authors (through the API or ``content import``).

:func:`set_issues` runs on one set the same checks as ``b1engine content check``
(:mod:`content.lint`) and lists every problem at its place in the set, each with
its code where it has one (:mod:`content.notes`), so an author can fix them all
at once (the API names each by entry and field). One check is
the bank's alone: a gloss that holds its word is refused there, while an
author's set just gets no gloss item for that word.
"""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from content import nlp
from content.lint import vocabulary_issues
from content.schema import Issue, VocabularySet, validation_issues


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

