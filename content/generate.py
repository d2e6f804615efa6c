"""Items generated from a trade vocabulary set.

From every entry (lemma, part of speech, English gloss, example sentences):

- for each example sentence ``n`` (from 1) in which the lemma is found
  (:func:`content.nlp.locate_form`: the inflected form, by lemma):
  a typed cloze ``<lang>-<trade>-<lemma>-cloze-<n>`` (the blank is the form
  as written in the sentence; the lemma gives partial credit for another form
  of it) and a cloze with options ``...-choice-<n>``;
- a gloss-to-word multiple choice ``...-gloss`` ("how do you say «helmet»?").

Distractors come from the same set: entries with the same part of speech
whose Zipf frequency is closest to the answer's (a rare word among common
ones would give itself away), never the answer itself, never a word with the
same gloss (a synonym would be a second right answer), never a repeated text.
Only when the part of speech has too few other entries are the nearest
entries of other parts of speech used. In a cloze with options each
distractor is shown in the form its own first example uses, so the options
look alike.

Ids depend only on language, trade, lemma, kind and example number, so they
are the same on every run; an entry whose lemma appears twice in a set (as
noun and verb) gets its part of speech in the id.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence

from content import nlp
from content.prior import word_zipf, with_prior
from content.schema import GAP_TEXT, Item, Option, VocabularyEntry, VocabularySet

#: Options of a generated choice item: the answer and up to this many distractors.
DISTRACTORS = 3
#: Fewer distractors than this and no choice item is generated.
MIN_DISTRACTORS = 2
OPTION_IDS = ("a", "b", "c", "d", "e")
#: Instructions and prompts in the learner's target language.
TYPED_INSTRUCTIONS = {
    "nb": "Skriv ordet som mangler (engelsk: {gloss}).",
    "en": "Write the missing word (meaning: {gloss}).",
    "tr": "Eksik kelimeyi yazın (İngilizcesi: {gloss}).",
    "it": "Scrivi la parola che manca (in inglese: {gloss}).",
}
CHOICE_INSTRUCTIONS = {
    "nb": "Velg ordet som mangler.",
    "en": "Choose the missing word.",
    "tr": "Eksik kelimeyi seçin.",
    "it": "Scegli la parola che manca.",
}
GLOSS_INSTRUCTIONS = {
    "nb": "Velg riktig ord.",
    "en": "Choose the right word.",
    "tr": "Doğru kelimeyi seçin.",
    "it": "Scegli la parola giusta.",
}
GLOSS_PROMPT = {
    "nb": "Hva heter «{gloss}» på norsk?",
    "en": "Which word means “{gloss}”?",
    "tr": "«{gloss}» Türkçede nasıl söylenir?",
    "it": "Come si dice «{gloss}» in italiano?",
}
_NOT_ID = re.compile(r"[^\w]+")


def slug(language: str, lemma: str) -> str:
    """A lemma as an id part: case folded, anything but letters and digits as ``-``."""
    return _NOT_ID.sub("-", nlp.casefold(language, lemma)).strip("-_") or "x"


def vocab_key(vocabulary_set: VocabularySet, entry: VocabularyEntry) -> str:
    """``<language>:<trade>:<lemma>``: the entry's key for spaced review."""
    return f"{vocabulary_set.language}:{vocabulary_set.trade}:{entry.lemma}"


def entry_ids(vocabulary_set: VocabularySet) -> list[str]:
    """The id stem of each entry, ``<lang>-<trade>-<lemma>`` (+ ``-<pos>`` if the lemma repeats)."""
    language = vocabulary_set.language
    slugs = [slug(language, e.lemma) for e in vocabulary_set.entries]
    counts = Counter(slugs)
    return [f"{language}-{vocabulary_set.trade}-{s}" + (f"-{e.pos.lower()}" if counts[s] > 1 else "")
            for s, e in zip(slugs, vocabulary_set.entries)]


def _frequency(language: str, word: str) -> float:
    return word_zipf(language, word) or 0.0


def distractors(vocabulary_set: VocabularySet, index: int, texts: Sequence[str],
                count: int = DISTRACTORS) -> list[str]:
    """Distractor texts for entry ``index``; ``texts[i]`` is how entry ``i`` would be shown.

    Same part of speech first, nearest Zipf frequency first (ties by text), never
    the answer's text or gloss, no text twice.
    """
    language = vocabulary_set.language
    entries = vocabulary_set.entries
    entry = entries[index]
    answer_key = nlp.casefold(language, texts[index])
    target = _frequency(language, entry.lemma)
    taken = {answer_key}

    def eligible(i: int) -> bool:
        other = entries[i]
        return (i != index and nlp.casefold(language, other.lemma) != nlp.casefold(language, entry.lemma)
                and other.gloss.casefold() != entry.gloss.casefold())

    def nearest(candidates: list[int]) -> list[int]:
        return sorted(candidates, key=lambda i: (abs(_frequency(language, entries[i].lemma) - target),
                                                 texts[i]))

    same = [i for i in range(len(entries)) if eligible(i) and entries[i].pos == entry.pos]
    other = [i for i in range(len(entries)) if eligible(i) and entries[i].pos != entry.pos]
    chosen: list[str] = []
    for pool in (nearest(same), nearest(other)):
        for i in pool:
            key = nlp.casefold(language, texts[i])
            if len(chosen) < count and key not in taken:
                chosen.append(texts[i])
                taken.add(key)
        if len(chosen) >= MIN_DISTRACTORS:
            break
    return chosen


def _options(item_id: str, answer: str, wrong: Sequence[str]) -> tuple[tuple[Option, ...], str]:
    """The options and the key's id, the key at a position fixed by the item id.

    The position is spread evenly over the bank (a CRC of the id), so neither the
    bank's files nor an export say "the key is ``a``" (the service also serves
    options under ids of its own; see ``api.services.public_ids``).
    """
    texts = list(wrong)
    position = zlib.crc32(item_id.encode("utf-8")) % (len(texts) + 1)
    texts.insert(position, answer)
    return (tuple(Option(id=OPTION_IDS[i], text=text) for i, text in enumerate(texts)),
            OPTION_IDS[position])


def _starts_sentence(sentence: str, start: int) -> bool:
    """Nothing but opening quotes and spaces before ``start``."""
    return not sentence[:start].strip(" \"'«“‘¿¡-–")


def _shown_forms(vocabulary_set: VocabularySet) -> list[str]:
    """Each entry as a cloze option: the form its first example uses (else the lemma)."""
    language = vocabulary_set.language
    return [nlp.find_form(language, e.sentences[0], e.lemma) or e.lemma for e in vocabulary_set.entries]


def generate_items(vocabulary_set: VocabularySet) -> list[Item]:
    """Every item generated from a vocabulary set, with prior parameters (see the module doc)."""
    language, trade = vocabulary_set.language, vocabulary_set.trade
    lemmas = [e.lemma for e in vocabulary_set.entries]
    shown = _shown_forms(vocabulary_set)
    items: list[Item] = []
    for index, (entry, stem) in enumerate(zip(vocabulary_set.entries, entry_ids(vocabulary_set))):
        common = {"language": language, "track": "trade", "trade": trade, "skill": "vocabulary",
                  "cefr": entry.cefr, "vocab_key": vocab_key(vocabulary_set, entry)}
        cloze_wrong = distractors(vocabulary_set, index, shown)
        for number, sentence in enumerate(entry.sentences, start=1):
            span = nlp.locate_form(language, sentence, entry.lemma)
            if span is None:
                continue  # reported by the checker: the lemma is not in the sentence
            form = sentence[span[0]:span[1]]
            prompt = sentence[:span[0]] + GAP_TEXT + sentence[span[1]:]
            items.append(Item(id=f"{stem}-cloze-{number}", type="cloze_typed", prompt=prompt,
                              instructions=TYPED_INSTRUCTIONS[language].format(gloss=entry.gloss),
                              answers=(form,), lemma=entry.lemma, feedback=sentence, **common))
            wrong = [w for w in cloze_wrong if nlp.casefold(language, w) != nlp.casefold(language, form)]
            if len(wrong) >= MIN_DISTRACTORS:
                texts = [form, *wrong]
                if _starts_sentence(sentence, span[0]):  # all capitalised: case gives nothing away
                    texts = [nlp.capitalise(language, text) for text in texts]
                item_id = f"{stem}-choice-{number}"
                options, key = _options(item_id, texts[0], texts[1:])
                items.append(Item(id=item_id, type="cloze_choice", prompt=prompt,
                                  instructions=CHOICE_INSTRUCTIONS[language],
                                  options=options, answers=(key,),
                                  lemma=entry.lemma, feedback=sentence, **common))
        gloss_wrong = distractors(vocabulary_set, index, lemmas)
        if len(gloss_wrong) >= MIN_DISTRACTORS:
            options, key = _options(f"{stem}-gloss", entry.lemma, gloss_wrong)
            items.append(Item(id=f"{stem}-gloss", type="multiple_choice",
                              prompt=GLOSS_PROMPT[language].format(gloss=entry.gloss),
                              instructions=GLOSS_INSTRUCTIONS[language],
                              options=options, answers=(key,),
                              lemma=entry.lemma, feedback=f"{entry.lemma}: {entry.gloss}", **common))
    return [with_prior(item) for item in items]
