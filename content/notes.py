"""A vocabulary set's problems in parts: a stable code and the values its sentence needs.

The author studio words each problem in the author's own language from its
code and values (``author_problem_<code>`` in ``api/i18n``); the command line,
the API's ``message`` and the audit report read the English sentence made from
the same parts here, so both say the same thing. Codes are part of the API
(``docs/api.md``): add new ones, never rename one.

The schema's own validators raise :func:`schema_error`, so pydantic reports
the code as the error's type and the values as its context.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic_core import PydanticCustomError

#: A value a sentence takes: a word, a count, or a list of words.
Value = str | int | tuple[str, ...]

#: Each code's English sentence; ``{name}`` takes the value of that name (a list joined by commas).
ENGLISH = {
    # the schema's own checks (content.schema)
    "lemma_spaces": "a lemma is one word (dictionary form)",
    "example_empty": "an example sentence is empty",
    "text_empty": "an empty text",
    "gloss_distractor_bad": "'{word}' is empty, the lemma, a near-synonym or given twice",
    "gloss_distractors_few": "give at least two (three if you can)",
    "look_alike_codes": "language codes, e.g. [en, uk]",
    # the words and sentences (content.lint, content.generate)
    "entry_repeated": "'{lemma}' ({pos}) is already entry {entry}",
    "unknown_word": "unknown word '{word}': not in wordfreq or the {language} lemma tables "
                    "(if it is right, add it to {language}/allow.txt)",
    "lemma_not_found": "no form of '{lemma}' found (by lemma) in the sentence",
    "lemma_twice": "'{lemma}' occurs more than once ({forms}): no cloze is made from it; use it once",
    "accept_elsewhere": "the accepted '{text}' appears elsewhere in the sentence",
    # an author's distractors (content.generate.distractor_problems)
    "distractor_accepted": "'{text}' is an accepted answer of this gap",
    "distractor_twice": "'{text}' is listed twice",
    "distractor_case_start": "'{text}' is not cased like the key '{key}' (the gap starts the sentence)",
    "distractor_case_inside": "'{text}' is not cased like the key '{key}' (the gap is inside the sentence)",
    "distractor_form": "'{text}' is not in the form of the key '{key}' ({slots})",
    "distractor_article": "'{text}' cannot follow '{before}' (the key '{key}' can)",
    "distractor_near_synonym": "'{text}' is a form of a near-synonym of '{lemma}'",
    "distractor_one": "one distractor: write at least two",
}


@dataclass(frozen=True)
class Note:
    """One problem as a code and the values its sentence needs (see the module doc)."""

    code: str
    values: Mapping[str, Value] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The problem in English."""
        return english(self.code, self.values)

    @property
    def json_values(self) -> dict[str, str | int | list[str]]:
        """The values as JSON has them (a list for a list)."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in self.values.items()}


def english(code: str, values: Mapping[str, Value]) -> str:
    """The English sentence of ``code`` with ``values`` (a list's words joined by commas)."""
    return ENGLISH[code].format(**{name: ", ".join(value) if isinstance(value, tuple) else value
                                   for name, value in values.items()})


def schema_error(code: str, **values: Value) -> PydanticCustomError:
    """A validator's error carrying its code (pydantic's error type) and values (its context)."""
    return PydanticCustomError(code, english(code, values), dict(values))
