"""``b1engine content audit``: the item-writing flaws a machine can find, per language.

Over the whole bank as generated (authored items and the items made from the
vocabulary sets), each flaw with its count and the ids of the items (or
vocabulary entries) that have it:

- ``key_longest``: choice items whose key is the uniquely longest option (by
  characters), as a share of the choice items: authored, generated and both
  (chance is one in the number of options; test-wise learners pick the longest);
- ``capital_mid_sentence``: a capitalised option in a gap inside a sentence
  (the key is not capitalised there: the odd capital rules the option out);
- ``option_case``: another casing mismatch with the key (a lower-case option
  where the key starts the sentence);
- ``option_form``: a generated cloze option whose form differs from the key's
  where the lookup tables can tell (:func:`content.morph.disagree`), or that
  cannot follow the word before the gap (*l'* + consonant);
- ``leak``: the answer (the key, an accepted text) elsewhere in the prompt, the
  passage or the instructions, a vocabulary example whose accepted text appears
  outside its gap;
- ``lemma_twice``: a vocabulary example using its lemma twice (no cloze is
  made from it: the second use would give the first away);
- ``gloss_leak``: a vocabulary entry's English gloss holding its lemma (no
  gloss item is made); ``gloss_cognate``: a gloss one edit from the lemma;
- ``distractor``: an author's distractor that is an accepted answer, is cased
  or inflected unlike the key, or cannot follow the word before the gap (the
  example then gets no choice item);
- ``twins``: a choice and a typed cloze on the same sentence that do not share
  a ``family`` (both could be served in one test);
- ``order_capital``: a word order whose accepted alternative puts the
  sentence's capitalised first word inside the sentence (*oggi Mia figlia*);
- ``typed_single``: a typed cloze accepting one text and giving no form cue (its gap's
  shape, a cue after the gap or an authored instruction);
- ``look_alike_option``: a gloss item served to readers who know one of its wrong options
  by its look (that option's entry names them in ``look_alike_for``): they rule it out
  without knowing the word asked (review 28); give the entry ``gloss_distractors``;
- ``no_typed``/``no_choice``: examples the generator made no typed or choice
  item from, and why (information, not a flaw of any item).

Flaws whose kind is a blocker (:data:`KINDS`) make ``b1engine content check``
fail, at the file, line and field to fix (:mod:`content.lint`).

The audit reads every file it can (a file with schema problems is listed and
left out) and needs the lemma tables, nothing slower: it runs in seconds.
"""
from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content import generate, morph, nlp, support
from content.bank import bank_files, bank_items, directory_language, parse_document, read_document
from content.errors import ContentError
from content.notes import Note
from content.schema import CHOICE_TYPES, GAP, Item, Loc, VocabularySet


@dataclass(frozen=True)
class Kind:
    """A kind of flaw: its name, whether ``content check`` fails on it, what it means."""

    name: str
    blocker: bool
    title: str


KINDS = {kind.name: kind for kind in (
    Kind("capital_mid_sentence", True, "capitalised option in a mid-sentence gap"),
    Kind("leak", True, "answer shown elsewhere in the item"),
    Kind("gloss_leak", True, "lemma in its English gloss"),
    Kind("lemma_twice", True, "example using its lemma twice"),
    Kind("distractor", True, "author's distractor accepted, or cased or inflected unlike the key"),
    Kind("order_capital", True, "word-order alternative with a capital mid-sentence"),
    Kind("option_case", False, "option cased unlike the key"),
    Kind("option_form", False, "generated option in another form than the key"),
    Kind("gloss_cognate", False, "gloss one edit from its lemma"),
    Kind("twins", False, "choice and typed cloze on one sentence without a family"),
    Kind("typed_single", False, "typed cloze with one accepted text and no form cue"),
    Kind("look_alike_option", False, "gloss item with an option its readers know by its look"),
    Kind("no_typed", False, "example without a typed cloze"),
    Kind("no_choice", False, "example without a choice cloze"),
)}
BLOCKERS = tuple(name for name, kind in KINDS.items() if kind.blocker)
#: spaCy's case-sensitive English word probabilities (``spacy-lookups-data``).
ENGLISH_PROBABILITIES = "en_lexeme_prob"
#: English words always written with a capital (they are no sentence capital).
ALWAYS_CAPITAL = {"en": re.compile(r"^I(?:'[a-z]+)?$")}
#: Shorter answers (*i, er, a, di*) are function words any sentence may repeat: no leak.
LEAK_MIN_LETTERS = 3
#: How many ids the text report lists per flaw.
SHOWN_IDS = 12
_CUE_AFTER_GAP = re.compile(r"_{3,}\s*\(")


@dataclass(frozen=True)
class Flaw:
    """One flaw of an item or of a vocabulary entry.

    ``subject`` is the item id (or the entry's id stem, ``<lang>-<trade>-<lemma>``);
    ``loc`` where to fix it: in the item (``("options", 2, "text")``) or, for a
    vocabulary set, in the set (``("entries", 3, "examples", 0)``).
    """

    kind: str
    subject: str
    message: str
    loc: Loc = ()
    #: The problem in parts (:mod:`content.notes`) for a flaw an author is told of; ``message``
    #: is then its English sentence.
    note: Note | None = None

    @classmethod
    def of(cls, kind: str, subject: str, loc: Loc, note: Note) -> Flaw:
        return cls(kind, subject, note.text, loc, note)

    @property
    def blocker(self) -> bool:
        return KINDS[self.kind].blocker


# ---------------------------------------------------------------- items

def option_texts(item: Item) -> dict[str, str]:
    return {option.id: option.text for option in item.options}


def key_text(item: Item) -> str | None:
    """The text of a choice item's (single) key."""
    texts = option_texts(item)
    keys = [texts[answer] for answer in item.answers if isinstance(answer, str) and answer in texts]
    return keys[0] if len(keys) == 1 else None


def is_key_longest(item: Item) -> bool:
    """The key is longer (in characters) than every other option."""
    key = key_text(item)
    others = [o.text for o in item.options if o.id not in item.answers]
    return key is not None and bool(others) and len(key) > max(len(text) for text in others)


def _always_capital(language: str, text: str) -> bool:
    pattern = ALWAYS_CAPITAL.get(language)
    return bool(pattern and pattern.match(text.split(" ")[0]))


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


def case_flaws(item: Item) -> list[Flaw]:
    """Options of a cloze gap cased unlike its key (see the module doc)."""
    key = key_text(item)
    gap = GAP.search(item.prompt or "")
    if item.type != "cloze_choice" or key is None or gap is None:
        return []
    mid_sentence = not nlp.starts_sentence(item.prompt or "", gap.start())
    flaws = []
    for k, option in enumerate(item.options):
        if option.text == key or _always_capital(item.language, option.text):
            continue
        if _capitalised(option.text) and not _capitalised(key) and mid_sentence:
            flaws.append(Flaw("capital_mid_sentence", item.id,
                              f"'{option.text}' is capitalised inside the sentence (the key '{key}' is not)",
                              ("options", k, "text")))
        elif _capitalised(option.text) != _capitalised(key):
            flaws.append(Flaw("option_case", item.id, f"'{option.text}' is not cased like the key '{key}'",
                              ("options", k, "text")))
    return flaws


def form_flaws(item: Item, pos: str | None, lemmas: tuple[str, ...] = ()) -> list[Flaw]:
    """Options of a generated cloze in another form than the key, where the tables can tell
    (``lemmas``: the lemmas of its vocabulary set, which an option may be a form of)."""
    key = key_text(item)
    gap = GAP.search(item.prompt or "")
    if item.type != "cloze_choice" or key is None or gap is None or not item.lemma or pos is None:
        return []
    before = generate.word_before(item.language, item.prompt or "", gap.start())
    flaws = []
    for k, option in enumerate(item.options):
        if option.text == key:
            continue
        if morph.disagree(item.language, pos, item.lemma, key, option.text, lemmas):
            flaws.append(Flaw("option_form", item.id, f"'{option.text}' is not in the form of the key '{key}'",
                              ("options", k, "text")))
        elif morph.article_clash(item.language, pos, before, option.text):
            flaws.append(Flaw("option_form", item.id, f"'{option.text}' cannot follow '{before}'",
                              ("options", k, "text")))
    return flaws


def accepted_texts(item: Item) -> list[tuple[Loc, str]]:
    """What a cloze accepts, located: a typed cloze's answers, a choice cloze's key."""
    if item.type == "cloze_typed":
        return [(("answers", k), text) for k, text in enumerate(item.answers) if isinstance(text, str)]
    if item.type == "cloze_choice":
        texts = option_texts(item)
        return [(("options", k, "text"), o.text) for k, o in enumerate(item.options)
                if o.id in item.answers and o.id in texts]
    return []


def leak_flaws(item: Item) -> list[Flaw]:
    """A cloze's answer elsewhere in its prompt, passage or instructions."""
    flaws: list[Flaw] = []
    prompt = item.prompt or ""
    gap = GAP.search(prompt)
    if gap is None:
        return flaws
    for loc, text in accepted_texts(item):
        if sum(ch.isalpha() for ch in text) < LEAK_MIN_LETTERS:
            continue
        for name, shown, span in (("prompt", prompt, (gap.start(), gap.end())),
                                  ("passage", item.passage or "", (0, 0)),
                                  ("instructions", item.instructions or "", (0, 0))):
            if shown and generate.occurs_outside(item.language, shown, span, text):
                flaws.append(Flaw("leak", item.id, f"the answer '{text}' appears in the {name}", (name,)))
                break
    return flaws


def order_flaws(item: Item) -> list[Flaw]:
    """Accepted word orders that put the first word's sentence capital inside the sentence."""
    if item.type != "word_order" or not item.answers or isinstance(item.answers[0], str):
        return []
    texts = option_texts(item)
    first = item.answers[0][0] if item.answers[0] else None
    token = texts.get(first or "", "")
    if not _capitalised(token) or _always_capital(item.language, token) or not _common_word(item.language, token):
        return []
    flaws = []
    for k, order in enumerate(item.answers):
        if not isinstance(order, str) and first in order and order.index(first) > 0:
            flaws.append(Flaw("order_capital", item.id,
                              f"accepted order {k + 1} has '{token}' inside the sentence: write the token "
                              "in lower case (the client capitalises the first word; a name: add it to "
                              f"{item.language}/allow.txt)", ("answers", k)))
    return flaws


def _common_word(language: str, token: str) -> bool:
    """A capitalised token that is a common word in lower case, not a name: its capital is the
    sentence's. Names: a Turkish word with a suffix after an apostrophe (*Aksaray'da*), a word in
    the language's ``allow.txt``, in English a word more frequent capitalised than not (spaCy's
    case-sensitive English word probabilities: *John*, *London*, but *my*, *today*); otherwise a
    word the lemma tables know is a common word."""
    word = nlp.normalise(language, token.split(" ")[0])
    if not word or (language == "tr" and "'" in word) or word in nlp.allow_list(language):
        return False
    if language == "en":
        probabilities = _english_probabilities()
        lower, title = probabilities.get(word), probabilities.get(word[:1].upper() + word[1:])
        if lower is not None or title is not None:
            return (lower if lower is not None else -math.inf) > (title if title is not None else -math.inf)
    return bool(nlp.lemmas(language, word))


@functools.cache
def _english_probabilities() -> dict[str, float]:
    """spaCy's English word log-probabilities, case-sensitive (read once, on first need)."""
    return nlp._read_table(ENGLISH_PROBABILITIES)


def has_form_cue(item: Item) -> bool:
    """A typed cloze that says which form it wants: a gap showing the answer's shape, a cue after
    the gap, or an authored instruction."""
    return (item.shape is not None or bool(_CUE_AFTER_GAP.search(item.prompt or ""))
            or (item.vocab_key is None and bool(item.instructions)))


def typed_flaws(item: Item) -> list[Flaw]:
    if item.type != "cloze_typed":
        return []
    accepted = {nlp.normalise_answer(item.language, text) for text in item.answers if isinstance(text, str)}
    if len(accepted) == 1 and not has_form_cue(item):
        return [Flaw("typed_single", item.id, "one accepted text, no form cue", ("answers",))]
    return []


def item_flaws(item: Item, pos: str | None = None, lemmas: tuple[str, ...] = ()) -> list[Flaw]:
    """Every flaw one item shows on its own (``pos``: its vocabulary entry's part of speech,
    ``lemmas``: its set's)."""
    return [*case_flaws(item), *form_flaws(item, pos, lemmas), *leak_flaws(item), *order_flaws(item),
            *typed_flaws(item)]


def _twin_prompt(item: Item) -> str:
    prompt = re.sub(r"(_{3,})\s*\([^)]*\)", r"\1", item.prompt or "")
    return nlp.normalise(item.language, prompt)


def twin_flaws(items: Iterable[Item]) -> list[Flaw]:
    """Typed and choice clozes on one sentence that do not share a family."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.type in ("cloze_typed", "cloze_choice"):
            groups[(item.language, _twin_prompt(item))].append(item)
    flaws = []
    for group in groups.values():
        kinds = {item.type for item in group}
        families = {item.family for item in group}
        if len(kinds) == 2 and (len(families) > 1 or None in families):
            ids = ", ".join(sorted(item.id for item in group))
            flaws += [Flaw("twins", item.id, f"one sentence, no shared family ({ids})") for item in group]
    return flaws


# ---------------------------------------------------------------- vocabulary sets

def gloss_flaws(vocabulary_set: VocabularySet) -> list[Flaw]:
    """Glosses that hold their lemma, or are a cognate of it (no gloss item is made from either)."""
    language = vocabulary_set.language
    flaws: list[Flaw] = []
    for index, (entry, stem) in enumerate(zip(vocabulary_set.entries, generate.entry_ids(vocabulary_set))):
        loc = ("entries", index, "gloss")
        if generate.gloss_contains(language, entry.gloss, entry.lemma):
            flaws.append(Flaw("gloss_leak", stem, f"the gloss '{entry.gloss}' holds the lemma '{entry.lemma}': "
                                                  "write a short English paraphrase", loc))
        elif generate.is_cognate(language, entry.gloss, entry.lemma):
            flaws.append(Flaw("gloss_cognate", stem, f"the gloss '{entry.gloss}' is a cognate of "
                                                     f"'{entry.lemma}' (no gloss item)", loc))
    return flaws


def entry_flaws(vocabulary_set: VocabularySet) -> list[Flaw]:
    """Flaws of the entries of a set, located in the set (see the module doc)."""
    flaws = gloss_flaws(vocabulary_set)
    for index, stem in enumerate(generate.entry_ids(vocabulary_set)):
        for gap in generate.read_gaps(vocabulary_set, index):
            flaws += gap_flaws(vocabulary_set, index, stem, gap)
    return flaws


def gap_flaws(vocabulary_set: VocabularySet, index: int, stem: str, gap: generate.Gap) -> list[Flaw]:
    """What stops one example from making its clozes, located at the example."""
    language = vocabulary_set.language
    loc: Loc = ("entries", index, "examples", gap.number - 1)
    subject = f"{stem}-{gap.number}"
    if gap.span is None:
        return []  # the checker reports a lemma it cannot find
    if gap.problem:
        return [Flaw.of("lemma_twice", subject, loc, gap.problem)]
    flaws = []
    for text in gap.example.accept:
        if generate.occurs_outside(language, gap.example.text, gap.span, text):
            flaws.append(Flaw.of("leak", subject, loc + ("accept",), Note("accept_elsewhere", {"text": text})))
    before = generate.word_before(language, gap.example.text, gap.span[0])
    for k, note in generate.distractor_problems(vocabulary_set, index, gap.example, gap.form, before):
        flaws.append(Flaw.of("distractor", subject,
                             loc + (("distractors", k) if k is not None else ("distractors",)), note))
    for reason in gap.skipped:
        kind, _, why = reason.partition(": ")
        if kind == "typed" and not any(f.kind == "leak" for f in flaws):
            flaws.append(Flaw("no_typed", subject, why, loc))
        elif kind == "choice" and not gap.example.distractors:
            flaws.append(Flaw("no_choice", subject, why, loc))
    return flaws


# ---------------------------------------------------------------- the bank

@dataclass(frozen=True)
class Audited:
    """What the audit read: the items, the vocabulary sets, and files it had to leave out."""

    items: tuple[Item, ...]
    vocabulary_sets: tuple[VocabularySet, ...]
    unreadable: tuple[str, ...]


def read_bank(root: str | Path) -> Audited:
    """Every item and set under ``root``; files with problems are named, not read."""
    root = Path(root)
    items: list[Item] = []
    sets: list[VocabularySet] = []
    unreadable: list[str] = []
    for path in bank_files(root):
        try:
            parsed = parse_document(read_document(path), directory_language(path, root))
            if parsed.issues:
                raise ContentError(path, parsed.issues[0].message)
            items += bank_items(parsed)
        except (ContentError, ValueError):
            unreadable.append(str(path))
            continue
        if parsed.vocabulary_set is not None:
            sets.append(parsed.vocabulary_set)
    return Audited(tuple(items), tuple(sets), tuple(unreadable))


def entry_context(vocabulary_sets: Iterable[VocabularySet]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each vocabulary entry's part of speech and its set's lemmas, by its ``vocab_key``."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for vs in vocabulary_sets:
        lemmas = tuple(entry.lemma for entry in vs.entries)
        out.update({generate.vocab_key(vs, entry): (entry.pos, lemmas) for entry in vs.entries})
    return out


def look_alike_option_flaws(items: Iterable[Item]) -> list[Flaw]:
    """Gloss items served to readers who know a wrong option by its look (see the module doc)."""
    gloss_items = [i for i in items if i.is_gloss]
    marked = {(i.language, i.trade, nlp.casefold(i.language, key_text(i) or "")): i.withheld_for
              for i in gloss_items}
    flaws = []
    for item in gloss_items:
        for option in item.options:
            if option.id in item.answers:
                continue
            readers = [code for code in marked.get((item.language, item.trade,
                                                     nlp.casefold(item.language, option.text)), ())
                       if support.servable(item, code)]
            if readers:
                flaws.append(Flaw("look_alike_option", item.id, f"'{option.text}' looks like a word of "
                                  f"the readers of {', '.join(readers)}, who are served this item"))
    return flaws


def bank_flaws(audited: Audited) -> list[Flaw]:
    """Every flaw of the items and sets read."""
    context = entry_context(audited.vocabulary_sets)
    flaws = [flaw for item in audited.items
             for flaw in item_flaws(item, *context.get(item.vocab_key or "", (None, ())))]
    flaws += twin_flaws(audited.items)
    flaws += look_alike_option_flaws(audited.items)
    flaws += [flaw for vs in audited.vocabulary_sets for flaw in entry_flaws(vs)]
    return flaws


def _share(flagged: int, total: int) -> dict[str, Any]:
    return {"items": total, "key_longest": flagged, "share": round(flagged / total, 4) if total else 0.0}


def key_longest_report(items: list[Item]) -> dict[str, Any]:
    """The key-uniquely-longest share among choice items: authored, generated, all."""
    choice = [item for item in items if item.type in CHOICE_TYPES and item.options]
    authored = [item for item in choice if item.vocab_key is None]
    generated = [item for item in choice if item.vocab_key is not None]
    longest = {item.id for item in choice if is_key_longest(item)}
    return {"authored": _share(sum(i.id in longest for i in authored), len(authored)),
            "generated": _share(sum(i.id in longest for i in generated), len(generated)),
            "all": _share(len(longest), len(choice)),
            "ids": {"authored": sorted(i.id for i in authored if i.id in longest),
                    "generated": sorted(i.id for i in generated if i.id in longest)}}


def _language_of(flaw: Flaw) -> str:
    return flaw.subject.split("-", 1)[0]


def audit(root: str | Path) -> dict[str, Any]:
    """The audit report of the bank under ``root`` (see the module doc), JSON-ready."""
    audited = read_bank(root)
    flaws = bank_flaws(audited)
    languages: dict[str, Any] = {}
    for language in nlp.LANGUAGES:
        items = [item for item in audited.items if item.language == language]
        mine = [flaw for flaw in flaws if _language_of(flaw) == language]
        by_kind: dict[str, Any] = {}
        for name, kind in KINDS.items():
            found = [flaw for flaw in mine if flaw.kind == name]
            by_kind[name] = {"blocker": kind.blocker, "title": kind.title,
                             "count": len({flaw.subject for flaw in found}),
                             "ids": sorted({flaw.subject for flaw in found}),
                             "details": [f"{flaw.subject}: {flaw.message}" for flaw in found]}
        languages[language] = {
            "items": len(items),
            "authored": sum(item.vocab_key is None for item in items),
            "generated": sum(item.vocab_key is not None for item in items),
            "key_longest": key_longest_report(items),
            "flaws": by_kind,
            "blockers": sum(by_kind[name]["count"] for name in BLOCKERS),
        }
    return {"root": str(root), "unreadable": list(audited.unreadable), "languages": languages,
            "blockers": sum(lang["blockers"] for lang in languages.values())}


def _ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" … (+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")


def report_lines(report: dict[str, Any]) -> Iterator[str]:
    """The report as text: per language the key-longest shares and every flaw with ids."""
    for path in report["unreadable"]:
        yield f"not audited (fix it first: b1engine content check {path}): {path}"
    for language, lang in report["languages"].items():
        yield (f"{language}: {lang['items']} items ({lang['authored']} authored, {lang['generated']} generated), "
               f"{lang['blockers']} with blocker flaws")
        for half in ("authored", "generated", "all"):
            share = lang["key_longest"][half]
            yield (f"  key uniquely longest, {half}: {share['key_longest']} of {share['items']} choice items "
                   f"({share['share']:.0%})")
        for name, flaw in lang["flaws"].items():
            if flaw["count"]:
                mark = "BLOCKER " if flaw["blocker"] else ""
                yield f"  {mark}{name} ({flaw['title']}): {flaw['count']}: {_ids(flaw['ids'])}"
    yield f"blocker flaws in all: {report['blockers']}"
