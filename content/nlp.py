"""Language resources: tokens, sentences, lemmas, known words, case folding.

Every heavy resource (a spaCy pipeline, a lemma table, a wordfreq list) is
loaded on first use and kept for the life of the process
(:func:`functools.cache`); nothing is loaded at import time, so importing
this module costs nothing. The Turkish table in particular (about 1.3 million
forms, ~2 s and ~400 MB) is only read once a Turkish lemma has to be looked up.

Tokens and sentences come from ``spacy.blank(lang)`` with the rule-based
sentencizer. Lemmas come from the lookup tables of ``spacy-lookups-data``:

- ``en``: the lookup table (``en_lemma_lookup``) plus spaCy's English rule
  lemmatizer data (``en_lemma_exc``/``en_lemma_index``/``en_lemma_rules``),
  applied for every part of speech because we do not tag;
- ``it``: ``it_lemma_lookup`` and its per-part-of-speech tables (the generic
  table alone maps *casco* to *cascare* only);
- ``tr``: ``tr_lemma_lookup`` (Zargan, Bilgin 2016); verb lemmas there are
  bare stems (*gidiyorum* -> *git*), while authors write infinitives
  (*gitmek*), so a Turkish lemma is compared by its stem too;
- ``nb``: the package's ``nb_lemma_lookup`` has only ~1,600 entries, so the
  Bokmål table is built from ``nb_lemma_exc`` (Norsk Ordbank, ~615,000 forms
  over nouns, adjectives, adverbs and verbs) merged across parts of speech.
  A form may map to several lemmas (*spiker*: noun *spiker*, verb *spike*);
  the lemma an author gives is then the truth, because we only ever ask "is
  this a form of that lemma?".

Turkish is agglutinative and no table lists every form: when the table lacks
a form, :func:`is_form_of` accepts a token that starts with the lemma's stem
(verbs: the infinitive minus *-mak*/*-mek*), also with the stem's final
consonant softened before a vowel (p/ç/t/k -> b/c/d/ğ: *kitap* -> *kitabı*).
A form the table does know is never matched by this rule to another lemma
(*kapı* is not a form of *kap*).
"""
from __future__ import annotations

import functools
import gc
import gzip
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from content.catalog import BANK_ROOT, LANGUAGES

#: spaCy and wordfreq both use the bank's codes (wordfreq's ``nb`` is Bokmål).
WORDFREQ_CODES = {"nb": "nb", "en": "en", "tr": "tr", "it": "it"}
ALLOW_FILE = "allow.txt"
#: Typographic apostrophes folded to ASCII ``'`` (phones type ’, authors write ', a foreign
#: keyboard gives ` or ´).
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
#: Double quotation marks folded to ASCII ``"`` in typed answers.
DOUBLE_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                               "\u00bb": '"'})
#: Punctuation a learner may end a typed answer with ("upset." is "upset").
FINAL_PUNCTUATION = ".!?,;:\u2026"
#: Letters of each language and what a keyboard without them gives instead. A typed answer
#: that is right but for these earns partial credit (:mod:`content.scoring`). Italian accents
#: may also be typed as an apostrophe after the vowel (``e'`` for ``è``), or the wrong way round.
UNMARKED = {
    "nb": {"æ": ("ae", "a"), "ø": ("oe", "o"), "å": ("aa", "a"), "é": ("e",)},
    "tr": {"ı": ("i",), "i": ("ı",), "ş": ("s",), "ğ": ("g",), "ç": ("c",), "ö": ("o",), "ü": ("u",)},
    "it": {"à": ("a'", "a", "á"), "á": ("a'", "a", "à"), "è": ("e'", "e", "é"), "é": ("e'", "e", "è"),
           "ì": ("i'", "i", "í"), "í": ("i'", "i", "ì"), "ò": ("o'", "o", "ó"), "ó": ("o'", "o", "ò"),
           "ù": ("u'", "u", "ú"), "ú": ("u'", "u", "ù")},
    "en": {},
}
#: Marks a language's spelling may leave out, folded away before typed answers are compared:
#: Turkish writes *tezgâh* (the TDK dictionary) and *tezgah* (most writers, the bank too).
OPTIONAL_MARKS = {"tr": str.maketrans("âîû", "aiu")}
#: Characters that may stand before a sentence's first word (opening quotes, dashes, spaces).
OPENERS = " \t\"'«“‘¿¡-–—("
#: Characters that end a sentence: after them the next word starts a sentence.
SENTENCE_ENDS = ".!?…"
#: Turkish infinitive endings dropped to get a verb's stem.
TURKISH_INFINITIVE = ("mak", "mek")
#: Turkish final-consonant softening before a vowel-initial suffix.
TURKISH_SOFTENING = {"p": "b", "ç": "c", "t": "d", "k": "ğ"}
#: Below this many letters a Turkish stem is too short to match by prefix alone.
TURKISH_MIN_STEM = 2
#: A word at least this frequent (wordfreq Zipf: 3 is once per million words, the top of
#: van Heuven et al.'s low-frequency band, 2014) counts as a word a learner may have meant
#: (:func:`is_real_word`). Above the misspellings the tables list (*occured* 2.8,
#: *aereoporto* 2.79) and most that wordfreq lists (*seperate* 2.82, *definately* 2.87);
#: below the real words a slip must not turn into (*hamper* 3.26 for *hammer*).
REAL_WORD_ZIPF = 3.0
_WHITESPACE = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_SPACY_DATA = "spacy_lookups_data"


# ---------------------------------------------------------------- text helpers

def casefold(language: str, text: str) -> str:
    """Fold case for comparison, with Turkish rules for ``tr``.

    Python's ``lower()``/``casefold()`` map ``I`` to ``i`` and ``İ`` to ``i̇``
    (i + combining dot); Turkish needs ``I`` -> ``ı`` and ``İ`` -> ``i``.
    The text is NFC-normalised first so a decomposed ``İ`` folds the same.
    """
    text = unicodedata.normalize("NFC", text)
    if language == "tr":
        text = text.replace("I", "ı").replace("İ", "i")
    return unicodedata.normalize("NFC", text.casefold())


def capitalise(language: str, text: str) -> str:
    """Upper-case the first letter, with Turkish rules (``i`` -> ``İ``, ``ı`` -> ``I``)."""
    if not text:
        return text
    first = text[0]
    if language == "tr" and first in "iı":
        first = "İ" if first == "i" else "I"
    return first.upper() + text[1:]


def normalise(language: str, text: str) -> str:
    """The comparable form of a typed answer or a word.

    NFC, typographic apostrophes as ``'``, runs of whitespace as one space,
    trimmed, case folded (:func:`casefold`).
    """
    text = unicodedata.normalize("NFC", text).translate(APOSTROPHES)
    return casefold(language, _WHITESPACE.sub(" ", text).strip())


def normalise_answer(language: str, text: str) -> str:
    """A typed answer (or an accepted text) as compared: :func:`normalise`, and also quotes.

    Surrounding spaces, final punctuation (``. ! ? , ; : …``), closing double
    quotes and optional marks (:data:`OPTIONAL_MARKS`: Turkish *â*, *î*, *û*) go; a pair of quotes around the whole answer goes. A single final
    apostrophe stays unless a quote opened the answer: in Italian it is part of
    the word (*po'*, *e'* typed for *è*).
    """
    text = unicodedata.normalize("NFC", text).translate(APOSTROPHES).translate(DOUBLE_QUOTES)
    text = _WHITESPACE.sub(" ", text).strip()
    previous = None
    while text != previous:
        previous = text
        text = text.rstrip(FINAL_PUNCTUATION + '" ').lstrip('" ')
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            text = text[1:-1].strip()
    return casefold(language, text).translate(OPTIONAL_MARKS.get(language, {}))


def unmarked_variants(language: str, letter: str) -> tuple[str, ...]:
    """What a keyboard without ``letter`` (already case folded) may give for it."""
    return UNMARKED.get(language, {}).get(letter, ())


@functools.lru_cache(maxsize=1 << 12)
def _unmarked_pattern(language: str, accepted: str) -> re.Pattern[str] | None:
    """A pattern matching ``accepted`` with any of its marked letters typed another way."""
    if not any(unmarked_variants(language, letter) for letter in accepted):
        return None
    return re.compile("".join(
        "(?:" + "|".join(re.escape(v) for v in (letter, *unmarked_variants(language, letter))) + ")"
        for letter in accepted))


def without_marks_matches(language: str, typed: str, accepted: str) -> bool:
    """``typed`` is ``accepted`` with some of the language's letters typed without their marks.

    Both are normalised (:func:`normalise_answer`) and differ. Turkish dotless
    ``ı`` and dotted ``i`` stand for each other: an upper-case ``I`` typed for
    ``İ`` folds to ``ı``.
    """
    pattern = _unmarked_pattern(language, accepted)
    return typed != accepted and pattern is not None and pattern.fullmatch(typed) is not None


def starts_with(language: str, typed: str, shown: str) -> bool:
    """``typed`` begins with ``shown``, whose marked letters may be typed without their marks
    (*calisiyorum* begins with the *ç* a gap shows). Both normalised."""
    pattern = _unmarked_pattern(language, shown)
    return typed.startswith(shown) or (pattern is not None and pattern.match(typed) is not None)


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` of ``text`` begins a sentence (or a line).

    Only opening quotes, dashes and spaces may stand between it and the start
    of the text, a sentence end (``. ! ? …``) or a line break.
    """
    before = text[:start].rstrip(OPENERS)
    return not before or before[-1] in SENTENCE_ENDS or before[-1] == "\n"


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    """One token of a text: its text, character offset, and whether it is a word.

    ``is_word`` is false for punctuation, spaces, numbers (``7.30``, ``16``),
    URLs and e-mail addresses: the checker and the generator only look at words.
    """

    text: str
    start: int
    is_word: bool
    sentence_start: bool

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _load_once(func):
    """:func:`functools.cache` that loads each value once even when threads ask for it at the
    same moment (a service worker's threads meeting a cold table would otherwise each load
    it: seconds of CPU apiece, all at once)."""
    cached = functools.cache(func)
    lock = threading.Lock()

    @functools.wraps(func)
    def load(*args, **kwargs):
        with lock:
            return cached(*args, **kwargs)

    load.cache_clear = cached.cache_clear
    return load


@_load_once
def _pipeline(language: str):
    import spacy

    nlp = spacy.blank(language)
    nlp.add_pipe("sentencizer")
    return nlp


def _is_word(token) -> bool:
    return not (token.is_punct or token.is_space or token.like_num or token.like_url
                or token.like_email or not _HAS_LETTER.search(token.text))


@functools.lru_cache(maxsize=1 << 14)
def tokens(language: str, text: str) -> tuple[Token, ...]:
    """The tokens of ``text`` (spaCy's tokenizer for the language)."""
    doc = _pipeline(language)(text)
    return tuple(Token(t.text, t.idx, _is_word(t), bool(t.is_sent_start)) for t in doc)


def sentences(language: str, text: str) -> tuple[str, ...]:
    """The sentences of ``text`` (spaCy's rule-based sentencizer)."""
    return tuple(s.text.strip() for s in _pipeline(language)(text).sents if s.text.strip())


def words(language: str, text: str) -> tuple[str, ...]:
    """The word tokens of ``text`` (no punctuation or numbers)."""
    return tuple(t.text for t in tokens(language, text) if t.is_word)


# ---------------------------------------------------------------- lemma tables

def _read_table(name: str):
    path = resources.files(_SPACY_DATA) / "data" / f"{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@contextmanager
def _collector_paused():
    """Python's cycle collector off while tables are read: their hundreds of thousands of new
    lists would trigger several full collections, each walking all of them (a cold table
    cost a service worker 100-150 ms stalls on top of the read). Reading makes no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class LemmaTable:
    """Form -> lemma(s) tables for one language, as loaded (queried in turn, never merged).

    Merging the tables would cost seconds at start-up for nothing: a lookup
    asks each table in turn. Values are a lemma or a tuple of lemmas. ``parts``
    names each table's part of speech (``noun``, ``verb``...; empty for a
    table of every part of speech). ``rules`` and ``index`` hold spaCy's
    English suffix rules and lemma lists (empty for the other languages).
    """

    tables: tuple[Mapping[str, str | tuple[str, ...]], ...]
    rules: tuple[tuple[str, str, str], ...] = ()
    index: Mapping[str, frozenset[str]] = field(default_factory=dict)
    parts: tuple[str, ...] = ()


#: The spacy-lookups-data tables of each language (``nb``: Norsk Ordbank's forms by
#: part of speech first, then the small generic lookup).
_TABLES = {
    "nb": ("nb_lemma_exc", "nb_lemma_lookup"),
    "en": ("en_lemma_lookup", "en_lemma_exc"),
    "it": ("it_lemma_lookup", "it_lemma_lookup_noun", "it_lemma_lookup_verb", "it_lemma_lookup_adj",
           "it_lemma_lookup_adv", "it_lemma_lookup_adp", "it_lemma_lookup_aux",
           "it_lemma_lookup_det", "it_lemma_lookup_num", "it_lemma_lookup_pron",
           "it_lemma_lookup_other"),
    "tr": ("tr_lemma_lookup",),
}
#: Tables stored as ``{part of speech: {form: [lemmas]}}``.
_BY_POS = frozenset({"nb_lemma_exc", "en_lemma_exc"})
#: The part of speech of the Italian tables that hold one.
_TABLE_PART = {f"it_lemma_lookup_{part}": part for part in ("noun", "verb", "adj", "adv")}
#: Universal POS tags as the tables name them.
UD_PARTS = {"NOUN": "noun", "PROPN": "noun", "VERB": "verb", "AUX": "verb", "ADJ": "adj", "ADV": "adv"}


def _immutable(table: dict[str, str | list[str]]) -> dict[str, str | tuple[str, ...]]:
    """The table with its lists of lemmas as tuples.

    A service worker keeps the tables for its life. Python's cycle collector
    walks every list it holds at each full collection, and Norsk Ordbank's
    forms are some 300,000 one-lemma lists: 100-150 ms in which the worker
    answers nobody, several times a minute under load. Tuples of strings (and
    then the dicts holding only those) are dropped from its view after one pass.
    """
    return {form: tuple(found) if isinstance(found, list) else found for form, found in table.items()}


@_load_once
def lemma_table(language: str) -> LemmaTable:
    """The language's lemma tables, read on first use (once per process)."""
    if language not in _TABLES:
        raise ValueError(f"unknown language '{language}' (expected one of {', '.join(LANGUAGES)})")
    tables: list[Mapping[str, str | tuple[str, ...]]] = []
    parts: list[str] = []
    with _collector_paused():
        for name in _TABLES[language]:
            data = _read_table(name)
            by_pos = data.items() if name in _BY_POS else [(_TABLE_PART.get(name, ""), data)]
            for part, table in by_pos:
                tables.append(_immutable(table))
                parts.append(part)
    if language != "en":
        return LemmaTable(tuple(tables), parts=tuple(parts))
    index = {pos: frozenset(casefold("en", w) for w in listed)
             for pos, listed in _read_table("en_lemma_index").items()}
    rules = tuple((pos, old, new) for pos, pairs in _read_table("en_lemma_rules").items()
                  if pos in index for old, new in pairs if old)
    return LemmaTable(tuple(tables), rules, index, tuple(parts))


@functools.lru_cache(maxsize=1 << 16)
def lemmas_as(language: str, form: str, pos: str) -> frozenset[str]:
    """The lemmas the tables of one part of speech (Universal POS: ``VERB``) give for ``form``."""
    table = lemma_table(language)
    part = UD_PARTS.get(pos, "")
    key = normalise(language, form)
    out: set[str] = set()
    for forms, name in zip(table.tables, table.parts):
        found = forms.get(key) if name == part else None
        if found is not None:
            out.update(casefold(language, v) for v in ((found,) if isinstance(found, str) else found))
    return frozenset(out)


@_load_once
def lemma_set(language: str) -> frozenset[str]:
    """Every lemma the tables name (for :func:`is_known_word`: a lemma is a word)."""
    table = lemma_table(language)
    out: set[str] = set()
    for forms in table.tables:
        for value in forms.values():
            if isinstance(value, str):
                out.add(value)
            else:
                out.update(value)
    return frozenset(casefold(language, v) for v in out).union(*table.index.values())


@functools.lru_cache(maxsize=1 << 16)
def lemmas(language: str, form: str) -> frozenset[str]:
    """Every lemma the tables give for ``form`` (case folded); empty if none.

    English adds spaCy's suffix rules (*hammers* -> *hammer*) where the
    result is a listed lemma, and a listed lemma is its own lemma.
    """
    table = lemma_table(language)
    key = normalise(language, form)
    out: set[str] = set()
    for forms in table.tables:
        found = forms.get(key)
        if found is not None:
            out.update(casefold(language, v) for v in ((found,) if isinstance(found, str) else found))
    for pos, old, new in table.rules:
        if key.endswith(old) and len(key) > len(old):
            candidate = key[: len(key) - len(old)] + new
            if candidate in table.index[pos]:
                out.add(candidate)
    if any(key in listed for listed in table.index.values()):
        out.add(key)
    return frozenset(out)


@functools.lru_cache(maxsize=1 << 16)
def listed_lemmas(language: str, form: str) -> frozenset[str]:
    """The lemmas the tables list for ``form`` (case folded), and ``form`` itself if they name it
    as a lemma: :func:`lemmas` without spaCy's English suffix rules, which take misspellings
    for forms (*occured* -> *occur*)."""
    table = lemma_table(language)
    key = normalise(language, form)
    out: set[str] = set()
    for forms in table.tables:
        found = forms.get(key)
        if found is not None:
            out.update(casefold(language, v) for v in ((found,) if isinstance(found, str) else found))
    if key and key in lemma_set(language):
        out.add(key)
    return frozenset(out)


@functools.lru_cache(maxsize=1 << 16)
def is_real_word(language: str, word: str, allowed: frozenset[str] | None = None) -> bool:
    """Whether ``word`` is a real and reasonably frequent word of the language: one a learner
    may have meant, so that typing it for another word is not a slip (:mod:`content.scoring`).

    Stricter than :func:`is_known_word`: in the allow-list (``allowed``, by default the
    bundled bank's), or listed by the lemma tables as a form or a lemma
    (:func:`listed_lemmas`) and at least :data:`REAL_WORD_ZIPF` frequent itself. Neither
    source is enough alone: wordfreq lists the commonest misspellings (*independant* 2.35,
    *seperate* 2.82, *sopratutto* 4.21, *desverre* 4.18) and Nynorsk forms (*frosen*,
    *ikkje*); the tables list a few misspellings (English *occured* under *occur*, 2.8;
    Italian *aereoporto*, 2.79). A rare word of the tables (*bøk*, beech, 2.8) is not
    one a learner confused with the word asked for.

    Turkish: a form of a frequent lemma counts too (*kotaya*: *kota*, 3.61). wordfreq's
    Turkish list stops at Zipf 3, and an agglutinated word spreads its frequency over
    hundreds of forms, so few forms reach it on their own.
    """
    allowed = allow_list(language) if allowed is None else allowed
    key = normalise(language, word)
    if not key:
        return False
    if key in allowed:
        return True
    found = listed_lemmas(language, key)
    if not found:
        return False
    judged = (key, *found) if language == "tr" else (key,)
    return max(zipf(language, w) for w in judged) >= REAL_WORD_ZIPF


def turkish_stems(lemma: str) -> tuple[str, ...]:
    """A Turkish lemma's stem and its softened variant (see the module docstring)."""
    stem = lemma[:-3] if lemma.endswith(TURKISH_INFINITIVE) and len(lemma) > 4 else lemma
    stems = [stem]
    if stem[-1:] in TURKISH_SOFTENING:
        stems.append(stem[:-1] + TURKISH_SOFTENING[stem[-1]])
    return tuple(stems)


@functools.lru_cache(maxsize=1 << 16)
def is_form_of(language: str, form: str, lemma: str, guess: bool = True) -> bool:
    """Whether ``form`` is an inflected form of ``lemma`` (the author's lemma is the truth).

    ``guess`` allows the Turkish stem rule for forms the table lacks; it is
    meant for sentences we wrote, not for a learner's typing (where any
    string starting with the stem would pass).
    """
    form_key, lemma_key = normalise(language, form), normalise(language, lemma)
    if not form_key or not lemma_key:
        return False
    if form_key == lemma_key:
        return True
    if language == "tr":
        form_key = form_key.split("'")[0] if "'" in form_key else form_key
        stems = turkish_stems(lemma_key)
        if form_key in stems:
            return True
        known = lemmas(language, form_key)
        if known:
            return bool(known & {lemma_key, *stems})
        return guess and len(stems[0]) >= TURKISH_MIN_STEM and form_key.startswith(stems)
    return lemma_key in lemmas(language, form_key)


def locate_form(language: str, sentence: str, lemma: str) -> tuple[int, int] | None:
    """Character span of the word in ``sentence`` that is a form of ``lemma``.

    A word spelt exactly as the lemma wins; otherwise the first inflected form.
    (Checking exact spellings first also spares loading a table when not needed.)
    """
    candidates = [t for t in tokens(language, sentence) if t.is_word]
    lemma_key = normalise(language, lemma)
    for token in candidates:
        if normalise(language, token.text) == lemma_key:
            return token.start, token.end
    for token in candidates:
        if is_form_of(language, token.text, lemma):
            return token.start, token.end
    return None


def form_spans(language: str, sentence: str, lemma: str) -> tuple[tuple[int, int], ...]:
    """Every word of ``sentence`` that is a form of ``lemma`` (spelt as it, or by the tables).

    For Turkish the stem rule (:func:`is_form_of` with ``guess``) counts only when
    nothing else matched, as in :func:`locate_form`. A sentence that uses the word
    twice cannot be made a cloze: the second use would give the first away.
    """
    candidates = [t for t in tokens(language, sentence) if t.is_word]
    sure = [(t.start, t.end) for t in candidates if is_form_of(language, t.text, lemma, guess=False)]
    if sure or language != "tr":
        return tuple(sure)
    return tuple((t.start, t.end) for t in candidates if is_form_of(language, t.text, lemma))


def find_form(language: str, sentence: str, lemma: str) -> str | None:
    """The inflected form of ``lemma`` used in ``sentence``, as written, or None."""
    span = locate_form(language, sentence, lemma)
    return None if span is None else sentence[span[0]:span[1]]


# ---------------------------------------------------------------- known words

@_load_once
def allow_list(language: str, root: Path | None = None) -> frozenset[str]:
    """Words the checker accepts although wordfreq and the tables lack them.

    One word per line in ``<root>/<language>/allow.txt``; ``#`` starts a comment.
    """
    path = Path(root or BANK_ROOT) / language / ALLOW_FILE
    if not path.is_file():
        return frozenset()
    entries = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(normalise(language, entry) for entry in entries if entry)


@functools.lru_cache(maxsize=1 << 16)
def zipf(language: str, word: str) -> float:
    """wordfreq's Zipf frequency of ``word`` (0 when wordfreq does not list it).

    wordfreq's Turkish list stops at Zipf 3: there 0 means "below 3", not unknown.
    """
    from wordfreq import zipf_frequency

    _wordfreq_list(language)
    return float(zipf_frequency(normalise(language, word), WORDFREQ_CODES[language]))


@_load_once
def _wordfreq_list(language: str) -> None:
    """Load wordfreq's list of the language (it caches it, but not once across threads)."""
    from wordfreq import get_frequency_dict

    get_frequency_dict(WORDFREQ_CODES[language], "best")


def _variants(language: str, word: str) -> Iterable[str]:
    """The word, and for ``tr`` the part before an apostrophe (*İstanbul'da* -> *istanbul*)."""
    yield word
    if language == "tr" and "'" in word:
        yield word.split("'", 1)[0]


@functools.lru_cache(maxsize=1 << 16)
def is_known_word(language: str, word: str, allowed: frozenset[str] | None = None) -> bool:
    """Whether ``word`` is a real word of the language.

    Known means: listed by wordfreq (Zipf > 0), a form or a lemma in the
    language's lemma tables, or in the allow-list (``allowed``, by default the
    bundled bank's). For Turkish, wordfreq only lists Zipf >= 3, so the lemma
    table decides for rarer words. A Turkish proper name with a case suffix
    after an apostrophe is judged by the name.
    """
    allowed = allow_list(language) if allowed is None else allowed
    key = normalise(language, word)
    if not key:
        return False
    for variant in _variants(language, key):
        if (variant in allowed or zipf(language, variant) > 0 or lemmas(language, variant)
                or variant in lemma_set(language)):
            return True
    return False


def warm(language: str) -> None:
    """Load everything scoring an answer in ``language`` reads (the lemma table, the word
    frequencies, the allow-list, the tokenizer), so the first answer does not wait for it.
    A service worker calls this before it takes requests."""
    lemma_table(language)
    zipf(language, "a")
    allow_list(language)
    _pipeline(language)
