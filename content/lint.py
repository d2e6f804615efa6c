"""``b1engine content check``: every problem in the bank, one line each.

Each problem is printed as ``file:line: field: message``, the line taken from
the YAML node of the item, entry or field at fault (line 0: a problem of a
whole directory, such as a count below the required minimum). Checked:

- the schema (:mod:`content.schema`): types, missing and unknown fields,
  levels, ids; an accepted answer not among the options; a cloze prompt
  without exactly one gap ``___``; word orders that do not use every token;
- duplicate ids in the whole bank (authored and generated items);
- in vocabulary sets, a lemma not found by lemma in an example sentence, and
  the same lemma twice with the same part of speech;
- in a typed cloze with a ``lemma``, a first accepted answer that is not a
  form of it (partial credit for other forms would not work; the other
  answers may be synonyms);
- every word of every learner-facing text (prompt, passage, options, typed
  answers, instructions, feedback, example sentences) must be a known word
  of the language (:func:`content.nlp.is_known_word`: wordfreq, the lemma
  tables, or the language's ``allow.txt``). Numbers, times, punctuation,
  URLs and e-mail addresses are skipped. Names are *not* skipped, not even
  capitalised words inside a sentence: a misspelt word is often capitalised
  too, so a name wordfreq does not know goes into ``allow.txt`` on purpose
  (wordfreq knows common names such as *Ahmed* or *Bergen*). A Turkish name
  with a suffix after an apostrophe (*Tesfay'ın*) is judged by the name;
- on the whole bank: per language at least :data:`MIN_B1_ITEMS` B1-track
  items (counted as served: each reading question is one) and
  :data:`MIN_B1_PER_LEVEL` per level, and every trade with a vocabulary of
  at least :data:`MIN_TRADE_ENTRIES` entries;
- in vocabulary examples: the lemma used twice, an accepted text shown
  elsewhere in the sentence, distractors that are accepted, repeated, cased
  or inflected unlike the key, or cannot follow the word before the gap
  (:func:`content.generate.distractor_problems`);
- the blocker flaws of :mod:`content.audit` (answer leaks, a gloss holding its
  lemma, a capitalised option in a mid-sentence gap, a word-order alternative
  with a capital mid-sentence), located at the authored item's field or at the
  example or gloss a generated item comes from. A vocabulary set sent through
  the authoring API gets the example checks, not the gloss one: its gloss item
  is simply not made.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from content import nlp
from content.audit import KINDS, gap_flaws, item_flaws
from content.audit import gloss_flaws as entry_gloss_flaws
from content.bank import (Bank, Document, Parsed, bank_files, bank_items, directory_language, loc_text,
                          parse_document, read_document)
from content.errors import ContentError, format_problem
from content.generate import entry_ids, read_gaps, vocab_key
from content.notes import Note
from content.schema import Issue, Item, Level, Loc, Trade, VocabularySet
from engine.cefr import LEVELS

#: The languages the bank must hold, and the minimum counts per language.
REQUIRED_LANGUAGES = nlp.LANGUAGES
MIN_B1_ITEMS = 200
MIN_B1_PER_LEVEL = 40
MIN_TRADE_ENTRIES = 25
TRADES: tuple[str, ...] = get_args(Trade)
assert tuple(get_args(Level)) == LEVELS
#: The example number of a generated cloze id (``...-cloze-2``, ``...-choice-2``).
GENERATED_NUMBER = re.compile(r"-(?:cloze|choice)-(\d+)$")
#: The question number of a reading item's id (``...-q2``).
QUESTION_NUMBER = re.compile(r"-q(\d+)$")
#: Text fields of an authored item (and of a reading question) shown to learners.
ITEM_TEXT_FIELDS = ("instructions", "prompt", "passage", "feedback")


@dataclass(frozen=True)
class Finding:
    """One problem, located."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return format_problem(self.path, self.line, self.field, self.message)


def finding(document: Document, issue: Issue) -> Finding:
    return Finding(str(document.path), document.line(issue.loc), loc_text(issue.loc), issue.message)


# ---------------------------------------------------------------- words

def unknown_words(language: str, text: str, allowed: frozenset[str]) -> list[str]:
    """The words of ``text`` that are not known words of the language (in order, once each)."""
    out: list[str] = []
    for word in nlp.words(language, text):
        parts = [p for p in word.split("-") if p] if "-" in word else [word]
        known = nlp.is_known_word(language, word, allowed) or all(
            nlp.is_known_word(language, part, allowed) for part in parts)
        if not known and word not in out:
            out.append(word)
    return out


def text_issues(language: str, text: Any, loc: Loc, allowed: frozenset[str]) -> list[Issue]:
    if not isinstance(text, str) or not text.strip():
        return []
    return [Issue.of(loc, Note("unknown_word", {"word": word, "language": language}))
            for word in unknown_words(language, text, allowed)]


def _authored_texts(data: dict[str, Any]) -> Iterator[tuple[Loc, Any]]:
    """Every learner-facing text of a B1-track file, with its location."""
    for i, item in enumerate(data.get("items") or ()):
        if not isinstance(item, dict):
            continue
        yield from _texts_of(item, ("items", i))
        for q, question in enumerate(item.get("questions") or ()):
            if isinstance(question, dict):
                yield from _texts_of(question, ("items", i, "questions", q))


def _texts_of(part: dict[str, Any], loc: Loc) -> Iterator[tuple[Loc, Any]]:
    for name in ITEM_TEXT_FIELDS:
        yield loc + (name,), part.get(name)
    for k, option in enumerate(part.get("options") or ()):
        if isinstance(option, dict):
            yield loc + ("options", k, "text"), option.get("text")
    if part.get("type") == "cloze_typed":
        for k, answer in enumerate(part.get("answers") or ()):
            yield loc + ("answers", k), answer


# ---------------------------------------------------------------- per document

def vocabulary_issues(vocabulary_set: VocabularySet, allowed: frozenset[str]) -> list[Issue]:
    """Problems of a vocabulary set: lemma not found or found twice, unknown words, repeats,
    accepted texts shown elsewhere in their sentence, distractors that are accepted or not in the
    key's casing and form (:func:`content.audit.gap_flaws`)."""
    language = vocabulary_set.language
    issues: list[Issue] = []
    seen: dict[tuple[str, str], int] = {}
    stems = entry_ids(vocabulary_set)
    for i, entry in enumerate(vocabulary_set.entries):
        key = (nlp.casefold(language, entry.lemma), entry.pos)
        if key in seen:
            # The entry as the API counts them (from 1).
            issues.append(Issue.of(("entries", i, "lemma"), Note("entry_repeated", {
                "lemma": entry.lemma, "pos": entry.pos, "entry": seen[key] + 1})))
        seen.setdefault(key, i)
        issues += text_issues(language, entry.lemma, ("entries", i, "lemma"), allowed)
        for j, example in enumerate(entry.examples):
            loc = ("entries", i, "examples", j)
            if nlp.locate_form(language, example.text, entry.lemma) is None:
                issues.append(Issue.of(loc, Note("lemma_not_found", {"lemma": entry.lemma})))
            issues += text_issues(language, example.text, loc, allowed)
            for name in ("distractors", "accept"):
                for k, text in enumerate(getattr(example, name)):
                    issues += text_issues(language, text, loc + (name, k), allowed)
            issues += text_issues(language, example.cue, loc + ("cue",), allowed)
        for gap in read_gaps(vocabulary_set, i):
            issues += [Issue(flaw.loc, flaw.message, flaw.note)
                       for flaw in gap_flaws(vocabulary_set, i, stems[i], gap) if flaw.blocker]
    return issues


def gloss_issues(vocabulary_set: VocabularySet) -> list[Issue]:
    """Glosses that hold their lemma (the bank's check; an author's set only loses the gloss item)."""
    return [Issue(flaw.loc, flaw.message) for flaw in entry_gloss_flaws(vocabulary_set) if flaw.blocker]


def blocker_issues(parsed: Parsed, items: Iterable[Item]) -> list[Issue]:
    """The blocker flaws items show on their own (:func:`content.audit.item_flaws`), located."""
    context = {}
    if parsed.vocabulary_set is not None:
        vs = parsed.vocabulary_set
        lemmas = tuple(entry.lemma for entry in vs.entries)
        context = {vocab_key(vs, entry): (entry.pos, lemmas) for entry in vs.entries}
    issues = []
    for item in items:
        for flaw in item_flaws(item, *context.get(item.vocab_key or "", (None, ()))):
            if flaw.blocker:
                issues.append(Issue(_flaw_loc(parsed, item, flaw.loc), f"{KINDS[flaw.kind].title}: {flaw.message}"))
    return issues


def _flaw_loc(parsed: Parsed, item: Item, within: Loc) -> Loc:
    """Where to fix a flaw of ``item`` at ``within``: the authored item's field, or the example or
    gloss of the vocabulary entry a generated item comes from."""
    base = _id_loc(parsed, item)
    if parsed.vocabulary_set is not None:
        number = GENERATED_NUMBER.search(item.id)
        return base[:2] + (("examples", int(number.group(1)) - 1) if number else ("gloss",))
    if base[-1:] != ("id",):
        return base
    base = base[:-1]
    question = QUESTION_NUMBER.search(item.id)
    if question and item.type == "reading":
        base += ("questions", int(question.group(1)) - 1)
    return base + within


def authored_issues(parsed: Parsed, allowed: frozenset[str]) -> list[Issue]:
    """Lexical problems of a B1-track file: unknown words, typed answers not forms of the lemma."""
    data = parsed.document.data
    language = data.get("language")
    if language not in nlp.LANGUAGES:
        return []
    issues: list[Issue] = []
    for loc, text in _authored_texts(data):
        issues += text_issues(language, text, loc, allowed)
    specs = {spec.get("id"): i for i, spec in enumerate(data.get("items") or ()) if isinstance(spec, dict)}
    for item in parsed.items:
        if item.type == "cloze_typed" and item.lemma and item.id in specs:
            # The first answer is the form of the lemma; the others may be synonyms.
            answer = item.answers[0]
            if isinstance(answer, str) and " " not in answer.strip() and not nlp.is_form_of(
                    language, answer, item.lemma):
                issues.append(Issue(("items", specs[item.id], "answers", 0),
                                    f"'{answer}' is not a form of the lemma '{item.lemma}'"))
    return issues


def bank_root_of(path: Path) -> Path | None:
    """The bank root above ``path``: the parent of its ``<language>`` directory."""
    path = path.resolve()
    for parent in (path, *path.parents):
        if parent.name in nlp.LANGUAGES and parent.parent != parent:
            return parent.parent
        if parent.is_dir() and any((parent / lang).is_dir() for lang in nlp.LANGUAGES):
            return parent
    return None


@dataclass(frozen=True)
class Checked:
    """One checked document: its findings and the items it yields (for bank-wide checks)."""

    parsed: Parsed | None
    findings: tuple[Finding, ...]
    items: tuple[Item, ...]


def check_document(path: Path, root: Path | None) -> Checked:
    """Every problem in one file (schema, answers, words) and its items."""
    try:
        document = read_document(path)
    except ContentError as error:
        return Checked(None, (Finding(str(path), error.line or 0, error.field or "-", error.message),), ())
    parsed = parse_document(document, directory_language(path, root) if root else None)
    issues = list(parsed.issues)
    language = document.data.get("language") if isinstance(document.data, dict) else None
    allowed = nlp.allow_list(language, root) if language in nlp.LANGUAGES else frozenset()
    if parsed.vocabulary_set is not None:
        issues += vocabulary_issues(parsed.vocabulary_set, allowed)
        issues += gloss_issues(parsed.vocabulary_set)
    elif parsed.items or not parsed.issues:
        issues += authored_issues(parsed, allowed)
    items: list[Item] = []
    try:
        items = bank_items(parsed)
    except ValidationError as error:  # a generated item the schema refuses: a bug worth a line
        issues.append(Issue(("entries",), f"generated item invalid: {error}"))
    issues += blocker_issues(parsed, items)
    return Checked(parsed, tuple(finding(document, issue) for issue in issues), tuple(items))


# ---------------------------------------------------------------- bank-wide

def duplicate_findings(checked: Iterable[Checked]) -> list[Finding]:
    """An id used twice anywhere in the bank, reported at each file that holds it."""
    owners: dict[str, list[tuple[Checked, Item]]] = defaultdict(list)
    for result in checked:
        for item in result.items:
            owners[item.id].append((result, item))
    findings = []
    for item_id, holders in sorted(owners.items()):
        if len(holders) < 2:
            continue
        places = sorted({str(r.parsed.document.path) for r, _ in holders if r.parsed})
        for result, item in holders[:2] if len(places) == 1 else holders:
            assert result.parsed is not None
            document = result.parsed.document
            loc = _id_loc(result.parsed, item)
            findings.append(Finding(str(document.path), document.line(loc), loc_text(loc),
                                    f"duplicate id '{item_id}' (also in {', '.join(places)})"))
    return findings


def _id_loc(parsed: Parsed, item: Item) -> Loc:
    data = parsed.document.data
    if parsed.vocabulary_set is not None:
        stems = entry_ids(parsed.vocabulary_set)
        for i, stem in enumerate(stems):
            if item.id.startswith(stem + "-"):
                return ("entries", i, "lemma")
        return ("entries",)
    for i, spec in enumerate(data.get("items") or ()):
        if isinstance(spec, dict) and item.id in (spec.get("id"), *(
                f"{spec.get('id')}-q{n}" for n in range(1, len(spec.get("questions") or ()) + 1))):
            return ("items", i, "id")
    return ("items",)


def count_findings(checked: Iterable[Checked], root: Path) -> list[Finding]:
    """Counts below the required minimums, per language."""
    b1: dict[str, Counter[str]] = defaultdict(Counter)
    trades: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    trade_place: dict[tuple[str, str], tuple[str, int]] = {}
    for result in checked:
        if result.parsed is None:
            continue
        for item in result.items:
            if item.track == "b1":
                b1[item.language][item.cefr] += 1
        vs = result.parsed.vocabulary_set
        if vs is not None:
            trades[vs.language][vs.trade] += len(vs.entries)
            trade_place.setdefault((vs.language, vs.trade), (str(result.parsed.document.path),
                                                              result.parsed.document.line(("entries",))))
    findings = []
    for language in REQUIRED_LANGUAGES:
        where = str(root / language)
        total = sum(b1[language].values())
        if total < MIN_B1_ITEMS:
            findings.append(Finding(where, 0, "count", f"{total} B1-track items in '{language}', "
                                                       f"at least {MIN_B1_ITEMS} required"))
        for level in LEVELS:
            count = b1[language][level]
            if count < MIN_B1_PER_LEVEL:
                findings.append(Finding(where, 0, f"cefr.{level}",
                                        f"{count} B1-track items at {level} in '{language}', "
                                        f"at least {MIN_B1_PER_LEVEL} required"))
        for trade in TRADES:
            entries = trades[language].get(trade, 0)
            if entries < MIN_TRADE_ENTRIES:
                path, line = trade_place.get((language, trade), (str(root / language / "trade"), 0))
                findings.append(Finding(path, line, f"trade.{trade}",
                                        f"{entries} vocabulary entries for '{trade}' in '{language}', "
                                        f"at least {MIN_TRADE_ENTRIES} required"))
    return findings


def check(path: str | Path) -> list[Finding]:
    """Every problem under ``path`` (the bank, a language directory, or one file).

    Counts are checked when ``path`` is a whole bank (it holds language
    directories); duplicate ids are always checked against the whole bank
    ``path`` belongs to.
    """
    path = Path(path)
    if not path.exists():
        raise ContentError(path, "no such file or directory")
    root = bank_root_of(path)
    targets = bank_files(path)
    if not targets:
        raise ContentError(path, "no .yaml files to check")
    checked = [check_document(p, root) for p in targets]
    findings = [f for result in checked for f in result.findings]
    others: list[Checked] = []
    if root is not None:
        chosen = {p.resolve() for p in targets}
        others = [file_items(p, root) for p in bank_files(root) if p.resolve() not in chosen]
    findings += duplicate_findings(checked + others)
    if root is not None and path.resolve() == root.resolve():
        findings += count_findings(checked, root)
        findings += support_findings(root, checked)
    return findings


def file_items(path: Path, root: Path) -> Checked:
    """Another file's items, for duplicate ids (its own problems are not ours to report)."""
    try:
        parsed = parse_document(read_document(path), directory_language(path, root))
        return Checked(parsed, (), tuple(bank_items(parsed)) if not parsed.issues else ())
    except (ContentError, ValidationError):
        return Checked(None, (), ())


# ---------------------------------------------------------------- token shares

def bank_texts(path: str | Path) -> dict[str, list[str]]:
    """Every learner-facing text of the bank under ``path``, by language."""
    texts: dict[str, list[str]] = defaultdict(list)
    for file in bank_files(path):
        try:
            data = read_document(file).data
        except ContentError:
            continue
        if not isinstance(data, dict) or data.get("language") not in nlp.LANGUAGES:
            continue
        language = data["language"]
        if data.get("track") == "trade":
            for entry in data.get("entries") or ():
                if isinstance(entry, dict):
                    texts[language] += [e if isinstance(e, str) else e.get("text") for e in entry.get("examples") or ()
                                         if isinstance(e, str) or (isinstance(e, dict) and isinstance(e.get("text"), str))]
        else:
            texts[language] += [t for _, t in _authored_texts(data) if isinstance(t, str)]
    return texts


def token_shares(path: str | Path) -> dict[str, dict[str, float | int]]:
    """Per language: word tokens, the share wordfreq knows, the share the checker accepts."""
    out: dict[str, dict[str, float | int]] = {}
    for language, texts in sorted(bank_texts(path).items()):
        words = [w for text in texts for w in nlp.words(language, text)]
        in_wordfreq = sum(nlp.zipf(language, w) > 0 for w in words)
        accepted = sum(nlp.is_known_word(language, w) for w in words)
        total = len(words)
        out[language] = {"tokens": total,
                         "wordfreq_share": round(in_wordfreq / total, 4) if total else 0.0,
                         "known_share": round(accepted / total, 4) if total else 0.0}
    return out


# ---------------------------------------------------------------- support languages

def support_findings(root: Path, checked: Iterable[Checked]) -> list[Finding]:
    """The support-language and gloss files (:mod:`content.support`) against the bank.

    Always: a file that does not load, a gloss for an entry that does not exist, a gloss
    that is the word itself (or shows it), right-to-left text in a file that says ``ltr``
    (or the reverse). Unless the file is ``draft``: an entry without a gloss, an instruction
    without its translation, a level without its description.
    """
    from content.generate import gloss_shows
    from content.support import GLOSS_DIR, SUPPORT_DIR, read_glosses, read_support, script_direction

    findings: list[Finding] = []
    try:
        languages = read_support(root)
    except ContentError as error:
        return [Finding(error.path, error.line or 0, error.field or "-", error.message)]
    results = list(checked)
    sets = [r.parsed.vocabulary_set for r in results if r.parsed and r.parsed.vocabulary_set]
    shown = {language: sorted({i.instructions for r in results for i in r.items
                               if i.language == language and i.instructions})
             for language in REQUIRED_LANGUAGES}
    for code, known in sorted(languages.items()):
        path = root / SUPPORT_DIR / f"{code}.yaml"
        document = read_document(path)
        texts = [*known.levels.values(), *(t for by in known.instructions.values() for t in by.values())]
        direction = script_direction(" ".join(texts))
        if texts and direction != known.direction:
            findings.append(Finding(str(path), document.line(("direction",)), "direction",
                                    f"the texts are written {direction} but the file says '{known.direction}'"))
        if known.status == "draft":
            continue
        for level in LEVELS:
            if level not in known.levels:
                findings.append(Finding(str(path), document.line(("levels",)), f"levels.{level}",
                                        f"no description of {level} in '{code}'"))
        if not known.support:
            continue
        for target in REQUIRED_LANGUAGES:
            if target == code:
                continue
            missing = [text for text in shown[target] if known.instruction(target, text) is None]
            if missing:
                findings.append(Finding(str(path), document.line(("instructions",)), f"instructions.{target}",
                                        f"{len(missing)} instructions of '{target}' items not translated into "
                                        f"'{code}', e.g. \"{missing[0]}\" (or mark the file draft)"))
    for target in REQUIRED_LANGUAGES:
        try:
            tables = read_glosses(root, target)
        except ContentError as error:
            findings.append(Finding(error.path, error.line or 0, error.field or "-", error.message))
            continue
        entries = {(vs.trade, e.lemma): e for vs in sets if vs.language == target for e in vs.entries}
        for code, table in sorted(tables.items()):
            document = read_document(table.path)
            for (trade, lemma), gloss in sorted(table.by_entry.items()):
                loc: Loc = ("glosses", trade, lemma)
                entry = entries.get((trade, lemma))
                if entry is None:
                    findings.append(Finding(str(table.path), document.line(loc), loc_text(loc),
                                            f"no entry '{lemma}' in the '{trade}' set of '{target}'"))
                elif gloss_shows(target, gloss, [entry.lemma]):
                    findings.append(Finding(str(table.path), document.line(loc), loc_text(loc),
                                            f"the gloss '{gloss}' shows the word '{entry.lemma}' itself"))
            known = languages.get(code)
            if code != target and known is not None and script_direction(" ".join(table.by_entry.values())) \
                    != known.direction:
                findings.append(Finding(str(table.path), 0, "glosses",
                                        f"the glosses are not written {known.direction}, as '{code}' is"))
            if table.status == "draft":
                continue
            for (trade, lemma) in sorted(set(entries) - set(table.by_entry)):
                findings.append(Finding(str(table.path), document.line(("glosses",)), f"glosses.{trade}.{lemma}",
                                        f"no '{code}' gloss for '{lemma}' ({trade}); add one or mark the file draft"))
        for code, known in sorted(languages.items()):
            if known.support and known.status != "draft" and code not in (target, "en") and code not in tables:
                findings.append(Finding(str(root / target / GLOSS_DIR / f"{code}.yaml"), 0, "glosses",
                                        f"no '{code}' glosses of the '{target}' vocabulary (the support "
                                        f"language '{code}' is not draft)"))
    return findings


def support_counts(root: Path, bank: Bank) -> dict[str, dict[str, Any]]:
    """Per support language: its status, entries glossed and instructions translated per target
    (``bank``: the bank loaded from ``root``)."""
    from content.support import read_glosses, read_support

    entries = Counter(vs.language for vs in bank.vocabulary_sets for _ in vs.entries)
    shown = {language: {i.instructions for i in bank.items if i.language == language and i.instructions}
             for language in REQUIRED_LANGUAGES}
    tables = {target: read_glosses(root, target) for target in REQUIRED_LANGUAGES}
    counts: dict[str, dict[str, Any]] = {}
    for code, known in sorted(read_support(root).items()):
        row: dict[str, Any] = {"status": known.status, "support": known.support, "direction": known.direction,
                               "levels": len(known.levels), "targets": {}}
        for target in REQUIRED_LANGUAGES:
            table = tables[target].get(code)
            glossed = entries[target] if code == "en" else (len(table.by_entry) if table else 0)
            translated = len(shown[target]) if code == target else sum(
                known.instruction(target, text) is not None for text in shown[target])
            row["targets"][target] = {"entries": entries[target], "glossed": glossed,
                                      "gloss_status": "reviewed" if code == "en" else (table.status if table else None),
                                      "instructions": len(shown[target]), "translated": translated}
        counts[code] = row
    return counts
