"""Items generated from a trade vocabulary set.

From every entry (lemma, part of speech, English gloss, example sentences):

- for each example sentence ``n`` (from 1) in which the lemma is found once
  (:func:`content.nlp.locate_form`: the inflected form, by lemma):

  * a typed cloze ``<lang>-<trade>-<lemma>-cloze-<n>``: the blank is the form
    as written in the sentence; it accepts that form and the example's
    ``accept`` texts, shows the example's ``cue`` after the gap, and gives
    partial credit for another form of the lemma;
  * a cloze with options ``...-choice-<n>``: the form and three (at least two)
    distractors, every one in the key's form and casing;

  the two share a ``family`` (``<stem>-<n>``): the service never serves both
  in one test;
- a gloss-to-word multiple choice ``...-gloss`` ("how do you say «helmet»?"),
  its own family; its wrong options are the entry's ``gloss_distractors`` as
  written, else the set's entries chosen as below.

A sentence that uses the lemma twice makes no cloze (the second use would give
the first away), nor does a typed gap whose accepted texts appear elsewhere in
the sentence; ``content check`` reports both.

**Distractors.** The author's ``distractors`` of an example are used exactly
as written (``content check`` verifies them: never an accepted text, the key's
casing, the key's form where it can tell). Without them the generator derives
them: other entries of the set with the same part of speech, nearest Zipf
frequency first (a rare word among common ones would give itself away), each
put in the key's form by :func:`content.morph.inflect` (reverse lemma lookup:
a spelling the language's tables confirm as that form, Turkish suffixes with
vowel harmony). An entry that cannot be put in the key's form with confidence
is passed over; with fewer than :data:`MIN_DISTRACTORS` left the example gets
no choice item. A distractor must not be right: never an entry with the same
gloss, a gloss sharing a content word (*a chemical that kills germs*), or an
entry either names as a near-synonym (``near_synonyms``).

**Typed gaps.** A plain example sentence gives its form as the one answer;
where a finite verb fills the gap (its person and tense are rarely fixed by
one sentence: *Accompagno / Accompagniamo il signor Luigi*) a plain sentence
makes no typed item, only an example with ``accept`` or a ``cue`` (or with
``distractors``: its author has looked at the gap) does. The gap shows the
form's shape, its first letter and a blank for every other letter
(:func:`content.schema.word_shape`): the hint in the learner's language invites
synonyms (*face mask*: *maske* for *munnbind*) and the sentence other forms
(*tartıyoruz* for *tartın*) that no list of accepted texts can foresee.

**Glosses and instructions.** No gloss item when the gloss contains the lemma
or is a cognate of it (the same word, or one edit away in a word of at least
five letters: *hammer*, *plank* for *planke*); nor does a typed item show a
gloss that contains one of its accepted texts, nor a definition in the language
learnt that uses another form of one (*temizlemek* where *temizledim* is
accepted: the learner could copy it). An instruction that would show
the answer gives way to another wording (Turkish *uygun* is "suitable":
«Boşluğa uygun kelimeyi yazın» becomes «Eksik kelimeyi yazın»).

Ids depend only on language, trade, lemma, kind and example number, so they
are the same on every run; an entry whose lemma appears twice in a set (as
noun and verb) gets its part of speech in the id.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from content import morph, nlp
from content.notes import Note
from content.prior import with_prior, word_zipf
from content.schema import GAP_TEXT, Example, Item, ItemSupport, Option, VocabularyEntry, VocabularySet

#: Options of a generated choice item: the answer and up to this many distractors.
DISTRACTORS = 3
#: Fewer distractors than this and no choice item is generated.
MIN_DISTRACTORS = 2
OPTION_IDS = ("a", "b", "c", "d", "e")
#: A gloss this close to its lemma is a cognate: the gloss item would test nothing.
COGNATE_MIN_LETTERS = 5
COGNATE_MAX_EDITS = 1
#: Words two glosses may share without meaning the same (``to wash`` and ``to dry``).
GLOSS_STOPWORDS = frozenset(
    "a an the to of or and for in on at by with from into up out off be is are it its your you "
    "that which who when where what how than as so not no very more less other some any someone "
    "somebody something things thing sb sth one ones used use make made get do does can kind type "
    "person people place piece part work".split())
#: Instructions in the target language, each with an alternative for when the first holds an
#: answer. Turkish says «Boşluğa uygun kelimeyi yazın» first: «Eksik kelimeyi yazın» showed
#: *eksik* ("missing") on every item, and the *eksik* clozes were never served (review 29).
TYPED_INSTRUCTIONS = {
    "nb": ("Skriv ordet som mangler", "Fyll inn riktig ord"),
    "en": ("Write the missing word", "Fill in the gap"),
    "tr": ("Boşluğa uygun kelimeyi yazın", "Eksik kelimeyi yazın"),
    "it": ("Scrivi la parola che manca", "Completa la frase"),
}
CHOICE_INSTRUCTIONS = {
    "nb": ("Velg ordet som mangler", "Velg riktig ord"),
    "en": ("Choose the missing word", "Choose the right word"),
    "tr": ("Boşluğa uygun kelimeyi seçin", "Eksik kelimeyi seçin"),
    "it": ("Scegli la parola che manca", "Scegli la parola giusta"),
}
GLOSS_INSTRUCTIONS = {
    "nb": "Velg riktig ord.",
    "en": "Choose the right word.",
    "tr": "Doğru kelimeyi seçin.",
    "it": "Scegli la parola giusta.",
}
#: A gloss item's question, the gloss in a language the learner reads.
GLOSS_PROMPT = {
    "nb": "Hva heter «{gloss}» på norsk?",
    "en": "What is “{gloss}” in English?",
    "tr": "«{gloss}» Türkçede nasıl söylenir?",
    "it": "Come si dice «{gloss}» in italiano?",
}
#: The same item with a definition in the target language itself (for every learner).
DEFINITION_PROMPT = {
    "nb": "Hvilket ord betyr «{gloss}»?",
    "en": "Which word means “{gloss}”?",
    "tr": "«{gloss}» anlamına gelen kelime hangisi?",
    "it": "Quale parola significa «{gloss}»?",
}
#: A gloss item's feedback: the word and its gloss (in the learner's support language when served).
GLOSS_FEEDBACK = "{lemma}: {gloss}"
#: A form cue follows the gap.
CUE_FORMAT = "{gap} ({cue})"
#: A cue that gives the answer's first letters (*l…*, *sup…*): the gap's shape shows them instead.
LETTERS_CUE = re.compile(r"^(\w+)(?:…|\.\.\.)$")
#: Letters a typed gap's shape shows when the author's cue names none.
SHAPE_LETTERS = 1
#: Verb slots a plain sentence rarely fixes (person, tense); Turkish: every form but the infinitive.
OPEN_VERB_SLOTS = {"nb": frozenset({"pres", "past"}), "en": frozenset({"3sg", "ed"}),
                   "it": None, "tr": None}
ITALIAN_NON_FINITE = ("inf", "ger", "pp.")
_NOT_ID = re.compile(r"[^\w]+")
_WORD = re.compile(r"[^\W\d_]+")


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


def family_id(stem: str, number: int) -> str:
    """The family of the typed and the choice cloze made from example ``number``."""
    return f"{stem}-{number}"


# ---------------------------------------------------------------- glosses

def gloss_words(gloss: str) -> list[str]:
    """The words of an English gloss, case folded."""
    return [w.casefold() for w in _WORD.findall(gloss)]


def gloss_alternatives(gloss: str) -> list[str]:
    """The gloss's alternatives (``fed up, sad``), without parentheses and a leading ``to``/article."""
    plain = re.sub(r"\([^)]*\)", " ", gloss)
    out = []
    for part in re.split(r"[,;/]", plain):
        words = gloss_words(part)
        while words and words[0] in ("to", "a", "an", "the"):
            words = words[1:]
        if words:
            out.append(" ".join(words))
    return out


def gloss_contains(language: str, gloss: str, text: str) -> bool:
    """The gloss holds ``text`` as a word or run of words (case folded)."""
    wanted = [nlp.casefold(language, w) for w in _WORD.findall(text)]
    words = [nlp.casefold(language, w) for w in _WORD.findall(gloss)]
    return bool(wanted) and any(words[i:i + len(wanted)] == wanted for i in range(len(words)))


def is_cognate(language: str, gloss: str, lemma: str) -> bool:
    """An alternative of the gloss is the lemma, or one edit away from it in a word of >= 5 letters."""
    word = nlp.casefold(language, lemma)
    for alternative in gloss_alternatives(gloss):
        alternative = nlp.casefold(language, alternative)
        if alternative == word:
            return True
        if (min(len(alternative), len(word)) >= COGNATE_MIN_LETTERS
                and Levenshtein.distance(alternative, word, score_cutoff=COGNATE_MAX_EDITS) <= COGNATE_MAX_EDITS):
            return True
    return False


def gloss_leaks(language: str, entry: VocabularyEntry) -> bool:
    """The gloss shows the lemma: it holds it, or is a cognate (no gloss item then)."""
    return gloss_contains(language, entry.gloss, entry.lemma) or is_cognate(language, entry.gloss, entry.lemma)


def glosses_overlap(first: str, second: str) -> bool:
    """Same gloss, or a content word in common: the two words may be right in the same place."""
    if first.casefold().strip() == second.casefold().strip():
        return True
    return bool({w for w in gloss_words(first) if w not in GLOSS_STOPWORDS}
                & {w for w in gloss_words(second) if w not in GLOSS_STOPWORDS})


def may_be_right(language: str, entry: VocabularyEntry, other: VocabularyEntry) -> bool:
    """``other`` might be right where ``entry`` is: the same lemma, a near-synonym, a like gloss."""
    lemma, other_lemma = nlp.casefold(language, entry.lemma), nlp.casefold(language, other.lemma)
    return (lemma == other_lemma
            or other_lemma in {nlp.casefold(language, w) for w in entry.near_synonyms}
            or lemma in {nlp.casefold(language, w) for w in other.near_synonyms}
            or glosses_overlap(entry.gloss, other.gloss))


# ---------------------------------------------------------------- distractors

def _frequency(language: str, word: str) -> float:
    return word_zipf(language, word) or 0.0


def _nearest(vocabulary_set: VocabularySet, index: int, same_pos: bool) -> list[int]:
    """Entries that may stand beside entry ``index``: nearest Zipf frequency first, ties by lemma."""
    language = vocabulary_set.language
    entries = vocabulary_set.entries
    entry = entries[index]
    target = _frequency(language, entry.lemma)
    eligible = [i for i, other in enumerate(entries)
                if i != index and (other.pos == entry.pos) == same_pos
                and not may_be_right(language, entry, other)]
    return sorted(eligible, key=lambda i: (abs(_frequency(language, entries[i].lemma) - target),
                                           entries[i].lemma))


def distractors(vocabulary_set: VocabularySet, index: int, texts: Sequence[str],
                count: int = DISTRACTORS) -> list[str]:
    """Distractor texts for entry ``index`` in a gloss item; ``texts[i]`` shows entry ``i``.

    Same part of speech first, nearest Zipf frequency first, never a word that
    may be right (:func:`may_be_right`), no text twice. Only when the part of
    speech has too few entries are the nearest of other parts of speech used.
    """
    language = vocabulary_set.language
    taken = {nlp.casefold(language, texts[index])}
    chosen: list[str] = []
    for same_pos in (True, False):
        for i in _nearest(vocabulary_set, index, same_pos):
            key = nlp.casefold(language, texts[i])
            if len(chosen) < count and key not in taken:
                chosen.append(texts[i])
                taken.add(key)
        if len(chosen) >= MIN_DISTRACTORS:
            break
    return chosen


def cased_like(language: str, text: str, key: str) -> str:
    """``text`` with the key's casing: capitalised if the key is."""
    return nlp.capitalise(language, text) if key[:1].isupper() else text


def word_before(language: str, sentence: str, start: int) -> str:
    """The word just before the gap (empty at the start), with its apostrophe if it is elided
    onto the gap (Italian *un'*, *l'*)."""
    text = sentence[:start]
    if text[-1:] in "'’":
        return text.split()[-1] if text.split() else ""
    before = [t for t in nlp.tokens(language, text) if t.is_word]
    return before[-1].text if before else ""


def derived_distractors(vocabulary_set: VocabularySet, index: int, sentence: str,
                        span: tuple[int, int], accepted: Sequence[str]) -> list[str]:
    """Other entries put in the key's form and casing (see the module doc), at most :data:`DISTRACTORS`."""
    language = vocabulary_set.language
    entry = vocabulary_set.entries[index]
    form = sentence[span[0]:span[1]]
    before = word_before(language, sentence, span[0])
    taken = {nlp.normalise_answer(language, text) for text in accepted}
    chosen: list[str] = []
    for i in _nearest(vocabulary_set, index, same_pos=True):
        spelt = morph.inflect(language, entry.pos, entry.lemma, form, vocabulary_set.entries[i].lemma)
        if spelt is None or nlp.normalise_answer(language, spelt) in taken:
            continue
        if morph.article_clash(language, entry.pos, before, spelt):
            continue
        chosen.append(cased_like(language, spelt, form))
        taken.add(nlp.normalise_answer(language, spelt))
        if len(chosen) == DISTRACTORS:
            break
    return chosen


def distractor_problems(vocabulary_set: VocabularySet, index: int, example: Example,
                        form: str, before: str) -> list[tuple[int | None, Note]]:
    """What is wrong with an example's own distractors: ``[(distractor index or None, note)]``.

    A distractor must not be accepted (the key or an ``accept`` text), must have
    the key's casing, must be in the key's form where that can be told
    (:func:`content.morph.disagree`), must fit the word before the gap, must not
    be a form of a near-synonym, and may not repeat.
    """
    language = vocabulary_set.language
    entry = vocabulary_set.entries[index]
    accepted = {nlp.normalise_answer(language, text) for text in (form, *example.accept)}
    lemmas = [e.lemma for e in vocabulary_set.entries]
    problems: list[tuple[int | None, Note]] = []
    seen: set[str] = set()
    for k, text in enumerate(example.distractors):
        key = nlp.normalise_answer(language, text)
        if key in accepted:
            problems.append((k, Note("distractor_accepted", {"text": text})))
        elif key in seen:
            problems.append((k, Note("distractor_twice", {"text": text})))
        elif text[:1].isupper() != form[:1].isupper():
            where = "start" if form[:1].isupper() else "inside"
            problems.append((k, Note(f"distractor_case_{where}", {"text": text, "key": form})))
        elif morph.disagree(language, entry.pos, entry.lemma, form, text, lemmas):
            problems.append((k, Note("distractor_form", {
                "text": text, "key": form, "slots": _slot_text(language, entry.pos, entry.lemma, form)})))
        elif morph.article_clash(language, entry.pos, before, text):
            problems.append((k, Note("distractor_article", {"text": text, "before": before, "key": form})))
        elif any(nlp.is_form_of(language, text, word, guess=False) for word in entry.near_synonyms):
            problems.append((k, Note("distractor_near_synonym", {"text": text, "lemma": entry.lemma})))
        seen.add(key)
    if len(example.distractors) == 1:
        problems.append((None, Note("distractor_one")))
    return problems


def _slot_text(language: str, pos: str, lemma: str, form: str) -> str:
    return "/".join(sorted(morph.slots(language, pos, lemma, form)))


# ---------------------------------------------------------------- examples

@dataclass(frozen=True)
class Gap:
    """One example sentence as the generator reads it.

    ``span`` is the blanked form (None: the lemma is not in the sentence);
    ``problem`` says why no cloze is made from it (the lemma twice); ``typed``
    and ``choice`` hold the typed item's accepted texts and the choice item's
    option texts (key first), or None with the reason in ``skipped``.
    """

    number: int
    example: Example
    span: tuple[int, int] | None
    problem: Note | None = None
    typed: tuple[str, ...] | None = None
    choice: tuple[str, ...] | None = None
    skipped: tuple[str, ...] = ()

    @property
    def form(self) -> str:
        return self.example.text[self.span[0]:self.span[1]] if self.span else ""

    @property
    def prompt(self) -> str:
        assert self.span is not None
        return self.example.text[:self.span[0]] + GAP_TEXT + self.example.text[self.span[1]:]


def occurs_outside(language: str, sentence: str, span: tuple[int, int], text: str) -> bool:
    """``text`` (one or more words) appears in ``sentence`` outside the gap at ``span``."""
    wanted = [nlp.normalise(language, w) for w in nlp.words(language, text)]
    if not wanted:
        return False
    words = [(t.start, nlp.normalise(language, t.text)) for t in nlp.tokens(language, sentence) if t.is_word]
    for i in range(len(words) - len(wanted) + 1):
        run = words[i:i + len(wanted)]
        if [w for _, w in run] == wanted and not any(span[0] <= start < span[1] for start, _ in run):
            return True
    return False


def form_is_open(language: str, entry: VocabularyEntry, form: str) -> bool:
    """A finite verb whose person and tense one plain sentence rarely fixes (see the module doc)."""
    if entry.pos not in ("VERB", "AUX"):
        return False
    if nlp.casefold(language, form) == nlp.casefold(language, entry.lemma):
        return False
    found = morph.slots(language, entry.pos, entry.lemma, form)
    if not found:
        return True
    if language == "it":
        return not all(tag.startswith(ITALIAN_NON_FINITE) for tag in found)
    slots = OPEN_VERB_SLOTS.get(language)
    return slots is None or bool(found & slots)


def _annotated(example: Example) -> bool:
    return bool(example.distractors or example.accept or example.cue)


def read_gap(vocabulary_set: VocabularySet, index: int, number: int, example: Example) -> Gap:
    """What example ``number`` of entry ``index`` yields (see :class:`Gap`)."""
    language = vocabulary_set.language
    entry = vocabulary_set.entries[index]
    sentence = example.text
    span = nlp.locate_form(language, sentence, entry.lemma)
    if span is None:
        return Gap(number, example, None, problem=Note("lemma_not_found", {"lemma": entry.lemma}))
    spans = nlp.form_spans(language, sentence, entry.lemma)
    if len(set(spans) | {span}) > 1:
        shown = tuple(sentence[a:b] for a, b in sorted(set(spans) | {span}))
        return Gap(number, example, span, problem=Note("lemma_twice", {"lemma": entry.lemma, "forms": shown}))
    form = sentence[span[0]:span[1]]
    accepted = tuple(dict.fromkeys([form, *example.accept]))
    skipped: list[str] = []
    typed: tuple[str, ...] | None = accepted
    leaking = [text for text in example.accept if occurs_outside(language, sentence, span, text)]
    if leaking:
        typed = None
        skipped.append(f"typed: the accepted '{leaking[0]}' appears elsewhere in the sentence")
    elif not _annotated(example) and form_is_open(language, entry, form):
        typed = None
        skipped.append(f"typed: the sentence may not fix the form '{form}' (give accept or a cue)")
    before = word_before(language, sentence, span[0])
    if example.distractors:
        problems = distractor_problems(vocabulary_set, index, example, form, before)
        wrong = problems[0][1].text if problems else None
        choice = None if wrong else (form, *example.distractors)
        if wrong:
            skipped.append(f"choice: {wrong}")
    else:
        derived = derived_distractors(vocabulary_set, index, sentence, span, accepted)
        choice = (form, *derived) if len(derived) >= MIN_DISTRACTORS else None
        if choice is None:
            skipped.append(f"choice: {len(derived)} other entries can be put in the form '{form}'")
    return Gap(number, example, span, typed=typed, choice=choice, skipped=tuple(skipped))


def read_gaps(vocabulary_set: VocabularySet, index: int) -> list[Gap]:
    """Every example of entry ``index`` read as a gap (numbered from 1)."""
    return [read_gap(vocabulary_set, index, number, example)
            for number, example in enumerate(vocabulary_set.entries[index].examples, start=1)]


# ---------------------------------------------------------------- items

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


def shows_any(language: str, text: str, answers: Sequence[str]) -> bool:
    """``text`` holds one of ``answers`` as a word or run of words."""
    return any(occurs_outside(language, text, (0, 0), answer) for answer in answers)


def instructions(language: str, heads: Sequence[str], note: str, answers: Sequence[str]) -> str | None:
    """The first instruction that shows no answer (the note only if it shows none either)."""
    note = "" if shows_any(language, note, answers) else note
    for head in heads:
        if not shows_any(language, head, answers):
            return f"{head}{note}."
    return None


def entry_glosses(entry: VocabularyEntry) -> dict[str, str]:
    """The entry's glosses by language: English (its ``gloss``) and every other it has."""
    return {"en": entry.gloss, **entry.glosses}


def gloss_shows(language: str, gloss: str, answers: Sequence[str]) -> bool:
    """A gloss that holds an answer, or is a cognate of one, gives the word away."""
    return shows_any(language, gloss, answers) or any(is_cognate(language, gloss, text) for text in answers)


def answer_lemmas(language: str, answers: Sequence[str]) -> frozenset[str]:
    """The lemmas of the single-word answers (each answer itself too)."""
    found: set[str] = set()
    for answer in answers:
        if len(nlp.words(language, answer)) == 1:
            found |= {nlp.normalise(language, answer), *nlp.listed_lemmas(language, answer)}
    return frozenset(found)


def definition_shows(language: str, definition: str, answers: Sequence[str]) -> bool:
    """A definition in the language learnt uses another form of an answer (*temizlemek* in the
    definition of a gap that accepts *temizleyin*): a learner could copy it into the gap."""
    wanted = answer_lemmas(language, answers)
    return any(({nlp.normalise(language, word), *nlp.listed_lemmas(language, word)} & wanted)
               for word in nlp.words(language, definition))


def hint_support(language: str, entry: VocabularyEntry, accepted: Sequence[str]) -> ItemSupport | None:
    """A typed gap's hints: every gloss (and the definition) that shows neither the word nor an
    answer (the definition: nor another form of one)."""
    answers = [entry.lemma, *accepted]
    glosses = {code: text for code, text in entry_glosses(entry).items()
               if not gloss_shows(language, text, answers)
               and not (code == language and definition_shows(language, text, answers))}
    return ItemSupport(kind="hint", glosses=glosses) if glosses else None


def shown_letters(language: str, answer: str, cue: str | None) -> int | None:
    """How many first letters of ``answer`` the author's cue gives (*sup…*), or None when the cue
    says something else (a form cue, shown after the gap) or does not fit the answer."""
    found = LETTERS_CUE.match(cue or "")
    if found and nlp.casefold(language, answer).startswith(nlp.casefold(language, found[1])):
        return len(found[1])
    return None


def gap_items(vocabulary_set: VocabularySet, index: int, stem: str, gap: Gap,
              common: dict) -> list[Item]:
    """The typed and the choice cloze of one example (either may be missing)."""
    language = vocabulary_set.language
    entry = vocabulary_set.entries[index]
    items: list[Item] = []
    if gap.span is None or gap.problem:
        return items
    family = family_id(stem, gap.number)
    if gap.typed is not None:
        prompt, letters = gap.prompt, shown_letters(language, gap.typed[0], gap.example.cue)
        if gap.example.cue and not letters:
            prompt = prompt.replace(GAP_TEXT, CUE_FORMAT.format(gap=GAP_TEXT, cue=gap.example.cue), 1)
        items.append(Item(id=f"{stem}-cloze-{gap.number}", type="cloze_typed", prompt=prompt,
                          instructions=instructions(language, TYPED_INSTRUCTIONS[language], "", gap.typed),
                          support=hint_support(language, entry, gap.typed),
                          answers=gap.typed, lemma=entry.lemma, feedback=gap.example.text,
                          family=family, shape_letters=letters or SHAPE_LETTERS, **common))
    if gap.choice is not None:
        item_id = f"{stem}-choice-{gap.number}"
        options, key = _options(item_id, gap.choice[0], gap.choice[1:])
        items.append(Item(id=item_id, type="cloze_choice", prompt=gap.prompt,
                          instructions=instructions(language, CHOICE_INSTRUCTIONS[language], "", gap.choice[:1]),
                          options=options, answers=(key,),
                          lemma=entry.lemma, feedback=gap.example.text, family=family, **common))
    return items


def gloss_prompt(language: str, code: str, gloss: str) -> str:
    """A gloss item's question: a definition (``code == language``) or a gloss in another language."""
    return (DEFINITION_PROMPT if code == language else GLOSS_PROMPT)[language].format(gloss=gloss)


def gloss_item(vocabulary_set: VocabularySet, index: int, stem: str, common: dict) -> Item | None:
    """The gloss-to-word item, unless every gloss shows the word or too few distractors exist.

    It holds the glosses that do not show the word; the service shows the one in
    the learner's support language, else the definition in the target language
    itself (under its own code: "which word means ..."), and serves the item only to
    a learner with a support language (:func:`content.support.gloss_code`). The
    stored prompt and feedback show the definition, else the English gloss, else
    the first (for exports and reviews).
    """
    language = vocabulary_set.language
    entry = vocabulary_set.entries[index]
    glosses = {code: text for code, text in entry_glosses(entry).items()
               if not gloss_shows(language, text, [entry.lemma])
               and not shows_any(language, gloss_prompt(language, code, text), [entry.lemma])}
    if not glosses:
        return None
    lemmas = [e.lemma for e in vocabulary_set.entries]
    wrong = list(entry.gloss_distractors) or distractors(vocabulary_set, index, lemmas)
    if len(wrong) < MIN_DISTRACTORS or shows_any(language, GLOSS_INSTRUCTIONS[language], [entry.lemma]):
        return None
    item_id = f"{stem}-gloss"
    code = next((c for c in (language, "en") if c in glosses), next(iter(glosses)))
    options, key = _options(item_id, entry.lemma, wrong)
    return Item(id=item_id, type="multiple_choice", prompt=gloss_prompt(language, code, glosses[code]),
                instructions=GLOSS_INSTRUCTIONS[language], options=options, answers=(key,),
                lemma=entry.lemma, feedback=GLOSS_FEEDBACK.format(lemma=entry.lemma, gloss=glosses[code]),
                family=item_id, support=ItemSupport(kind="gloss", glosses=glosses),
                withheld_for=entry.look_alike_for, **common)


def generate_items(vocabulary_set: VocabularySet) -> list[Item]:
    """Every item generated from a vocabulary set, with prior parameters (see the module doc)."""
    language, trade = vocabulary_set.language, vocabulary_set.trade
    items: list[Item] = []
    for index, (entry, stem) in enumerate(zip(vocabulary_set.entries, entry_ids(vocabulary_set))):
        common = {"language": language, "track": "trade", "trade": trade, "skill": "vocabulary",
                  "cefr": entry.cefr, "vocab_key": vocab_key(vocabulary_set, entry)}
        for gap in read_gaps(vocabulary_set, index):
            items += gap_items(vocabulary_set, index, stem, gap, common)
        gloss = gloss_item(vocabulary_set, index, stem, common)
        if gloss is not None:
            items.append(gloss)
    return [with_prior(item) for item in items]
