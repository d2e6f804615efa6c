"""The content schema: items as the service serves them, and the bank's file formats.

:class:`Item` is what the engine selects and the service stores (as
``item.model_dump(mode="json")``, validated again on the way back), so it
checks its own consistency: answers among the options, one gap in a cloze,
word orders that use every token once. The ``*File``/``*Spec`` models are the
YAML files authors write (``docs/content-format.md``); the loader
(:mod:`content.bank`) turns them into items.

All models are frozen (immutable after loading) and forbid unknown fields, so
a misspelt key in a bank file is an error rather than silently ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from content.catalog import LANGUAGES, Language, Level, Skill, Theme, Track, Trade
from content.notes import ENGLISH, Note, schema_error

ItemType = Literal["multiple_choice", "cloze_choice", "cloze_typed", "word_order", "reading"]
Status = Literal["prior", "calibrated"]
#: Universal Dependencies part-of-speech tags (https://universaldependencies.org/u/pos/).
Pos = Literal["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
              "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]

__all__ = ["Language", "Level", "Skill", "Theme", "Track", "Trade"]

#: Item types answered by picking one option id.
CHOICE_TYPES = frozenset({"multiple_choice", "cloze_choice", "reading"})
CLOZE_TYPES = frozenset({"cloze_choice", "cloze_typed"})
#: A gap in a cloze prompt: three or more underscores.
GAP = re.compile(r"_{3,}")
GAP_TEXT = "___"
#: A letter not shown in a typed gap's word shape (:func:`word_shape`).
HIDDEN_LETTER = "_"
#: Full marks of a typed cloze (1 of 2 is partial credit); every other type scores 0/1.
TYPED_MAX_SCORE = 2
CHOICE_MAX_SCORE = 1
#: Ids: the language, a dash, then letters, digits, dashes (Unicode letters allowed).
ID_PATTERN = re.compile(rf"^({'|'.join(LANGUAGES)})-[\w-]+$")
OPTION_ID_PATTERN = r"^[\w-]+$"

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Option(BaseModel):
    """One option of a choice item, or one token of a word-order item."""

    model_config = _FROZEN
    id: str = Field(min_length=1, pattern=OPTION_ID_PATTERN)
    text: str = Field(min_length=1)


Answer = str | tuple[str, ...]


def expected_max_score(item_type: str) -> int:
    return TYPED_MAX_SCORE if item_type == "cloze_typed" else CHOICE_MAX_SCORE


def word_shape(text: str, letters: int = 1) -> str:
    """The shape of a typed gap's answer as the gap shows it: the first ``letters`` letters,
    the first letter of every later word, and :data:`HIDDEN_LETTER` for every other letter
    or digit; spaces, hyphens and apostrophes stay (*munnbind* -> ``m_______``,
    *forklift truck* -> ``f_______ t____``, *fork-lift* -> ``f___-____``; with
    ``letters=3``, *supervise* -> ``sup______``).

    The first letters and the length of the word keep out the synonyms and other forms a
    sentence and a hint leave open (*maske* for *munnbind*, *tartıyoruz* for *tartın*), as in
    the controlled productive vocabulary test (Laufer & Nation 1999, *Language Testing*
    16(1), 33-51), whose gaps give the first letters of the word.
    """
    shown: list[str] = []
    show = letters
    for char in text:
        if char.isalnum():
            shown.append(char if show > 0 else HIDDEN_LETTER)
            show -= 1
        else:
            shown.append(char)
            show = max(show, 1) if char.isspace() else 0
    return "".join(shown)


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


def answer_problems(item_type: str, prompt: str | None, options: tuple[Option, ...],
                    answers: tuple[Any, ...], passage: str | None) -> list[tuple[str, str]]:
    """Whether prompt, options and answers fit the item type: ``[(field, message)]``.

    One function used by :class:`Item` and by the bank checker (which needs
    the field to point at its line).
    """
    problems: list[tuple[str, str]] = []
    option_ids = [o.id for o in options]
    for dup in _duplicates(option_ids):
        problems.append(("options", f"option id '{dup}' used twice"))
    if item_type != "word_order":  # a sentence may use a word twice; options may not
        for dup in _duplicates([o.text.casefold() for o in options]):
            problems.append(("options", f"option text '{dup}' used twice"))
    if not answers:
        problems.append(("answers", "no accepted answer"))
    if item_type in CLOZE_TYPES:
        gaps = len(GAP.findall(prompt or ""))
        if gaps != 1:
            problems.append(("prompt", f"a cloze prompt needs exactly one gap '{GAP_TEXT}', found {gaps}"))
    elif item_type != "word_order" and not prompt:
        problems.append(("prompt", "missing"))
    if item_type == "reading" and not passage:
        problems.append(("passage", "a reading item needs a passage"))
    if item_type != "reading" and passage:
        problems.append(("passage", f"only reading items have a passage, not {item_type}"))
    if item_type in CHOICE_TYPES:
        if len(options) < 2:
            problems.append(("options", "a choice item needs at least two options"))
        for answer in answers:
            if not isinstance(answer, str):
                problems.append(("answers", f"{answer!r}: a choice item's answers are option ids"))
            elif answer not in option_ids:
                problems.append(("answers", f"'{answer}' is not among the option ids "
                                            f"({', '.join(option_ids)})"))
        if options and len(set(answers) & set(option_ids)) == len(option_ids):
            problems.append(("answers", "every option is accepted"))
    elif item_type == "cloze_typed":
        if options:
            problems.append(("options", "a typed cloze has no options"))
        for answer in answers:
            if not isinstance(answer, str) or not answer.strip():
                problems.append(("answers", f"{answer!r}: a typed cloze accepts texts"))
    elif item_type == "word_order":
        if len(options) < 2:
            problems.append(("options", "a word-order item needs at least two tokens"))
        for answer in answers:
            if isinstance(answer, str) or sorted(answer) != sorted(option_ids):
                problems.append(("answers", f"{answer!r} is not an order of every token id "
                                            f"({', '.join(option_ids)}) used once"))
    return problems


class ItemSupport(BaseModel):
    """A generated trade item's texts in the languages learners read (:mod:`content.support`).

    ``kind="gloss"``: a gloss item; the service shows the gloss in the learner's
    support language, and serves the item only to a learner who has one it
    holds. ``kind="hint"``: a typed cloze's hint, shown in the learner's support
    language, else as the definition under the target language's own code.
    ``glosses`` maps a language code to its text; none shows an accepted answer.
    """

    model_config = _FROZEN
    kind: Literal["gloss", "hint"]
    glosses: dict[str, str]


class Item(BaseModel):
    """One exercise, as selected by the engine and served by the API.

    ``answers`` holds option ids (choice and reading items), accepted texts
    (typed cloze) or accepted orders of token ids (word order). ``a``, ``b``,
    ``c`` are the 3PL parameters, ``status`` says whether they are a prior
    (:mod:`content.prior`) or calibrated, ``source`` where they come from.
    ``vocab_key`` (``<language>:<trade>:<lemma>``) ties generated trade items
    to their vocabulary entry for spaced review. ``family`` names items that must
    never be served in the same test: the typed and the choice cloze made from
    one example sentence share it (once a learner has seen the options, the typed
    twin is free); None for an item alone.
    """

    model_config = _FROZEN
    id: str = Field(min_length=4, max_length=200)
    language: Language
    track: Track
    trade: Trade | None = None
    theme: Theme | None = None
    skill: Skill
    type: ItemType
    cefr: Level
    instructions: str | None = None
    prompt: str | None = None
    passage: str | None = None
    options: tuple[Option, ...] = ()
    answers: tuple[Answer, ...]
    lemma: str | None = None
    feedback: str | None = None
    max_score: int
    a: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    b: float = Field(default=0.0, allow_inf_nan=False)
    c: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False)
    status: Status = "prior"
    source: str | None = None
    vocab_key: str | None = None
    family: str | None = Field(default=None, min_length=1, max_length=200)
    support: ItemSupport | None = None
    #: A typed cloze whose gap shows its first answer's :func:`word_shape` with this many
    #: first letters (0: a plain gap).
    shape_letters: int = Field(default=0, ge=0, le=10)
    #: Support languages whose readers are not served the item: a gloss item whose word looks
    #: like one of theirs (:attr:`VocabularyEntry.look_alike_for`) measures their own language.
    withheld_for: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_max_score(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("max_score") is None and "type" in data:
            data = {**data, "max_score": expected_max_score(data["type"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        problems = answer_problems(self.type, self.prompt, self.options, self.answers, self.passage)
        if not ID_PATTERN.match(self.id) or not self.id.startswith(f"{self.language}-"):
            problems.append(("id", f"'{self.id}' must start with '{self.language}-' and hold only "
                                   "letters, digits and dashes"))
        if self.track == "trade" and (self.trade is None or self.theme is not None):
            problems.append(("trade", "a trade-track item names its trade and no theme"))
        if self.track == "b1" and (self.theme is None or self.trade is not None):
            problems.append(("theme", "a B1-track item names its theme and no trade"))
        if self.vocab_key is not None and self.track != "trade":
            problems.append(("vocab_key", "only trade-track items come from vocabulary sets"))
        if self.shape_letters and self.type != "cloze_typed":
            problems.append(("shape_letters", f"only a typed cloze shows its answer's shape, not {self.type}"))
        if self.max_score != expected_max_score(self.type):
            problems.append(("max_score", f"{self.max_score}, expected {expected_max_score(self.type)} "
                                          f"for {self.type}"))
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        return self

    def public_view(self) -> dict[str, Any]:
        """What a learner may see before answering: never answers, feedback or parameters."""
        return {"id": self.id, "type": self.type, "language": self.language, "skill": self.skill,
                "cefr": self.cefr, "instructions": self.instructions, "prompt": self.prompt,
                "passage": self.passage, "shape": self.shape,
                "options": [{"id": o.id, "text": o.text} for o in self.options]}

    @property
    def shape(self) -> str | None:
        """What a typed gap shows of its answer (:func:`word_shape`), if anything."""
        return word_shape(str(self.answers[0]), self.shape_letters) if self.shape_letters else None

    @property
    def is_gloss(self) -> bool:
        """A gloss item ("which word means «…»?"): served by the learner's support language."""
        return self.support is not None and self.support.kind == "gloss"


# ---------------------------------------------------------------- bank files

class Irt(BaseModel):
    """Item parameters written in a bank file (usually after a calibration)."""

    model_config = _FROZEN
    a: float = Field(gt=0, allow_inf_nan=False)
    b: float = Field(allow_inf_nan=False)
    c: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False)
    status: Status = "calibrated"
    source: str | None = None


class QuestionSpec(BaseModel):
    """One question on a reading passage."""

    model_config = _FROZEN
    prompt: str = Field(min_length=1)
    instructions: str | None = None
    options: tuple[Option, ...]
    answers: tuple[str, ...]
    feedback: str | None = None
    cefr: Level | None = None
    irt: Irt | None = None


class ItemSpec(BaseModel):
    """One authored item in a B1-track file (a reading item holds ``questions``)."""

    model_config = _FROZEN
    id: str = Field(min_length=4, max_length=200)
    skill: Skill
    type: ItemType
    cefr: Level
    instructions: str | None = None
    prompt: str | None = None
    passage: str | None = None
    options: tuple[Option, ...] = ()
    answers: tuple[Answer, ...] = ()
    lemma: str | None = None
    feedback: str | None = None
    questions: tuple[QuestionSpec, ...] = ()
    irt: Irt | None = None
    #: A typed gap that shows its key's shape (:func:`word_shape`), as generated trade gaps do:
    #: for a gap that asks for a word; never for one that asks for a form (the length tells it).
    shape_letters: int = Field(default=0, ge=0, le=10)
    #: Items that must never be served in one test, named alike: one tells what another asks
    #: (an option and its feedback explain the expression a later gap asks for).
    family: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("an id is '<language>-<theme>-<nnn>': letters, digits and dashes")
        return value

    @model_validator(mode="after")
    def _questions_only_for_reading(self) -> ItemSpec:
        if self.type == "reading" and not self.questions:
            raise ValueError("a reading item needs at least one question")
        if self.type != "reading" and self.questions:
            raise ValueError("only reading items have questions")
        if self.type == "reading" and (self.options or self.answers):
            raise ValueError("a reading item's options and answers go under its questions")
        return self


class B1File(BaseModel):
    """A B1-track file: the items on one theme in one language."""

    model_config = _FROZEN
    language: Language
    track: Literal["b1"]
    theme: Theme
    items: tuple[ItemSpec, ...] = Field(min_length=1)


class Example(BaseModel):
    """One example sentence of a vocabulary entry, with what its author knows about its gap.

    In a bank file an example is either a plain sentence or a mapping::

        - text: Legg kniven i vasken når du er ferdig.
          distractors: [gaffelen, skjeen]   # wrong here, in the form the sentence needs
          accept: [kniv]                     # other forms that also fit the gap
          cue: bestemt form                  # a form cue shown with a typed gap

    ``distractors`` are the options of the choice cloze besides the form in the
    sentence: each in the key's form and casing and wrong in this sentence.
    ``accept`` lists further texts a typed gap accepts in full; ``cue`` tells
    the learner which form is wanted when several would fit.
    """

    model_config = _FROZEN
    text: str = Field(min_length=1)
    distractors: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    cue: str | None = Field(default=None, max_length=60)

    @model_validator(mode="before")
    @classmethod
    def _from_sentence(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise schema_error("example_empty")
        return value

    @field_validator("distractors", "accept")
    @classmethod
    def _non_empty_texts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        stripped = tuple(text.strip() for text in value)
        if any(not text for text in stripped):
            raise schema_error("text_empty")
        return stripped


class VocabularyEntry(BaseModel):
    """One word of a vocabulary set, with the sentences that use it.

    ``near_synonyms`` lists lemmas (of the set or not) that could also be right
    where this word is: the generator never makes them distractors of this word,
    nor this word one of theirs (*vaske* and *skylle*, *bleach* and *disinfectant*).
    """

    model_config = _FROZEN
    lemma: str = Field(min_length=1, max_length=60)
    pos: Pos
    gloss: str = Field(min_length=1, max_length=120)
    cefr: Level
    examples: tuple[Example, ...] = Field(min_length=1)
    near_synonyms: tuple[str, ...] = ()
    #: The gloss item's wrong options, as written (dictionary forms of words of the same kind:
    #: other people for a person, other tools for a tool); without them the generator takes the
    #: set's entries nearest in frequency, which may be of another kind and give the key away.
    gloss_distractors: tuple[str, ...] = ()
    #: Support languages whose readers know the word by its look, a cognate or a loanword of
    #: theirs (Turkish *porsiyon* for English readers, Italian *camion* for Ukrainian ones):
    #: its gloss item, a translation question, would test recognition of their own word, so
    #: it is not served to them. Its clozes are: they still practise the word's spelling, form
    #: and use in the language learnt (*obbligatorie*, not *obligatory*), if more easily than
    #: other readers. Reviews 21-26 found such items in every language.
    look_alike_for: tuple[str, ...] = ()
    #: Glosses in other languages learners read (code -> gloss; the target language's own code:
    #: a short definition). The bundled bank keeps them in gloss files (:mod:`content.support`).
    glosses: dict[str, str] = Field(default_factory=dict)

    @field_validator("lemma")
    @classmethod
    def _one_word(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            raise schema_error("lemma_spaces")
        return value

    # Field validators, so that each problem is located at its field (the fields before it,
    # lemma and near_synonyms, are in info.data when they were valid).
    @field_validator("gloss_distractors")
    @classmethod
    def _gloss_distractors_wrong(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        seen = {str(info.data.get("lemma", "")).casefold(),
                *(word.casefold() for word in info.data.get("near_synonyms", ()))}
        for word in value:
            if not word.strip() or word.casefold() in seen:
                raise schema_error("gloss_distractor_bad", word=word)
            seen.add(word.casefold())
        if len(value) == 1:
            raise schema_error("gloss_distractors_few")
        return value

    @field_validator("look_alike_for")
    @classmethod
    def _language_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not re.fullmatch(r"[a-z]{2,3}", code) for code in value):
            raise schema_error("look_alike_codes")
        return value

    @property
    def sentences(self) -> tuple[str, ...]:
        """The example sentences' texts."""
        return tuple(example.text for example in self.examples)


class VocabularySet(BaseModel):
    """A trade's vocabulary set in one language: items are generated from it."""

    model_config = _FROZEN
    language: Language
    track: Literal["trade"] = "trade"
    trade: Trade
    title: str = Field(min_length=1, max_length=200)
    entries: tuple[VocabularyEntry, ...] = Field(min_length=1)


# ---------------------------------------------------------------- problems

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem found in a document, located by its path in the data.

    ``loc`` is a pydantic-style path (``("entries", 2, "cefr")``); the checker
    turns it into a line number, the authoring API into an entry and a field.
    ``note``: the problem in parts (:mod:`content.notes`), where it has a code;
    ``message`` is then its English sentence.
    """

    loc: Loc
    message: str
    note: Note | None = None

    @classmethod
    def of(cls, loc: Loc, note: Note) -> Issue:
        return cls(loc, note.text, note)


def validation_issues(error: ValidationError, prefix: Loc = ()) -> list[Issue]:
    """Every error of a pydantic validation as an :class:`Issue` (our validators' with their notes)."""
    issues = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        loc = tuple(part for part in detail["loc"] if not _is_union_tag(part))
        note = Note(detail["type"], dict(detail.get("ctx") or {})) if detail["type"] in ENGLISH else None
        issues.append(Issue(prefix + loc, message, note))
    return issues


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the union member ('str', 'tuple[str, ...]') to union errors' locations.
    return isinstance(part, str) and ("[" in part or part in {"str", "function-after[_one_word()]"})
