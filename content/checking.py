"""Scoring a learner's answer to an item.

- Choice and reading items: the answer is an option id; right if accepted.
- Word order: the answer is a list of token ids; right if it uses every
  token once and reads like one of the accepted orders.
- Typed cloze: the text is normalised (:func:`content.nlp.normalise_answer`:
  Unicode NFC, apostrophes and quotes, whitespace, surrounding spaces, a final
  full stop or other final punctuation, case folded with Turkish rules for
  ``tr``: ``" upset. "`` is ``upset``) and compared with every accepted
  alternative. Partial credit, 1 of 2, for

  * the right word typed without the language's letters (*lonn* for *lønn*,
    *calisiyorum* for *çalışıyorum*, *perche'* for *perché*: a learner on a
    foreign keyboard knows the word); the feedback shows the right spelling;
  * the right lemma in the wrong form (*hjelmen* for *hjelm*), when the item
    names its lemma and does not test the form itself (grammar items do: the
    wrong form is exactly the error they look for, so it scores 0), or
  * one typing error (one insertion, deletion or substitution, Levenshtein
    distance 1) in a word of at least :data:`TYPO_MIN_LETTERS` letters;

  but never for a different real word of the language: a "typo" that spells
  another word (*bøk* for *bok*) shows the learner does not know the word,
  so it scores 0. Short words get no typo credit at all: one letter changes
  too much of them.

``correct`` means full marks. For a typed cloze ``expected`` is the accepted
text the answer is measured against: the one it matches, the right spelling of
one it misspells (the feedback then starts with that spelling), else the first.
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
#: Items of this skill test the form itself: no partial credit for another form of the lemma.
FORM_SKILL = "grammar"
#: The line shown before an item's feedback when the spelling earned partial credit.
SPELLING_FEEDBACK = {
    "nb": "Riktig skrivemåte: {expected}.",
    "en": "Correct spelling: {expected}.",
    "tr": "Doğru yazılışı: {expected}.",
    "it": "Si scrive: {expected}.",
}


@dataclass(frozen=True)
class AnswerCheck:
    """The outcome of one answer: ``correct`` is full marks; ``expected`` the text to show."""

    score: int
    max_score: int
    correct: bool
    feedback: str | None
    expected: str | None = None


@dataclass(frozen=True)
class TypedScore:
    """A typed answer's score, the accepted text it is measured against, and whether its spelling
    earned partial credit (the feedback then shows the accepted spelling)."""

    score: int
    expected: str | None = None
    spelling: bool = False


def _result(item: Item, score: int, expected: str | None = None, spelling: bool = False) -> AnswerCheck:
    feedback = item.feedback
    if spelling and expected:
        line = SPELLING_FEEDBACK.get(item.language, SPELLING_FEEDBACK["en"]).format(expected=expected)
        feedback = f"{line} {feedback}" if feedback else line
    return AnswerCheck(score=score, max_score=item.max_score, correct=score == item.max_score,
                       feedback=feedback, expected=expected)


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


def lemma_credit(item: Item) -> str | None:
    """The lemma whose other forms earn partial credit: none on items that test the form."""
    return None if item.skill == FORM_SKILL else item.lemma


def typed_result(item: Item, answer: str) -> TypedScore:
    """Score a typed answer (see the module docstring)."""
    language = item.language
    typed = nlp.normalise_answer(language, answer)
    written = [text for text in item.answers if isinstance(text, str)]
    first = written[0] if written else None
    if not typed:
        return TypedScore(0, first)
    accepted = [(nlp.normalise_answer(language, text), text) for text in written]
    for key, text in accepted:
        if typed == key:
            return TypedScore(item.max_score, text)
    for key, text in accepted:
        if nlp.without_marks_matches(language, typed, key):
            return TypedScore(PARTIAL_SCORE, text, spelling=True)
    if is_other_form(language, typed, lemma_credit(item)):
        return TypedScore(PARTIAL_SCORE, first)
    for key, text in accepted:
        if is_typo(language, typed, key):
            return TypedScore(PARTIAL_SCORE, text, spelling=True)
    return TypedScore(0, first)


def typed_score(item: Item, answer: str) -> int:
    return typed_result(item, answer).score


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
    scored = typed_result(item, answer)
    return _result(item, scored.score, scored.expected, scored.spelling)
