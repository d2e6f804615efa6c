"""Scoring a learner's answer to an item.

- Choice and reading items: the answer is an option id; right if accepted.
- Word order: the answer is a list of token ids; right if it uses every
  token once and reads like one of the accepted orders.
- Typed cloze: a gap that shows its answer's first letters (``Item.shape``)
  takes the answer with or without them; the text is normalised (:func:`content.nlp.normalise_answer`:
  Unicode NFC, apostrophes and quotes, whitespace, surrounding spaces, a final
  full stop or other final punctuation, case folded with Turkish rules for
  ``tr``: ``" upset. "`` is ``upset``) and compared with every accepted
  alternative. Partial credit, 1 of 2, for

  * the right word typed without the language's letters (*lonn* for *lønn*,
    *calisiyorum* for *çalışıyorum*, *perche'* for *perché*: a learner on a
    foreign keyboard knows the word), unless that spells another word
    (:func:`is_other_word`: *male* for *måle*); the feedback shows the right spelling;
  * a compound typed apart or with a hyphen (*wheel chair*, *wheel-chair* for
    *wheelchair*; *hår nett* for *hårnett*), or words typed together that the
    accepted text writes apart (*imorgen* for *i morgen*, *icecream*); the
    feedback shows the spelling. Half in every language, English too: the
    scorer cannot tell which compounds have a second standard spelling
    (*e-mail* and *email*), so authors list those in ``answers`` (full marks);
  * the right lemma in the wrong form (*hjelmen* for *hjelm*), when the item
    names its lemma and does not test the form itself (grammar items do: the
    wrong form is exactly the error they look for, so it scores 0). A form the
    lemma tables lack counts when it is the lemma with a regular ending of the
    language (:func:`content.morph.is_regular_form`: *leken*, *lekene* for *lek*,
    *refleksvesten*, Turkish *etkinliğimiz*; not *lekk*), or
  * one typing error (one insertion, deletion, substitution or swap of two
    neighbouring letters: optimal string alignment distance 1, so *daugther*
    for *daughter*) in a word of at least :data:`TYPO_MIN_LETTERS` letters;

  but never for a different real word of the language: a "typo" that spells
  another word a learner may have meant (*latter* for *ladder*; listed by the
  lemma tables and reasonably frequent, :func:`content.nlp.is_real_word`) or
  another form of the same word in another slot (*hjelmer* for *hjelmen* on a
  grammar item) shows the learner does not know the word, so it scores 0.
  Misspellings that wordfreq happens to list (*independant*) and Nynorsk forms
  (*frosen*) are not such words. Short words get no typo credit at all: one
  letter changes too much of them (*bøk* for *bok*: 0).

``correct`` means full marks. For a typed cloze ``expected`` is the accepted
text the answer is measured against: the one it matches, the right spelling of
one it misspells (the feedback then starts with that spelling), else the first.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA

from content import morph, nlp
from content.schema import CHOICE_TYPES, Item

#: A typo earns partial credit only in words at least this long.
TYPO_MIN_LETTERS = 5
#: At most this many edits count as a typo (optimal string alignment: a swap of two
#: neighbouring letters is one edit).
TYPO_MAX_EDITS = 1
#: What may stand between the parts of a compound typed apart: a space or a hyphen.
COMPOUND_SEPARATORS = (" ", "-", "\u2010", "\u2011")
PARTIAL_SCORE = 1
#: Items of this skill test the form itself: no partial credit for another form of the lemma,
#: and no word shown elsewhere gives them away (:mod:`content.exposure`).
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


def is_typo(language: str, typed: str, accepted: str, lemma: str | None = None) -> bool:
    """One edit away from ``accepted`` in one word of >= 5 letters, and no other real word.

    Both texts are normalised already; they must have the same number of words
    and differ in exactly one of them. An edit is an insertion, deletion,
    substitution or swap of two neighbouring letters. The typed word must not be
    a real word a learner may have meant (:func:`content.nlp.is_real_word`), nor
    another form of the word it replaces (:func:`is_wrong_form`; ``lemma`` is the
    item's, looked at on grammar items too).
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
    if OSA.distance(word, target, score_cutoff=TYPO_MAX_EDITS) > TYPO_MAX_EDITS:
        return False
    if is_wrong_form(language, word, target, lemma):
        return False
    return not nlp.is_real_word(language, word)


def is_wrong_form(language: str, word: str, target: str, lemma: str | None = None) -> bool:
    """``word`` is another form of the word ``target`` is a form of: of the item's ``lemma`` or
    of a lemma the tables give both, and certainly in another slot (:func:`content.morph.slots`:
    *hjelmer*, a plural, for *hjelmen*, a definite singular). Then it is the error a grammar
    item looks for, not a slip. A misspelling the tables happen to list (*occured* under
    *occur*) fills the same slot as the right spelling, and stays a typo."""
    shared = set(nlp.listed_lemmas(language, word) & nlp.listed_lemmas(language, target))
    if lemma and is_other_form(language, word, lemma):
        shared.add(nlp.normalise(language, lemma))
    for common in sorted(shared):
        for pos in sorted(morph.lemma_parts(language, common) or morph.INFLECTED):
            wanted, found = morph.slots(language, pos, common, target), morph.slots(language, pos, common, word)
            if wanted and found and not wanted & found:
                return True
    return False


def is_word(language: str, typed: str) -> bool:
    """``typed`` is a word of the language: frequent (:func:`content.nlp.is_real_word`) or a
    form the lemma tables list (*congela*, from *congelare*)."""
    return nlp.is_real_word(language, typed) or bool(nlp.listed_lemmas(language, typed))


def is_other_word(language: str, typed: str, accepted: str) -> bool:
    """``typed``, the accepted word without some of its marks, spells another word the learner
    may have meant (*male*, to paint, for *måle*, to measure; *tommer* for *tømmer*): a real word
    whose lemmas the tables list and that shares none with the accepted word's. Where the tables
    know only one of them (*citta*, *perche*, *lonn*) it is the accepted word typed plainly."""
    # Frequent itself: a Turkish form's frequency is its lemma's, and the tables read *atesi*
    # (*ateşi* typed plainly) as a form of *ate* (review 21).
    if not nlp.is_real_word(language, typed) or nlp.zipf(language, typed) < nlp.REAL_WORD_ZIPF:
        return False
    mine, theirs = nlp.listed_lemmas(language, typed), nlp.listed_lemmas(language, accepted)
    return bool(mine) and bool(theirs) and not mine & theirs


def is_compound_spelling(typed: str, accepted: str) -> bool:
    """``typed`` is ``accepted`` with its words or a compound's parts written apart, together
    or hyphenated (*wheel chair*, *wheel-chair* for *wheelchair*; *imorgen* for *i morgen*;
    *email* for *e-mail*). Both texts are normalised."""
    joined = "".join(ch for ch in typed if ch not in COMPOUND_SEPARATORS)
    return typed != accepted and bool(joined) and joined == "".join(
        ch for ch in accepted if ch not in COMPOUND_SEPARATORS)


def is_other_form(language: str, typed: str, lemma: str | None) -> bool:
    """The typed (single) word is a form of the item's lemma: by the lemma tables, or spelt
    as the lemma with a regular ending of the language (:func:`content.morph.is_regular_form`)."""
    if not lemma or " " in typed:
        return False
    return nlp.is_form_of(language, typed, lemma, guess=False) or morph.is_regular_form(language, typed, lemma)


def lemma_credit(item: Item) -> str | None:
    """The lemma whose other forms earn partial credit: none on items that test the form."""
    return None if item.skill == FORM_SKILL else item.lemma


def completed(item: Item, typed: str) -> str | None:
    """A normalised typed answer with the letters the gap shows put back, where the learner
    may have typed only the rest of the word (*unnbind* in ``m_______``:
    :attr:`content.schema.Item.shape`); None where the answer already starts with them."""
    if not item.shape_letters or not typed:
        return None
    shown = nlp.normalise_answer(item.language, str(item.answers[0])[:item.shape_letters])
    return None if nlp.starts_with(item.language, typed, shown) else shown + typed


def typed_result(item: Item, answer: str) -> TypedScore:
    """Score a typed answer (see the module docstring): as typed and, where the gap shows the
    first letters and the answer lacks them, with them put back; the better of the two (an
    accepted synonym of another first letter, *rampe* in ``p___``, stays as typed)."""
    language = item.language
    typed = nlp.normalise_answer(language, answer)
    scored = _typed_result(item, typed)
    whole = completed(item, typed)
    # The rest of the key, exactly as long as the gap's blanks, is the key (*op* in ``Ch__``,
    # *raised* in ``p______``); otherwise only what is no word of its own may be a slip in the
    # rest: *even* in ``l____`` is that word, not *leven* for *level*.
    if whole is not None and scored.score < item.max_score:
        other = _typed_result(item, whole)
        rest = len(typed) == len(str(item.answers[0])) - item.shape_letters and other.score == item.max_score
        if other.score > scored.score and (rest or not is_word(language, typed)):
            return other
    return scored


def _typed_result(item: Item, typed: str) -> TypedScore:
    language = item.language
    written = [text for text in item.answers if isinstance(text, str)]
    first = written[0] if written else None
    if not typed:
        return TypedScore(0, first)
    accepted = [(nlp.normalise_answer(language, text), text) for text in written]
    for key, text in accepted:
        if typed == key:
            return TypedScore(item.max_score, text)
    for key, text in accepted:
        if nlp.without_marks_matches(language, typed, key) and not is_other_word(language, typed, key):
            return TypedScore(PARTIAL_SCORE, text, spelling=True)
    for key, text in accepted:
        if is_compound_spelling(typed, key):
            return TypedScore(PARTIAL_SCORE, text, spelling=True)
    if is_other_form(language, typed, lemma_credit(item)):
        return TypedScore(PARTIAL_SCORE, first)
    for key, text in accepted:
        if is_typo(language, typed, key, item.lemma):
            return TypedScore(PARTIAL_SCORE, text, spelling=True)
    return TypedScore(0, first)


def typed_score(item: Item, answer: str) -> int:
    return typed_result(item, answer).score


def _order(answer: Any) -> tuple[str, ...] | None:
    if isinstance(answer, Sequence) and not isinstance(answer, str) and all(
            isinstance(token, str) for token in answer):
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
