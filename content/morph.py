"""A word in the form a gap needs, and whether two forms fill the same slot.

No tagger ships for the bank's languages (spaCy's blank pipelines and the lookup
tables of ``spacy-lookups-data`` have lemmas, not features), so the slot a form
fills is read off its spelling against its lemma, with a small table of endings
per language and part of speech (:data:`RULES`): *hjelm -> hjelmen* is ``+en``, a
definite singular; *farmaco -> farmaci* is ``o -> i``, a masculine plural;
*sortere -> sorterer* is ``+r``, a present tense. The slots an ending can stand
for are its tags (*-a* in Bokmål nouns: definite singular *boka* or definite
plural *barna*). Turkish is read by its suffixes instead, written with vowel
harmony folded away (:func:`turkish_suffix`: *bulaşıkları* and *tencereleri*
both end in ``lArI``).

- :func:`slots` gives the tags a form can have as a form of a lemma: empty
  when its ending is not in the table (an irregular form, a clitic attached):
  then nothing is said about it;
- :func:`inflect` puts another lemma in the slot a form fills. A spelling is
  used only when the lookup tables list it as a form of that lemma (reverse
  lookup by analogy: the candidate is spelt by the table of endings, then
  looked up), and only when it cannot fill a slot the key does not: otherwise
  the answer is ``None``, and the generator leaves the choice item out rather
  than guess;
- :func:`disagree` says whether two forms certainly fill different slots
  (each has tags, and they share none), which the checker reports for the
  distractors an author writes;
- :func:`article_clash` says whether an option cannot follow the word before
  the gap (Italian *l'* before a consonant, *il* before a vowel; English *an*
  before a consonant).

Everything is case folded with the language's rules before it is compared.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from content import nlp

VOWELS = frozenset("aeiouyæøåàèéìòóùıöü")
TURKISH_VOWELS = frozenset("aeıioöuü")
TURKISH_BACK = frozenset("aıou")
TURKISH_ROUNDED = frozenset("oöuü")
TURKISH_VOICELESS = frozenset("çfhkpsşt")
#: Turkish suffix letters folded by harmony: the archiphonemes of the suffix patterns.
TURKISH_ARCHIPHONEMES = str.maketrans({"a": "A", "e": "A", "ı": "I", "i": "I", "u": "I", "ü": "I",
                                       "d": "D", "t": "D", "c": "C", "ç": "C", "k": "K", "ğ": "K"})
#: Buffer consonants between a vowel-final stem and a vowel-initial suffix.
TURKISH_BUFFERS = "yns"
#: Turkish derivational suffixes (as patterns) that make a word of their own: nouns and
#: adjectives *-lI, -sIz, -lIK, -CI, -CIlIK, -CIK, -sAl* (*dikkatli, tuzsuz, temizlik, işçi*),
#: verbs the causative, passive, reflexive and reciprocal (*giy-dir, yıka-n, sev-iş*) and *-lA(ş)*.
TURKISH_DERIVATIONS = {
    "nominal": ("CIlIK", "lIK", "sIz", "lI", "CIK", "CI", "sAl"),
    "verb": ("DIr", "lAş", "lA", "Il", "In", "Iş"),
}
#: A Turkish stem the form starts with is at least this long.
TURKISH_MIN_PREFIX = 2
#: Parts of speech inflected like nouns in Turkish (case, possessive, plural).
TURKISH_NOMINAL = frozenset({"NOUN", "ADJ", "PROPN", "NUM", "PRON"})
#: Parts of speech an article stands before.
NOMINAL = frozenset({"NOUN", "ADJ", "NUM"})
#: Parts of speech that do not inflect here: a form is the lemma.
UNINFLECTED = frozenset({"ADV", "ADP", "CCONJ", "SCONJ", "INTJ", "PART", "DET", "NUM", "PRON", "X"})


# ---------------------------------------------------------------- endings

@dataclass(frozen=True)
class Rule:
    """An ending: cut ``cut`` from a lemma that ends in ``when`` (default ``cut``), add ``add``.

    ``add`` starting with ``*`` doubles the stem's last letter first (*stop ->
    stopped*, *tom -> tomme*). ``test`` further restricts the lemmas it applies to.
    """

    tags: frozenset[str]
    cut: str = ""
    add: str = ""
    when: str = ""
    test: Callable[[str], bool] | None = None

    def apply(self, lemma: str) -> str | None:
        """The lemma with this ending, or None when the rule does not apply to it."""
        if not lemma.endswith(self.when or self.cut) or (self.test and not self.test(lemma)):
            return None
        stem = lemma[: len(lemma) - len(self.cut)]
        if not stem:
            return None
        if self.add.startswith("*"):
            return stem + stem[-1] + self.add[1:]
        return stem + self.add


def _r(tags: str, cut: str = "", add: str = "", when: str = "",
       test: Callable[[str], bool] | None = None) -> Rule:
    return Rule(frozenset(tags.split("|")), cut, add, when, test)


def _syllables(word: str) -> int:
    return len(re.findall(r"[aeiouyæøå]+", word))


def _ends_vowel(word: str) -> bool:
    return word[-1:] in VOWELS


def _sibilant_or_o(word: str) -> bool:
    return word.endswith(("s", "x", "z", "ch", "sh", "o"))


def _consonant_y(word: str) -> bool:
    return len(word) > 1 and word.endswith("y") and word[-2] not in VOWELS


def _short_closed(word: str) -> bool:
    """One syllable ending consonant-vowel-consonant: its last letter doubles (*stop, stopped*)."""
    return (_syllables(word) == 1 and len(word) >= 3 and word[-1] not in VOWELS | set("wxy")
            and word[-2] in VOWELS and word[-3] not in VOWELS)


def _italian_invariable(word: str) -> bool:
    return word[-1:] not in "aeio" or word[-1:] in "àèéìòù"


_NB = {
    "NOUN": (
        _r("ind.sg"), _r("ind.pl", test=lambda w: _syllables(w) == 1),
        _r("def.sg", add="en"), _r("def.sg", add="n", when="e"), _r("def.sg", "e", "a"),
        _r("def.sg|def.pl", add="a", test=lambda w: not _ends_vowel(w)),
        _r("def.sg", add="et"), _r("def.sg", add="t", when="e"),
        _r("ind.pl", add="er"), _r("ind.pl", add="r", when="e"), _r("ind.pl", add="e", when="er"),
        _r("def.pl", add="ene"), _r("def.pl", add="ne", when="e"), _r("def.pl", add="ne", when="er"),
    ),
    "ADJ": (
        _r("sg"), _r("n", add="t"), _r("n", add="tt", test=_ends_vowel),
        _r("n", test=lambda w: w.endswith(("ig", "isk", "sk", "t", "e"))),
        _r("wk", add="e"), _r("wk", add="*e"), _r("wk", "en", "ne"), _r("wk", "el", "le"),
        *(_r("wk", f"{c}en", "ne", when=f"{c}{c}en") for c in "tnlmkps"),  # skitten -> skitne
        _r("wk", "er", "re"), _r("wk", test=_ends_vowel),  # moderne, blå, lei: as they are
        _r("cmp", add="ere"), _r("sup", add="est"), _r("sup.wk", add="este"),
    ),
    "VERB": (
        _r("inf"), _r("pres", add="r"), _r("imp", "e", "", test=lambda w: len(w) > 3),
        _r("past|ptc", "e", "et"), _r("past|ptc", "e", "a"),
        _r("past", "e", "te"), _r("ptc", "e", "t"), _r("past", "e", "de"), _r("ptc", "e", "d"),
        _r("past", add="dde", test=_ends_vowel), _r("ptc", add="dd", test=_ends_vowel),
        _r("pass", "e", "es"), _r("pass", add="s", test=_ends_vowel),
    ),
}

def _plain_s(word: str) -> bool:
    """English adds a bare -s (not -es, not y -> ies)."""
    return not word.endswith(("s", "x", "z", "ch", "sh")) and not _consonant_y(word)


def _plain_suffix(word: str) -> bool:
    """English adds -ed/-ing/-er/-est as they are: no final e, no y -> i, no doubled consonant."""
    return not word.endswith("e") and not _consonant_y(word) and not _short_closed(word)


def _keeps_e(word: str) -> bool:
    return word.endswith(("ee", "ye", "oe"))


_EN = {
    "NOUN": (
        _r("sg"), _r("pl", add="s", test=_plain_s), _r("pl", add="es", test=_sibilant_or_o),
        _r("pl", "y", "ies", test=_consonant_y), _r("pl", "f", "ves"), _r("pl", "fe", "ves"),
    ),
    "VERB": (
        _r("base"), _r("3sg", add="s", test=_plain_s), _r("3sg", add="es", test=_sibilant_or_o),
        _r("3sg", "y", "ies", test=_consonant_y),
        _r("ing", add="ing", test=lambda w: _plain_suffix(w) or _consonant_y(w) or _keeps_e(w)),
        _r("ing", "e", "ing", test=lambda w: not _keeps_e(w) and not w.endswith("ie")),
        _r("ing", "ie", "ying"), _r("ing", add="*ing", test=_short_closed),
        _r("ed", add="ed", test=_plain_suffix), _r("ed", add="d", when="e"),
        _r("ed", "y", "ied", test=_consonant_y), _r("ed", add="*ed", test=_short_closed),
    ),
    "ADJ": (
        _r("pos"), _r("cmp", add="er", test=_plain_suffix), _r("cmp", add="r", when="e"),
        _r("cmp", "y", "ier", test=_consonant_y), _r("cmp", add="*er", test=_short_closed),
        _r("sup", add="est", test=_plain_suffix), _r("sup", add="st", when="e"),
        _r("sup", "y", "iest", test=_consonant_y), _r("sup", add="*est", test=_short_closed),
    ),
}

_IT_NOUN = (
    _r("m.sg", when="o"), _r("f.sg", when="a"), _r("m.sg|f.sg", when="e"),
    _r("m.sg|f.sg|m.pl|f.pl", test=_italian_invariable),
    _r("m.pl", "o", "i"), _r("m.pl", "co", "chi"), _r("m.pl", "go", "ghi"), _r("m.pl", "io", "i"),
    _r("m.pl", "a", "i"), _r("f.pl", "a", "e"), _r("f.pl", "ca", "che"), _r("f.pl", "ga", "ghe"),
    _r("f.pl", "cia", "ce"), _r("f.pl", "gia", "ge"), _r("m.pl|f.pl", "e", "i"),
)
_IT_ADJ = (
    _r("m.sg", when="o"), _r("f.sg", "o", "a"), _r("m.pl", "o", "i"), _r("f.pl", "o", "e"),
    _r("m.pl", "co", "chi"), _r("m.pl", "co", "ci"), _r("f.pl", "co", "che"),
    _r("m.pl", "go", "ghi"), _r("f.pl", "go", "ghe"), _r("m.pl", "io", "i"),
    _r("m.sg|f.sg", when="e"), _r("m.pl|f.pl", "e", "i"),
    _r("m.sg|f.sg|m.pl|f.pl", test=_italian_invariable),
)


def _italian_verb_rules() -> tuple[Rule, ...]:
    """Present, imperative, gerund, participle, imperfect, future of -are/-ere/-ire verbs."""
    rules = [_r("inf")]
    common = {  # tag: ending after the stem, per conjugation
        "1sg": ("o", "o", "o"), "2sg": ("i", "i", "i"), "1pl": ("iamo", "iamo", "iamo"),
        "3sg": ("a", "e", "e"), "2pl": ("ate", "ete", "ite"), "3pl": ("ano", "ono", "ono"),
        "ger": ("ando", "endo", "endo"),
        "pp.m.sg": ("ato", "uto", "ito"), "pp.f.sg": ("ata", "uta", "ita"),
        "pp.m.pl": ("ati", "uti", "iti"), "pp.f.pl": ("ate", "ute", "ite"),
        "impf.1sg": ("avo", "evo", "ivo"), "impf.3sg": ("ava", "eva", "iva"),
        "impf.1pl": ("avamo", "evamo", "ivamo"), "impf.3pl": ("avano", "evano", "ivano"),
        "fut.1sg": ("erò", "erò", "irò"), "fut.3sg": ("erà", "erà", "irà"),
        "fut.1pl": ("eremo", "eremo", "iremo"), "fut.3pl": ("eranno", "eranno", "iranno"),
    }
    also = {("3sg", 0): "imp.2sg", ("2sg", 1): "imp.2sg", ("2sg", 2): "imp.2sg",
            ("2pl", 0): "imp.2pl", ("2pl", 1): "imp.2pl", ("2pl", 2): "imp.2pl",
            ("2sg", 0): "imp.lei"}
    for tag, endings in common.items():
        for number, (ending, infinitive) in enumerate(zip(endings, ("are", "ere", "ire"))):
            tags = "|".join(filter(None, (tag, also.get((tag, number)))))
            rules.append(_r(tags, infinitive, ending))
            if infinitive == "are" and ending[:1] in "ie":  # cerc-are: cerchi, cerchiamo, cercherò
                rules += [_r(tags, "care", "ch" + ending), _r(tags, "gare", "gh" + ending)]
            if infinitive == "are" and ending[:1] in "ie":  # mangi-are: mangi, mangiamo, mangerò
                rules.append(_r(tags, "iare", ending))
    for tag, ending in (("1sg", "isco"), ("2sg|imp.2sg", "isci"), ("3sg", "isce"), ("3pl", "iscono")):
        rules.append(_r(tag, "ire", ending))
    rules.append(_r("imp.lei", "ere", "a"))
    rules.append(_r("imp.lei", "ire", "a"))
    return tuple(rules)


RULES: dict[tuple[str, str], tuple[Rule, ...]] = {
    **{("nb", pos): rules for pos, rules in _NB.items()},
    **{("en", pos): rules for pos, rules in _EN.items()},
    ("it", "NOUN"): _IT_NOUN, ("it", "ADJ"): _IT_ADJ, ("it", "VERB"): _italian_verb_rules(),
}
#: The same endings serve these parts of speech.
POS_ALIASES = {"AUX": "VERB", "PROPN": "NOUN"}
BASE = frozenset({"base"})


def _rules(language: str, pos: str) -> tuple[Rule, ...]:
    return RULES.get((language, POS_ALIASES.get(pos, pos)), ())


@functools.cache
def _english_irregular(pos: str) -> dict[str, frozenset[str]]:
    """English irregular forms of one part of speech: form -> lemmas (spaCy's exceptions)."""
    table = nlp._read_table("en_lemma_exc").get({"NOUN": "noun", "VERB": "verb", "ADJ": "adj"}.get(pos, ""), {})
    return {form: frozenset(lemmas) for form, lemmas in table.items()}


@functools.cache
def _english_irregular_forms(pos: str) -> dict[str, tuple[str, ...]]:
    """The reverse: lemma -> its irregular forms."""
    out: dict[str, list[str]] = {}
    for form, lemmas in _english_irregular(pos).items():
        for lemma in lemmas:
            if lemma != form:
                out.setdefault(lemma, []).append(form)
    return {lemma: tuple(sorted(forms)) for lemma, forms in out.items()}


def _english_irregular_tags(pos: str, form: str) -> frozenset[str]:
    pos = POS_ALIASES.get(pos, pos)
    if pos == "VERB":
        return frozenset({"ing"}) if form.endswith("ing") else frozenset({"ed"})
    if pos == "ADJ":
        return frozenset({"sup"}) if form.endswith("st") else frozenset({"cmp"})
    return frozenset({"pl"})


# ---------------------------------------------------------------- Turkish

def _turkish_stem(pos: str, lemma: str) -> str:
    """A Turkish lemma's stem: a verb's infinitive without *-mak/-mek*."""
    if POS_ALIASES.get(pos, pos) == "VERB" and lemma.endswith(nlp.TURKISH_INFINITIVE) and len(lemma) > 4:
        return lemma[:-3]
    return lemma


def _turkish_split(stem: str, form: str) -> str | None:
    """The suffix of ``form`` after ``stem``: also after a softened last consonant
    (*kitap -> kitabı*) and after a vowel the progressive drops (*yıka -> yıkıyor*)."""
    if not stem:
        return None
    if form.startswith(stem):
        return form[len(stem):]
    last, head = stem[-1], stem[:-1]
    softened = nlp.TURKISH_SOFTENING.get(last)
    if softened and form.startswith(head + softened) and form[len(stem):len(stem) + 1] in TURKISH_VOWELS:
        return form[len(stem):]
    if last in TURKISH_VOWELS and form.startswith(head) and re.match(r"[ıiuü]yor", form[len(head):]):
        return form[len(head):]
    return None


def turkish_suffix(pos: str, stem: str, suffix: str) -> str:
    """A suffix with harmony and buffers folded away: the same string for the same slot.

    Vowels become ``A`` (a/e) and ``I`` (ı/i/u/ü), d/t ``D``, c/ç ``C``, k/ğ
    ``K``. After a vowel-final stem a buffer consonant (*kova-y-ı*, *kova-s-ı*,
    *kova-n-ın*) goes, and a noun's possessive gets the vowel a consonant-final
    stem shows (*kova-m* = *kitab-ım*). The aorist's *-Ar/-Ir/-r* is ``R``.
    """
    nominal = POS_ALIASES.get(pos, pos) in TURKISH_NOMINAL
    after_vowel = stem[-1:] in TURKISH_VOWELS
    buffered = after_vowel and len(suffix) >= 2 and suffix[1] in TURKISH_VOWELS and (
        suffix[0] == "y" or (nominal and suffix[0] == "s") or (nominal and re.match(r"n[ıiuü]n", suffix)))
    if buffered:
        suffix = suffix[1:]
    elif after_vowel and nominal and suffix[:1] in ("m", "n"):
        suffix = "ı" + suffix
    pattern = suffix.translate(TURKISH_ARCHIPHONEMES)
    if POS_ALIASES.get(pos, pos) == "VERB":
        if pattern.startswith(("Ar", "Ir")):
            pattern = "R" + pattern[2:]
        elif after_vowel and pattern.startswith("r"):
            pattern = "R" + pattern[1:]
    return pattern


def _harmonise(stem: str, pattern: str) -> str:
    """Spell a suffix pattern after ``stem`` with vowel harmony and consonant assimilation."""
    out = stem
    for index, symbol in enumerate(pattern):
        previous = out[-1:]
        vowels = [ch for ch in out if ch in TURKISH_VOWELS]
        last = vowels[-1] if vowels else "e"
        following = pattern[index + 1:index + 2]
        if symbol == "A":
            out += "a" if last in TURKISH_BACK else "e"
        elif symbol == "I":
            out += {(True, False): "ı", (False, False): "i", (True, True): "u",
                    (False, True): "ü"}[(last in TURKISH_BACK, last in TURKISH_ROUNDED)]
        elif symbol == "D":
            out += "t" if previous in TURKISH_VOICELESS else "d"
        elif symbol == "C":
            out += "ç" if previous in TURKISH_VOICELESS else "c"
        elif symbol == "K":
            out += "ğ" if previous in TURKISH_VOWELS and following in ("A", "I", *TURKISH_VOWELS) else "k"
        else:
            out += symbol
    return out


def _turkish_spellings(pos: str, stem: str, pattern: str) -> list[str]:
    """Every plausible spelling of ``pattern`` after ``stem`` (the tables decide among them)."""
    verb = POS_ALIASES.get(pos, pos) == "VERB"
    patterns = [pattern]
    if pattern.startswith("R"):
        patterns = ["r" + pattern[1:]] if stem[-1:] in TURKISH_VOWELS else ["Ar" + pattern[1:], "Ir" + pattern[1:]]
    out: list[str] = []
    for suffix in patterns:
        first = suffix[:1]
        vowel_first = first in ("A", "I") or first in TURKISH_VOWELS
        if stem[-1:] in TURKISH_VOWELS and vowel_first:
            if verb and suffix.startswith("Iyor"):
                out.append(_harmonise(stem[:-1], suffix))
            elif verb:
                out.append(_harmonise(stem, "y" + suffix))
            else:
                out += [_harmonise(stem, buffer + suffix) for buffer in ("y", "s", "n")]
                if suffix[:2] in ("Im", "In"):
                    out.append(_harmonise(stem, suffix[1:]))
        else:
            out.append(_harmonise(stem, suffix))
            softened = nlp.TURKISH_SOFTENING.get(stem[-1:])
            if softened and vowel_first:
                out.append(_harmonise(stem[:-1] + softened, suffix))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- slots

def _fold(language: str, text: str) -> str:
    return nlp.normalise(language, text)


@functools.lru_cache(maxsize=1 << 14)
def slots(language: str, pos: str, lemma: str, form: str) -> frozenset[str]:
    """The tags of the slots ``form`` can fill as a form of ``lemma`` (empty: not known)."""
    lemma, form = _fold(language, lemma), _fold(language, form)
    if not lemma or not form or " " in form:
        return frozenset()
    if language == "tr":
        stem = _turkish_stem(pos, lemma)
        suffix = _turkish_split(stem, form)
        return frozenset() if suffix is None or "'" in form else frozenset({turkish_suffix(pos, stem, suffix)})
    if pos in UNINFLECTED:
        return BASE if form == lemma else frozenset()
    found: set[str] = set()
    for rule in _rules(language, pos):
        if rule.apply(lemma) == form:
            found |= rule.tags
    if language == "en" and lemma in _english_irregular(POS_ALIASES.get(pos, pos)).get(form, ()):
        found |= _english_irregular_tags(pos, form)
    return frozenset(found)


def unapply(rule: Rule, form: str) -> str | None:
    """The lemma ``rule`` would have made ``form`` from, or None."""
    if rule.add.startswith("*"):
        if len(form) < len(rule.add) + 1 or not form.endswith(rule.add[1:]):
            return None
        stem = form[: len(form) - len(rule.add) + 1]
        if len(stem) < 2 or stem[-1] != stem[-2]:
            return None
        stem = stem[:-1]
    elif form.endswith(rule.add):
        stem = form[: len(form) - len(rule.add)] if rule.add else form
    else:
        return None
    lemma = stem + rule.cut
    return lemma if stem and rule.apply(lemma) == form else None


def lemma_candidates(language: str, pos: str, form: str, lemmas: Iterable[str] = ()) -> frozenset[str]:
    """The lemmas ``form`` may be a form of: the tables', the ``lemmas`` given (a set's entries)
    of which it is a form, and a lemma of the tables an ending of :data:`RULES` leads back to
    (the Bokmål table has lost some forms two lemmas share: *deler* is listed under *deler*,
    not under *dele*). Empty when the form is unknown."""
    folded = _fold(language, form)
    found = set(_table_lemmas(language, pos, folded))
    found |= {_fold(language, lemma) for lemma in lemmas if nlp.is_form_of(language, form, lemma)}
    if is_lemma(language, pos, folded):
        found.add(folded)
    if language == "tr":  # the table gives roots (giydirdin -> giy): every stem the form starts with
        stems = {_turkish_stem(pos, _fold(language, lemma)) for lemma in lemmas}
        found |= {folded[:end] for end in range(TURKISH_MIN_PREFIX, len(folded) + 1)
                  if folded[:end] in stems or is_lemma(language, pos, folded[:end])}
    for rule in _rules(language, pos):
        lemma = unapply(rule, folded)
        if lemma and is_lemma(language, pos, lemma):
            found.add(lemma)
    return frozenset(found)


def _table_lemmas(language: str, pos: str, form: str) -> frozenset[str]:
    """The tables' lemmas of ``form``; Bokmål: Norsk Ordbank's of that part of speech only (*tomme*
    is the adjective *tom* here, not the noun *tomme*, an inch)."""
    return nlp.lemmas_as(language, form, pos) if language == "nb" else nlp.lemmas(language, form)


def is_lemma(language: str, pos: str, word: str) -> bool:
    """The tables list ``word`` (case folded) as a form of itself: it is a dictionary form."""
    return word in _table_lemmas(language, pos, word)


def _turkish_derived(pos: str, lemma: str, form: str) -> Iterator[str]:
    """Words derived from ``lemma`` that ``form`` starts with: the Turkish table gives the root
    (*dikkatli* -> *dikkat*), but *dikkatli* is a word of its own (an adjective)."""
    stem = _turkish_stem(pos, lemma)
    suffix = _turkish_split(stem, form)
    if not suffix:
        return
    pattern = turkish_suffix(pos, stem, suffix)
    kind = "verb" if POS_ALIASES.get(pos, pos) == "VERB" else "nominal"
    for derivation in TURKISH_DERIVATIONS[kind]:
        if pattern.startswith(derivation) and form.startswith(stem):
            yield form[:len(stem) + len(derivation)]


def form_slots(language: str, pos: str, form: str, lemmas: Iterable[str] = ()) -> frozenset[str]:
    """The slots ``form`` can fill as a form of any lemma it may have (see :func:`lemma_candidates`)."""
    out: set[str] = set()
    folded = _fold(language, form)
    for lemma in lemma_candidates(language, pos, form, lemmas):
        out |= slots(language, pos, lemma, form)
        if language == "tr":
            for derived in _turkish_derived(pos, lemma, folded):
                out |= slots(language, pos, derived, form)
    return frozenset(out)


def disagree(language: str, pos: str, lemma: str, key: str, other: str,
             lemmas: Iterable[str] = ()) -> bool:
    """``other`` certainly fills no slot ``key`` (a form of ``lemma``) fills: both are known, none shared."""
    wanted = slots(language, pos, lemma, key)
    found = form_slots(language, pos, other, lemmas)
    return bool(wanted) and bool(found) and not wanted & found


def _confirmed(language: str, pos: str, candidate: str, lemma: str) -> bool:
    """The tables list ``candidate`` as a form of ``lemma``. Bokmål: or Norsk Ordbank's table of
    that part of speech lists both, the one as a form and the other as a lemma (the package's
    table lost some forms two lemmas share). English: wordfreq must know the candidate too
    (spaCy's suffix rules would take *boxs* for a form of *box*)."""
    if language == "en":
        return nlp.is_form_of(language, candidate, lemma, guess=False) and nlp.zipf(language, candidate) > 0
    if nlp.is_form_of(language, candidate, lemma, guess=False):
        return True
    return (language == "nb" and bool(nlp.lemmas_as(language, candidate, pos))
            and is_lemma(language, pos, lemma))


def _spellings(language: str, pos: str, lemma: str, form: str, other: str,
               wanted: frozenset[str]) -> list[str]:
    """Candidate spellings of ``other`` in the slot, the key's own ending first."""
    if language == "tr":
        stem = _turkish_stem(pos, lemma)
        suffix = _turkish_split(stem, form)
        if suffix is None:
            return []
        return _turkish_spellings(pos, _turkish_stem(pos, other), turkish_suffix(pos, stem, suffix))
    if pos in UNINFLECTED:
        return [other] if form == lemma else []
    rules = _rules(language, pos)
    own = [rule for rule in rules if rule.apply(lemma) == form]
    ordered = own + [rule for rule in rules if rule not in own and rule.tags & wanted]
    regular = list(dict.fromkeys(spelt for rule in ordered if (spelt := rule.apply(other))))
    if language != "en":
        return regular
    # went, not goed; men, not mans. An irregular past may not be the participle: none then.
    listed = _english_irregular_forms(POS_ALIASES.get(pos, pos)).get(other, ())
    irregular = [form for form in listed if all(rule.apply(other) != form for rule in rules)]
    if not irregular:
        return regular
    if POS_ALIASES.get(pos, pos) == "VERB":
        return [] if "ed" in wanted else regular
    return irregular


@functools.lru_cache(maxsize=1 << 14)
def inflect(language: str, pos: str, lemma: str, form: str, other: str) -> str | None:
    """``other`` (a lemma) in the slot ``form`` (a form of ``lemma``) fills, or None.

    None unless a spelling is confirmed by the tables and fills no slot the key
    does not fill (when the key's own slot is ambiguous, the same ambiguity).
    Returned case folded: the caller gives it the key's casing.
    """
    lemma, form, other = _fold(language, lemma), _fold(language, form), _fold(language, other)
    wanted = slots(language, pos, lemma, form)
    if not wanted or not other:
        return None
    for candidate in _spellings(language, pos, lemma, form, other, wanted):
        if not _confirmed(language, pos, candidate, other):
            continue
        found = slots(language, pos, other, candidate)
        if found and found <= wanted and (len(wanted) == 1 or found == wanted):
            return candidate
    return None


# ---------------------------------------------------------------- a learner's form of a lemma

#: Parts of speech whose regular endings (:data:`RULES`) may make a learner's form of a lemma.
INFLECTED = ("NOUN", "VERB", "ADJ")
#: A compound's head (*vest* in *refleksvest*) and the part before it have at least this many letters.
COMPOUND_MIN_PART = 3
#: Turkish inflectional suffix chains, as :func:`turkish_suffix` writes them. Nominals: plural,
#: possessive, case (*etkinliğ-imiz*, *kitap-lar-ımız-dan*, *kova-sı-n-da*, *kitab-ı-yla*).
#: Verbs: the imperative persons, or negation, one tense or mood and a person (*boy-uyor-lar*,
#: *topla-yacağ-ız*, *boya-ma-dı*). No derivational suffix (*-lIK, -CI, -sIz*, causative,
#: passive...): those make another word.
TURKISH_INFLECTION = {
    "nominal": re.compile(r"(lAr)?(?:(ImIz|InIz|Im|In)(I|A|DA|DAn|In|lA)?|I(?:n(?:I|A|DA|DAn|In)|ylA)?"
                          r"|I|A|DA|DAn|In|y?lA)?"),
    "verb": re.compile(r"(?:(mA)?(In|InIz|sIn|sInlAr)?"
                       r"|(mA|m(?=Iyor))?(Iyor|DI|mIş|ACAK|R|mAz|mAlI|sA)(Im|sIn|Iz|sInIz|lAr|m|n|K|nIz|DIr)?)"),
}


@functools.lru_cache(maxsize=1 << 12)
def lemma_parts(language: str, lemma: str) -> frozenset[str]:
    """The parts of speech (of :data:`INFLECTED`) the tables list ``lemma`` as a lemma of.

    Turkish: a verb if it ends in *-mak/-mek*, else a nominal (``NOUN``). A lemma the tables do
    not know takes the parts of its compound head, the longest known word it ends with
    (*refleksvest*: *vest*, a noun), as compounds inflect as their head.
    """
    lemma = _fold(language, lemma)
    if language == "tr":
        verb = lemma.endswith(nlp.TURKISH_INFINITIVE) and len(lemma) > 4
        return frozenset({"VERB" if verb else "NOUN"})

    def listed(word: str) -> frozenset[str]:
        if language == "en":
            index = nlp.lemma_table(language).index
            return frozenset(pos for pos in INFLECTED if word in index.get(pos.lower(), ()))
        return frozenset(pos for pos in INFLECTED if word in nlp.lemmas_as(language, word, pos))

    found = listed(lemma)
    for start in range(COMPOUND_MIN_PART, len(lemma) - COMPOUND_MIN_PART + 1):
        if found:
            break
        found = listed(lemma[start:])
    return found


def _listed_apart(language: str, stem: str, form: str) -> bool:
    """The tables list ``form`` only as a word of its own (*kapı*; *lekt*, a batten, or
    *lekte*, leaked) or under lemmas unrelated to ``stem``: then it is that other word.
    Related are a root the stem starts with (*etkin* for *etkinlik*) and, but in Turkish, the
    stem with a final vowel (the Bokmål verb beside a noun: *leke* for *lek*, *flekke* for *flekk*)."""
    known = nlp.lemmas(language, form)
    if not known:
        return False
    others = known - {form}
    if language == "tr":
        return not any(stem.startswith(other) for other in others)
    return not any(stem.startswith(other) or (other[-1:] in VOWELS and other[:-1] == stem)
                   for other in others)


def _turkish_regular_form(pos: str, lemma: str, form: str) -> bool:
    stem = _turkish_stem(pos, lemma)
    if len(stem) < nlp.TURKISH_MIN_STEM or "'" in form:
        return False
    suffix = _turkish_split(stem, form)
    if not suffix:
        return False
    pattern = turkish_suffix(pos, stem, suffix)
    kind = "verb" if POS_ALIASES.get(pos, pos) == "VERB" else "nominal"
    if not TURKISH_INFLECTION[kind].fullmatch(pattern) or form not in _turkish_spellings(pos, stem, pattern):
        return False
    return not _listed_apart("tr", stem, form)


@functools.lru_cache(maxsize=1 << 14)
def is_regular_form(language: str, form: str, lemma: str) -> bool:
    """``form`` is spelt as a regular inflection of ``lemma``: a fallback for the forms the lemma
    tables miss (*leken, lekene* of *lek*; *flekken*, *etiketten*, *hårnettet*, *refleksvesten*;
    Turkish *etkinliğimiz*, which the table takes to *etkin*), for a learner's answer.

    The lemma with an ending of :data:`RULES` for a part of speech it has
    (:func:`lemma_parts`), the stem changes those endings make included (*casco -> caschi*);
    not the endings that double the last letter (*lek* is no adjective *lekke*, to leak).
    Turkish: the stem (softened or not: *etkinliğ-*, *kap-/kab-*) and a chain of inflectional
    suffixes (:data:`TURKISH_INFLECTION`), spelt with the right harmony and buffers. Either way a form the tables
    list only under unrelated lemmas is that other word (*kapı* is not *kap* + *ı*); a lemma
    that starts with this one (*leke*, *leken* for *lek*) or a root of it (*etkin*) is related.
    Nothing that merely starts with the lemma's letters: *lekk* is no form of *lek*.
    """
    form, lemma = _fold(language, form), _fold(language, lemma)
    if not form or not lemma or form == lemma or " " in form:
        return False
    for pos in sorted(lemma_parts(language, lemma)):
        if language == "tr":
            if _turkish_regular_form(pos, lemma, form):
                return True
            continue
        if any(rule.apply(lemma) == form for rule in _rules(language, pos) if not rule.add.startswith("*")):
            return not _listed_apart(language, lemma, form)
    return False


# ---------------------------------------------------------------- the word before the gap

#: Italian articles and articulated prepositions before a masculine noun, by the sound it starts with.
ITALIAN_BEFORE_CONSONANT = frozenset({"il", "i", "un", "del", "dei", "al", "ai", "dal", "dai", "nel", "nei",
                                      "sul", "sui", "col"})
ITALIAN_BEFORE_S_CLUSTER = frozenset({"lo", "gli", "uno", "dello", "degli", "allo", "agli", "dallo",
                                      "dagli", "nello", "negli", "sullo", "sugli"})
_ITALIAN_S_CLUSTER = re.compile(r"^(s[^aeiouàèéìòù]|z|gn|ps|pn|x|y)")


def _starts_with_vowel(word: str) -> bool:
    return word[:1] in VOWELS or word[:1] == "h"


def article_clash(language: str, pos: str, before: str, word: str) -> bool:
    """``word`` (a noun or an adjective) certainly cannot follow ``before`` (the word before the gap).

    Italian: an elided article (*l'*, *un'*, *dell'*...) needs a vowel or *h*;
    *il, i, un, del...* never stand before a vowel or an s-cluster (*lo
    straccio*); *lo, gli, uno...* only before an s-cluster, *z*, *gn*, *ps* or a
    vowel. English: *an* before a consonant letter (not *h*), *a* before *a* or *i*.
    """
    before, word = _fold(language, before), _fold(language, word)
    if not before or not word or POS_ALIASES.get(pos, pos) not in NOMINAL:
        return False  # before a verb, Italian *lo, la, gli* are pronouns
    if language == "it":
        if before.endswith("'"):
            return not _starts_with_vowel(word)
        if before in ITALIAN_BEFORE_CONSONANT:
            return _starts_with_vowel(word) or bool(_ITALIAN_S_CLUSTER.match(word))
        if before in ITALIAN_BEFORE_S_CLUSTER:
            return not (_starts_with_vowel(word) or _ITALIAN_S_CLUSTER.match(word))
        return False
    if language == "en":
        if before == "an":
            return word[:1] not in "aeiouh"
        if before == "a":
            return word[:1] in "ai"
    return False
