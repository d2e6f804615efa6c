"""The languages learners read: glosses, instructions and level descriptions in them.

Our learners read Arabic, Dari/Persian, Ukrainian, Tigrinya, Somali, French or
English better than the language they learn. A **support language** is data,
not code: one file ``<bank>/support/<code>.yaml`` names it, gives its text
direction and, for each target language, the translation of every
instruction the bank's items show, and the four CEFR level descriptions.
The four target languages have a file of the same form (their own level
descriptions; ``support: false`` unless learners may also choose it, as English).

Glosses of the trade vocabulary live beside each target language's sets, one
file per support language: ``<bank>/<target>/glosses/<code>.yaml`` maps
``trade -> lemma -> gloss``. A gloss file in the target language itself
(``nb/glosses/nb.yaml``) holds short **definitions**: the typed hint of a
learner who has no support language (never English unless they chose it).
English glosses are the vocabulary entries' own ``gloss`` field.

Every file says its ``status``: ``draft`` while its texts await a native
reviewer, ``reviewed`` after. ``content check`` (:mod:`content.lint`) fails on
a missing gloss or instruction in a language that is not ``draft``.
"""
from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from content import nlp
from content.catalog import BANK_ROOT, LANGUAGES, LEVELS
from content.errors import ContentError
from content.schema import Item

#: Folder (under the bank root) of the support-language files.
SUPPORT_DIR = "support"
#: Folder (under a target language's folder) of its gloss files.
GLOSS_DIR = "glosses"
Direction = Literal["ltr", "rtl"]
ReviewStatus = Literal["draft", "reviewed"]
#: Unicode bidirectional classes of right-to-left letters (Arabic script, Hebrew).
RTL_CLASSES = frozenset({"R", "AL"})
#: Share of a language's letters that must be right-to-left for it to be a right-to-left language.
RTL_SHARE = 0.5

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SupportFile(BaseModel):
    """``support/<code>.yaml``."""

    model_config = _FROZEN
    language: str = Field(min_length=2, max_length=8, pattern=r"^[a-z]{2,3}$")
    name: str = Field(min_length=1, max_length=40, description="the language's name in itself")
    english_name: str = Field(min_length=1, max_length=40)
    direction: Direction = "ltr"
    status: ReviewStatus = "draft"
    support: bool = Field(default=True, description="learners may choose it: glosses and instructions "
                                                    "are expected for every other target language")
    levels: dict[str, str] = Field(default_factory=dict, description="CEFR level -> what it means")
    instructions: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="target language -> instruction as the item shows it -> translation")

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(LEVELS))
        if unknown:
            raise ValueError(f"unknown level(s) {', '.join(unknown)}; the levels are {', '.join(LEVELS)}")
        return value

    @field_validator("instructions")
    @classmethod
    def _known_targets(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown target language(s) {', '.join(unknown)}; "
                             f"the target languages are {', '.join(LANGUAGES)}")
        return value


class GlossFile(BaseModel):
    """``<target>/glosses/<code>.yaml``."""

    model_config = _FROZEN
    language: str = Field(min_length=2, max_length=8, pattern=r"^[a-z]{2,3}$")
    target: str
    status: ReviewStatus = "draft"
    glosses: dict[str, dict[str, str]] = Field(description="trade -> lemma -> gloss")


@dataclass(frozen=True)
class SupportLanguage:
    """A language learners read (or a target language, ``target=True``), as the files give it."""

    code: str
    name: str
    english_name: str
    direction: Direction
    status: ReviewStatus
    target: bool
    support: bool
    levels: Mapping[str, str] = field(default_factory=dict)
    instructions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def instruction(self, target: str, text: str | None) -> str | None:
        """The translation of an instruction of a ``target``-language item (None if none)."""
        if text is None:
            return None
        return self.instructions.get(target, {}).get(text)


@dataclass(frozen=True)
class Glosses:
    """One support language's glosses of one target language's sets."""

    language: str
    target: str
    status: ReviewStatus
    by_entry: Mapping[tuple[str, str], str]   # (trade, lemma) -> gloss
    path: Path


def script_direction(text: str) -> Direction:
    """``rtl`` when most of the letters of ``text`` are right-to-left (Arabic script, Hebrew)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "ltr"
    rtl = sum(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in letters)
    return "rtl" if rtl / len(letters) >= RTL_SHARE else "ltr"


def _validated(model: type[BaseModel], path: Path) -> BaseModel:
    """The file, read once with the bank's YAML reader (YAML 1.2 booleans, lines), as ``model``;
    the first problem is a ContentError at its line and field."""
    from content.bank import loc_text, read_document
    from content.schema import validation_issues

    document = read_document(path)
    if document.issues:
        issue = document.issues[0]
        raise ContentError(path, issue.message, line=document.line(issue.loc))
    if not isinstance(document.data, dict):
        raise ContentError(path, "a support or gloss file is a mapping")
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        issue = validation_issues(error)[0]
        raise ContentError(path, issue.message, line=document.line(issue.loc),
                           field=loc_text(issue.loc)) from None


def read_support(root: str | Path = BANK_ROOT) -> dict[str, SupportLanguage]:
    """Every ``support/<code>.yaml`` under the bank ``root``, by code (ContentError if one is bad)."""
    found: dict[str, SupportLanguage] = {}
    for path in sorted((Path(root) / SUPPORT_DIR).glob("*.yaml")):
        data = _validated(SupportFile, path)
        assert isinstance(data, SupportFile)
        if data.language != path.stem:
            raise ContentError(path, f"the file of '{path.stem}' says language '{data.language}'",
                               field="language")
        found[data.language] = SupportLanguage(
            data.language, data.name, data.english_name, data.direction, data.status,
            data.language in LANGUAGES, data.support, MappingProxyType(dict(data.levels)),
            MappingProxyType({k: MappingProxyType(dict(v)) for k, v in data.instructions.items()}))
    return found


def read_glosses(root: str | Path, target: str) -> dict[str, Glosses]:
    """The gloss files of one target language, by support language."""
    found: dict[str, Glosses] = {}
    for path in sorted((Path(root) / target / GLOSS_DIR).glob("*.yaml")):
        data = _validated(GlossFile, path)
        assert isinstance(data, GlossFile)
        if data.language != path.stem or data.target != target:
            raise ContentError(path, f"a gloss file of '{target}' named '{path.stem}.yaml' must say "
                                     f"language '{path.stem}' and target '{target}'", field="language")
        by_entry = {(trade, lemma): gloss for trade, entries in data.glosses.items()
                    for lemma, gloss in entries.items()}
        found[data.language] = Glosses(data.language, target, data.status, MappingProxyType(by_entry), path)
    return found


@functools.cache
def support_languages(root: str = str(BANK_ROOT)) -> Mapping[str, SupportLanguage]:
    """The bundled bank's languages (support and target), loaded once per process."""
    return MappingProxyType(read_support(root))


def learner_languages(root: str = str(BANK_ROOT)) -> tuple[str, ...]:
    """The codes a learner may choose as their support language."""
    return tuple(code for code, language in support_languages(root).items() if language.support)


# ---------------------------------------------------------------- items as a learner reads them

class LocalTextDict(TypedDict):
    """:meth:`SupportText.to_dict`: stored in answers' and sessions' results, sent as it is."""

    text: str
    language: str
    direction: Direction


@dataclass(frozen=True)
class SupportText:
    """A text in a language the learner reads, with its direction (clients render ``rtl`` right to left)."""

    text: str
    language: str
    direction: Direction

    def to_dict(self) -> LocalTextDict:
        return {"text": self.text, "language": self.language, "direction": self.direction}


def _text(text: str, code: str, languages: Mapping[str, SupportLanguage]) -> SupportText:
    known = languages.get(code)
    return SupportText(text, code, known.direction if known else script_direction(text))


#: Support languages whose readers are not given a language's gloss items, by the language
#: learnt: Italian shares so much Latin vocabulary with English and French that reviews 16-23
#: found their readers answering its gloss items by look-alikes (*paziente*, *salato*,
#: *misurare*; French *aspirateur*, *léger*), also through the Italian definition; no spelling
#: rule told those words apart. They get the words' clozes.
NO_GLOSS_ITEMS_FOR = MappingProxyType({"it": frozenset({"en", "fr"})})


def spelt_like_english(word: str | None) -> bool:
    """``word`` is also a frequent English word (wordfreq Zipf >= 3: *hammer*, *truck*,
    *hygiene*; *male*, "paint"): its gloss item either gives itself away to an English reader
    or misleads them (review 23, nb). Not a rule for English itself: there the gloss is the
    English definition and every word is an English one (review 24)."""
    return bool(word) and nlp.zipf("en", word) >= nlp.REAL_WORD_ZIPF


def gloss_code(item: Item, support: str | None) -> str | None:
    """Which gloss a gloss item shows a learner: their support language's, else the definition
    in the target language; None when it has neither, when the learner has no support
    language (gloss items are for learners who read another language: the item is not for
    this learner), or when the learner reads a language :data:`NO_GLOSS_ITEMS_FOR` names for
    the language learnt or the entry's ``look_alike_for``, or reads English and the word of
    another language is spelt like an English one."""
    if not item.is_gloss or item.support is None or support is None:
        return None
    if support in item.withheld_for or support in NO_GLOSS_ITEMS_FOR.get(item.language, ()) or (
            support == "en" != item.language and spelt_like_english(item.lemma)):
        return None
    for code in (support, item.language):
        if code in item.support.glosses:
            return code
    return None


def servable(item: Item, support: str | None) -> bool:
    """Whether the item can be served to a learner with this support language (None: none):
    a gloss item only with a gloss they read and a word that does not look like one of
    theirs (:func:`gloss_code`); every other item to everyone."""
    return not item.is_gloss or gloss_code(item, support) is not None


def localised(item: Item, support: str | None) -> Item:
    """The item as a learner with this support language reads it: a gloss item's question and
    feedback show the gloss in their language (or the target language's definition)."""
    code = gloss_code(item, support)
    if code is None or item.support is None:
        return item
    from content.generate import GLOSS_FEEDBACK, gloss_prompt

    gloss = item.support.glosses[code]
    return item.model_copy(update={"prompt": gloss_prompt(item.language, code, gloss),
                                   "feedback": GLOSS_FEEDBACK.format(lemma=item.lemma, gloss=gloss)})


def hint(item: Item, support: str | None,
         languages: Mapping[str, SupportLanguage] | None = None) -> SupportText | None:
    """A typed gap's hint: the gloss in the learner's support language, else the definition in
    the target language; never English unless the learner chose it (or learns English)."""
    if item.support is None or item.support.kind != "hint":
        return None
    languages = support_languages() if languages is None else languages
    for code in (support, item.language):
        if code is not None and code in item.support.glosses:
            return _text(item.support.glosses[code], code, languages)
    return None


def instructions(item: Item, support: str | None,
                 languages: Mapping[str, SupportLanguage] | None = None) -> SupportText | None:
    """The item's instructions in the learner's support language (None: none, or not translated)."""
    languages = support_languages() if languages is None else languages
    if support is None or support == item.language or support not in languages:
        return None
    translated = languages[support].instruction(item.language, item.instructions)
    return _text(translated, support, languages) if translated else None


def level_description(level: str, code: str | None,
                      languages: Mapping[str, SupportLanguage] | None = None) -> SupportText | None:
    """What a CEFR level means, in language ``code`` (None if it has no description)."""
    languages = support_languages() if languages is None else languages
    if code is None or code not in languages or level not in languages[code].levels:
        return None
    return _text(languages[code].levels[level], code, languages)


def level_descriptions(level: str, target: str, support: str | None,
                       languages: Mapping[str, SupportLanguage] | None = None) -> list[SupportText]:
    """What a level means, in the target language and (when it differs) the learner's support language."""
    found = [level_description(level, code, languages) for code in dict.fromkeys([target, support])]
    return [text for text in found if text is not None]
