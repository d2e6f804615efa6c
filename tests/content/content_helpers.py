"""Helpers of the content tests (imported by name: pytest puts tests/content on sys.path):
small bank files and a writer for them."""
from __future__ import annotations

import textwrap
from pathlib import Path


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_B1 = """
language: nb
track: b1
theme: work
items:
  - id: nb-work-001
    skill: vocabulary
    type: cloze_choice
    cefr: A1
    prompt: "Ahmed og jeg jobber i samme butikk. Han er ___ min."
    options:
      - {id: a, text: kollegaen}
      - {id: b, text: legen}
      - {id: c, text: naboen}
    answers: [a]
  - id: nb-work-002
    skill: vocabulary
    type: cloze_typed
    cefr: A2
    prompt: "Jeg begynner på jobb klokka sju om ___."
    answers: [morgenen]
    lemma: morgen
  - id: nb-work-003
    skill: reading
    type: reading
    cefr: A2
    passage: |
      Hei! Fredag er kontoret stengt. Vi åpner igjen mandag klokka åtte.
    questions:
      - prompt: Når er kontoret stengt?
        options:
          - {id: a, text: På fredag}
          - {id: b, text: På mandag}
        answers: [a]
      - prompt: Når åpner kontoret igjen?
        options:
          - {id: a, text: På fredag}
          - {id: b, text: På mandag}
        answers: [b]
"""

GOOD_SET = """
language: nb
track: trade
trade: construction
title: På byggeplassen
entries:
  - lemma: hjelm
    pos: NOUN
    gloss: helmet
    cefr: A2
    examples:
      - Du må alltid bruke hjelm på byggeplassen.
      - Hjelmen ligger i bilen.
  - lemma: hammer
    pos: NOUN
    gloss: hammer
    cefr: A1
    examples:
      - Kan du gi meg hammeren?
  - lemma: stige
    pos: NOUN
    gloss: ladder
    cefr: A2
    examples:
      - Stigen står ved veggen.
  - lemma: sag
    pos: NOUN
    gloss: saw
    cefr: A2
    examples:
      - Sagen ligger i bilen.
  - lemma: bore
    pos: VERB
    gloss: to drill
    cefr: B1
    examples:
      - Vi må bore et hull i veggen.
"""
