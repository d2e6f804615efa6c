"""Items that give each other away: what one item shows that another asks for.

A test that first shows *tømmer* as a wrong option of one exercise and then
asks for *tømmer* in a typed gap has told the learner the answer; so has a
reading passage that contains the key of a later cloze. The content reviews
found such pairs all over the bank (in Norwegian, 150 of the 190 typed trade
clozes have an accepted answer that another item of the same trade shows).
Twins from one sentence share a ``family`` and items of one vocabulary entry a
``vocab_key``, which the service already keeps apart; this module covers every
other pair, by words:

- :func:`asked_terms`: what an item asks the learner to produce or recognise
  as the gap's word: a typed cloze's accepted answers and its lemma, a vocabulary choice
  cloze's key (a grammar gap's key, typed or chosen, is a form like *since* or
  *har vært*, which any text shows without telling which form this gap needs);
- :func:`shown_terms`: every run of one to :data:`MAX_TERM_WORDS` words the
  learner sees in an item (instructions, prompt, passage, options, feedback,
  the target-language hint);
- an item is given away once a term it asks for is among the terms shown so
  far in the test (:func:`gives_away`);
- gloss items ("which word means …?") apart: their options are words of one
  set, so two of them often share options, and each one's feedback tells what
  its key means. A gloss item is given away once a served gloss item has defined
  one of its options (:func:`defined_terms`, :func:`offered_terms`): the learner
  rules that option out without knowing the word asked (review 27: 105 of 188
  Norwegian gloss items share all four options with another). A gloss item's key
  is not an asked term: the set's clozes and options show every word of the set.

Words are compared case-folded with the language's rules
(:func:`content.nlp.casefold`: Turkish dotted and dotless i), on a plain
word pattern rather than a full tokenizer: the service computes these for
every item of a language when it loads its pools.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from content import nlp
from content.schema import GAP, Item, word_shape
from content.scoring import FORM_SKILL

#: A word: letters or digits, with inner apostrophes or hyphens (Turkish *Kızılay'a*, *e-post*).
WORD = re.compile(r"\w+(?:['’\-]\w+)*")
#: The longest accepted answer compared, in words (longer ones are sentences, never shown elsewhere).
MAX_TERM_WORDS = 3
#: Shorter terms are function words or abbreviations that say nothing about another answer.
MIN_TERM_LETTERS = 3


def words(language: str, text: str) -> list[str]:
    """The words of ``text``, case-folded with the language's rules."""
    return [nlp.casefold(language, w) for w in WORD.findall(text.replace("’", "'"))]


def _term(language: str, text: str) -> str | None:
    found = words(language, text)
    if not 1 <= len(found) <= MAX_TERM_WORDS or sum(len(w) for w in found) < MIN_TERM_LETTERS:
        return None
    return " ".join(found)


def _terms(language: str, texts: Iterable[str]) -> frozenset[str]:
    terms = (_term(language, text) for text in texts)
    return frozenset(t for t in terms if t is not None)


def fits_shape(item: Item, answer: str) -> bool:
    """``answer`` fits the shape ``item``'s gap shows (any answer fits a gap without one)."""
    shape = item.shape
    return shape is None or nlp.casefold(item.language, word_shape(answer, item.shape_letters)) == nlp.casefold(
        item.language, shape)


def asked_terms(item: Item) -> frozenset[str]:
    """What ``item`` asks for: a typed cloze's accepted answers, a vocabulary choice cloze's key."""
    if item.skill == FORM_SKILL:
        # A grammar gap asks for a form of a word it names (*essere*, *have*): every text shows
        # some form of it without telling which this gap needs (review 29: it-health-029 was
        # held back by the first item that showed *è*).
        return frozenset()
    if item.type == "cloze_typed":
        # Its dictionary form too: a test that showed *oppskrift* has given *oppskriftene* away.
        # A gap that shows its key's shape asks only for the answers of that shape: having seen
        # *rampe* says nothing of what fills ``p___``.
        texts = [a for a in item.answers if isinstance(a, str) and fits_shape(item, a)]
        texts += [item.lemma] if item.lemma else []
    elif item.type == "cloze_choice" and item.skill == "vocabulary":
        texts = [o.text for o in item.options if o.id in item.answers]
    else:
        return frozenset()
    return _terms(item.language, texts)


def _shown_texts(item: Item) -> Iterable[str]:
    yield item.instructions or ""
    yield GAP.sub(" ", item.prompt or "")
    yield item.passage or ""
    yield item.feedback or ""  # drills show it after the answer: later items see it
    if item.type != "word_order":  # a word order's tokens are its own answer, shown anyway
        yield from (o.text for o in item.options)
    else:
        yield " ".join(o.text for o in item.options)
    if item.support is not None and item.language in item.support.glosses:
        yield item.support.glosses[item.language]  # the definition, in the target language


def shown_terms(item: Item) -> frozenset[str]:
    """Every run of 1 to :data:`MAX_TERM_WORDS` consecutive words ``item`` shows, per text, and
    the dictionary forms of its words: having read *parcels*, a learner knows *parcel*, the
    lemma a typed gap asks for with its answers (:func:`asked_terms`)."""
    out: set[str] = set()
    for text in _shown_texts(item):
        found = words(item.language, text)
        for size in range(1, MAX_TERM_WORDS + 1):
            out.update(" ".join(found[i:i + size]) for i in range(len(found) - size + 1))
        for word in found:
            out.update(nlp.listed_lemmas(item.language, word))
    return frozenset(out)


def gives_away(asked: frozenset[str], shown: Iterable[frozenset[str]]) -> bool:
    """Whether any term in ``asked`` is among the ``shown`` terms of the items so far."""
    return bool(asked) and any(not asked.isdisjoint(terms) for terms in shown)


def defined_terms(item: Item) -> frozenset[str]:
    """The word a gloss item's feedback defines (its key); nothing for any other item."""
    if not item.is_gloss:
        return frozenset()
    return _terms(item.language, (o.text for o in item.options if o.id in item.answers))


def offered_terms(item: Item) -> frozenset[str]:
    """A gloss item's options, any of which an earlier gloss item may have defined."""
    if not item.is_gloss:
        return frozenset()
    return _terms(item.language, (o.text for o in item.options))
