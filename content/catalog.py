"""The one home of what the whole project enumerates: target languages, trades, themes,
skills, item types, CEFR levels, and where the bundled bank lives.

``content``, ``calibration`` commands and ``api`` import these names; nobody
spells the lists again. Adding a target language starts here (and with its
cut scores in :mod:`engine.cefr` and its lemma tables in :mod:`content.nlp`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from engine.cefr import LEVELS as ENGINE_LEVELS

Language = Literal["nb", "en", "tr", "it"]
Track = Literal["b1", "trade"]
Trade = Literal["care", "childcare", "construction", "kitchen", "cleaning", "logistics"]
Theme = Literal["work", "health", "housing", "public_services", "education",
                "shopping_transport", "family_everyday"]
Skill = Literal["vocabulary", "grammar", "reading", "functional"]
Level = Literal["A1", "A2", "B1", "B2"]

LANGUAGES: tuple[str, ...] = get_args(Language)
TRADES: tuple[str, ...] = get_args(Trade)
THEMES: tuple[str, ...] = get_args(Theme)
SKILLS: tuple[str, ...] = get_args(Skill)
LEVELS: tuple[str, ...] = get_args(Level)

#: The bundled content bank.
BANK_ROOT = Path(__file__).resolve().parent / "bank"

if LEVELS != tuple(ENGINE_LEVELS):  # the schema's levels are the engine's
    raise ImportError(f"content levels {LEVELS} differ from the engine's {tuple(ENGINE_LEVELS)}")
