"""The words of the app's pages (buttons, headings, messages) in the learner's language.

One JSON file per language in ``api/i18n/<code>.json``, a flat map from a key to its text.
English is complete; any other file may lack keys, and each missing key falls back to
English on its own, so a half-translated language still shows a whole page. The pages'
languages are English and the support languages a learner may choose
(``content.support.learner_languages``); the direction (``rtl`` for Arabic and Dari) is the
language's own from the bank's support files.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from content import support as content_support

I18N_DIR = Path(__file__).resolve().parents[1] / "i18n"
#: The language of a page when the learner chose none (or one without an interface file).
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class LanguageChoice:
    """One entry of the pages' language picker: its code, its name in itself, its direction."""

    code: str
    name: str
    direction: content_support.Direction


@dataclass(frozen=True)
class Interface:
    """A page's language: its code and direction (``<html lang dir>``) and its texts."""

    language: str
    direction: content_support.Direction
    texts: Mapping[str, str]
    choices: tuple[LanguageChoice, ...]


def _read(code: str) -> dict[str, str]:
    path = I18N_DIR / f"{code}.json"
    if not path.is_file():
        return {}
    texts = json.loads(path.read_text(encoding="utf-8"))
    # An empty text is one not translated yet (English shows). Only ASCII blanks count as
    # empty: a no-break space is a text of its own (French thousands: number_group).
    return {key: value for key, value in texts.items() if isinstance(value, str) and value.strip(" \t\r\n")}


@cache
def choices() -> tuple[LanguageChoice, ...]:
    """The languages a page can be shown in: English and the support languages, by code."""
    known = content_support.support_languages()
    codes = sorted({DEFAULT_LANGUAGE, *content_support.learner_languages()})
    return tuple(LanguageChoice(code, known[code].name, known[code].direction) for code in codes if code in known)


@cache
def interface(code: str | None) -> Interface:
    """The page texts in ``code`` (English for anything not offered), each missing text in English."""
    offered = {choice.code: choice for choice in choices()}
    chosen = offered.get(code or "", offered[DEFAULT_LANGUAGE])
    texts = {**_read(DEFAULT_LANGUAGE), **_read(chosen.code)} if chosen.code != DEFAULT_LANGUAGE \
        else _read(DEFAULT_LANGUAGE)
    return Interface(chosen.code, chosen.direction, MappingProxyType(texts), choices())
