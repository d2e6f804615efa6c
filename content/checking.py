"""Scoring a learner's answer to an item.

- Choice and reading items: the answer is an option id; right if accepted.
- Word order: the answer is a list of token ids; right if it uses every
  token once and reads like one of the accepted orders.
- Typed cloze: the text is normalised (:func:`content.nlp.normalise`:
  Unicode NFC, apostrophes, whitespace, case folded with Turkish rules for
  ``tr``) and compared with every accepted alternative. Partial credit, 1 of
  2, for

  * the right lemma in the wrong form (*hjelmen* for *hjelm*), when the item
    names its lemma, or
  * one typing error (one insertion, deletion or substitution, Levenshtein
    distance 1) in a word of at least :data:`TYPO_MIN_LETTERS` letters;

  but never for a different real word of the language: a "typo" that spells
  another word (*bøk* for *bok*) shows the learner does not know the word,
  so it scores 0. Short words get no
  typo credit at all: one letter changes too much of them.

``correct`` means full marks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from content import nlp
from content.schema import CHOICE_TYPES, Item

#: A typo earns partial credit only in words at least this long.
TYPO_MIN_LETTERS = 5
#: At most this many edits count as a typo.
TYPO_MAX_EDITS = 1
PARTIAL_SCORE = 1


@dataclass(frozen=True)
class AnswerCheck:
    """The outcome of one answer: ``correct`` is full marks."""

    score: int
    max_score: int
    correct: bool
    feedback: str | None


def _result(item: Item, score: int) -> AnswerCheck:
    return AnswerCheck(score=score, max_score=item.max_score, correct=score == item.max_score,
                       feedback=item.feedback)


def is_typo(language: str, typed: str, accepted: str) -> bool:
    """One edit away from ``accepted`` in one word of >= 5 letters, and not itself a word.

    Both texts are normalised already; they must have the same number of words
    and differ in exactly one of them.
    """
    typed_words, accepted_words = typed.split(" "), accepted.split(" ")
    if len(typed_words) != len(accepted_words):
        return False
    differing = [(t, a) for t, a in zip(typed_words, accepted_words) if t != a]
    if len(differing) != 1:
        return False
    word, target = differing[0]
    if sum(ch.isalpha() for ch in target) < TYPO_MIN_LETTERS:
        return False
    if Levenshtein.distance(word, target, score_cutoff=TYPO_MAX_EDITS) > TYPO_MAX_EDITS:
        return False
    return not nlp.is_known_word(language, word)


def is_other_form(language: str, typed: str, lemma: str | None) -> bool:
    """The typed (single) word is a form of the item's lemma."""
    return bool(lemma) and " " not in typed and nlp.is_form_of(language, typed, lemma, guess=False)


def typed_score(item: Item, answer: str) -> int:
    language = item.language
    typed = nlp.normalise(language, answer)
    if not typed:
        return 0
    accepted = [nlp.normalise(language, text) for text in item.answers if isinstance(text, str)]
    if typed in accepted:
        return item.max_score
    if is_other_form(language, typed, item.lemma) or any(is_typo(language, typed, a) for a in accepted):
        return PARTIAL_SCORE
    return 0


def _order(answer: Any) -> tuple[str, ...] | None:
    if isinstance(answer, Sequence) and not isinstance(answer, str):
        if all(isinstance(token, str) for token in answer):
            return tuple(answer)
    return None


def is_accepted_order(item: Item, answer: Any) -> bool:
    """Every token once, in an order whose texts read as an accepted order.

    Compared by text, so two tokens that read the same (*she* ... *she*) may
    swap places.
    """
    order = _order(answer)
    texts = {option.id: option.text for option in item.options}
    if order is None or sorted(order) != sorted(texts):
        return False
    shown = [texts[token] for token in order]
    return any(shown == [texts[token] for token in accepted]
               for accepted in item.answers if not isinstance(accepted, str))


def check_answer(item: Item, answer: Any) -> AnswerCheck:
    """Score ``answer`` (an option id, a list of token ids or a typed text) for ``item``."""
    if item.type in CHOICE_TYPES:
        return _result(item, item.max_score if isinstance(answer, str) and answer in item.answers else 0)
    if item.type == "word_order":
        return _result(item, item.max_score if is_accepted_order(item, answer) else 0)
    if not isinstance(answer, str):
        return _result(item, 0)
    return _result(item, typed_score(item, answer))
