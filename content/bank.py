"""Loading the content bank: YAML files -> immutable items.

``load_bank(root)`` reads every ``*.yaml`` under ``root`` (``<language>/b1/``
theme files and ``<language>/trade/`` vocabulary sets), validates them,
expands each reading passage into one item per question (``<id>-q<n>``),
generates the trade items from the vocabulary sets (:mod:`content.generate`),
gives every item without calibrated parameters its prior
(:mod:`content.prior`), and refuses duplicate ids. The first problem stops
loading with a :class:`~content.errors.ContentError` naming file, line and
field; ``b1engine content check`` lists them all (:mod:`content.lint`).

YAML is read through composed nodes so every value keeps its line: the
checker and the errors point at the line to fix. Only ``true``/``false`` are
booleans (YAML 1.2): in YAML 1.1 an Italian option ``no`` or an English
``yes`` would silently become a boolean.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from content.catalog import BANK_ROOT
from content.errors import ContentError
from content.schema import (B1File, Issue, Item, ItemSpec, Loc, QuestionSpec, VocabularySet,
                            answer_problems, validation_issues)

BANK_SUFFIX = ".yaml"
#: Reading questions get ids ``<item id>-q<n>``, n from 1.
QUESTION_ID = "{item_id}-q{number}"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML with YAML 1.2 booleans (only true/false)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


# ---------------------------------------------------------------- documents

@dataclass(frozen=True)
class Document:
    """A parsed YAML file: its data, the line of every key/element, and YAML-level issues."""

    path: Path
    data: Any
    lines: Mapping[Loc, int]
    issues: tuple[Issue, ...] = ()

    def line(self, loc: Loc) -> int:
        """The line of ``loc`` or of its nearest located parent (1 for the whole file)."""
        for end in range(len(loc), -1, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return 1


def _map_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], issues: list[Issue]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = loc + (key,)
            if key in seen:
                lines.setdefault(child, key_node.start_mark.line + 1)
                issues.append(Issue(child, f"key '{key}' appears twice"))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _map_lines(value_node, child, lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, child_node in enumerate(node.value):
            lines[loc + (index,)] = child_node.start_mark.line + 1
            _map_lines(child_node, loc + (index,), lines, issues)


def parse_yaml(path: str | Path, text: str) -> Document:
    """A document from YAML text; malformed YAML is a :class:`ContentError` at its line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ContentError(path, f"not valid YAML: {getattr(error, 'problem', error)}",
                           line=mark.line + 1 if mark else None, field="yaml", code="file_yaml") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {(): 1}
    issues: list[Issue] = []
    if node is not None:
        _map_lines(node, (), lines, issues)
    return Document(Path(path), data, MappingProxyType(lines), tuple(issues))


def read_document(path: str | Path) -> Document:
    """Read and parse one YAML file (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(path, f"cannot read: {error}") from None
    return parse_yaml(path, text)


def loc_text(loc: Loc) -> str:
    """A location as a field name: ``items[3].options[1].id``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "-"


def bank_files(root: str | Path) -> list[Path]:
    """Every bank file under ``root`` (or ``root`` itself if it is a file), sorted: items and
    vocabulary sets, not the support-language and gloss files (:mod:`content.support`)."""
    from content.support import GLOSS_DIR, SUPPORT_DIR

    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob(f"*{BANK_SUFFIX}") if p.is_file()
                  and GLOSS_DIR not in p.relative_to(root).parts[:-1]
                  and p.relative_to(root).parts[0] != SUPPORT_DIR)


def with_glosses(vocabulary_set: VocabularySet, tables: Mapping[str, Any]) -> VocabularySet:
    """The set with each entry's glosses from the gloss files (:func:`content.support.read_glosses`)
    added to those it holds itself (its own win: an author's set says what it means)."""
    entries = []
    for entry in vocabulary_set.entries:
        found = {code: table.by_entry[(vocabulary_set.trade, entry.lemma)] for code, table in tables.items()
                 if (vocabulary_set.trade, entry.lemma) in table.by_entry}
        entries.append(entry.model_copy(update={"glosses": {**found, **entry.glosses}}) if found else entry)
    return vocabulary_set.model_copy(update={"entries": tuple(entries)})


# ---------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Parsed:
    """What one document holds: authored items (expanded, no prior yet) or a vocabulary set."""

    document: Document
    items: tuple[Item, ...] = ()
    vocabulary_set: VocabularySet | None = None
    issues: tuple[Issue, ...] = ()


def _item_fields(spec: ItemSpec | QuestionSpec) -> dict[str, Any]:
    fields = {}
    if spec.irt is not None:
        fields = spec.irt.model_dump()
    return fields


def expand_item(file: B1File, spec: ItemSpec, loc: Loc) -> tuple[list[Item], list[Issue]]:
    """The items of one authored spec (one per question for reading) and their issues."""
    base = {"language": file.language, "track": "b1", "theme": file.theme, "skill": spec.skill,
            "cefr": spec.cefr}
    if spec.type != "reading":
        parts = [(loc, {**base, "id": spec.id, "type": spec.type, "instructions": spec.instructions,
                        "prompt": spec.prompt, "options": spec.options, "answers": spec.answers,
                        "lemma": spec.lemma, "feedback": spec.feedback, "shape_letters": spec.shape_letters,
                        "family": spec.family, **_item_fields(spec)})]
    else:
        parts = [(loc + ("questions", number - 1),
                  {**base, "id": QUESTION_ID.format(item_id=spec.id, number=number), "type": "reading",
                   "passage": spec.passage, "instructions": question.instructions or spec.instructions,
                   "prompt": question.prompt, "options": question.options, "answers": question.answers,
                   "feedback": question.feedback or spec.feedback, "cefr": question.cefr or spec.cefr,
                   **_item_fields(spec), **_item_fields(question)})
                 for number, question in enumerate(spec.questions, start=1)]
    items: list[Item] = []
    issues: list[Issue] = []
    for part_loc, data in parts:
        found = answer_problems(data["type"], data.get("prompt"), data["options"], data["answers"],
                                data.get("passage"))
        # A passage problem belongs to the item, not to one of its questions.
        issues += [Issue((loc if name == "passage" else part_loc) + (name,), message)
                   for name, message in found]
        if found:
            continue
        try:
            items.append(Item.model_validate(data))
        except ValidationError as error:
            issues += validation_issues(error, part_loc)
    return items, issues


def parse_document(document: Document, language: str | None = None) -> Parsed:
    """Validate one document; ``language`` is the one its directory implies, if any."""
    data = document.data
    issues = list(document.issues)
    if not isinstance(data, dict):
        return Parsed(document, issues=(*issues, Issue((), "a bank file is a mapping with "
                                                           "language, track and items or entries")))
    if language is not None and data.get("language") not in (None, language):
        issues.append(Issue(("language",), f"'{data.get('language')}' in the directory of '{language}'"))
    if data.get("track") == "trade":
        try:
            vocabulary_set = VocabularySet.model_validate(data)
        except ValidationError as error:
            return Parsed(document, issues=(*issues, *validation_issues(error)))
        return Parsed(document, vocabulary_set=vocabulary_set, issues=tuple(issues))
    try:
        file = B1File.model_validate(data)
    except ValidationError as error:
        return Parsed(document, issues=(*issues, *validation_issues(error)))
    items: list[Item] = []
    for index, spec in enumerate(file.items):
        expanded, found = expand_item(file, spec, ("items", index))
        items += expanded
        issues += found
    return Parsed(document, items=tuple(items), issues=tuple(issues))


def directory_language(path: Path, root: Path) -> str | None:
    """The language a file's place implies: ``<root>/<language>/...``."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


def duplicate_ids(items: Iterable[Item]) -> list[str]:
    counts = Counter(item.id for item in items)
    return sorted(item_id for item_id, count in counts.items() if count > 1)


# ---------------------------------------------------------------- the bank

@dataclass(frozen=True)
class Bank:
    """The loaded bank: every item (authored and generated) and the vocabulary sets."""

    items: tuple[Item, ...]
    vocabulary_sets: tuple[VocabularySet, ...]
    by_id: Mapping[str, Item] = field(repr=False, compare=False)

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError if none)."""
        return self.by_id[item_id]

    def __len__(self) -> int:
        return len(self.items)


def make_bank(items: Iterable[Item], vocabulary_sets: Iterable[VocabularySet] = ()) -> Bank:
    items = tuple(items)
    return Bank(items, tuple(vocabulary_sets), MappingProxyType({i.id: i for i in items}))


def bank_items(parsed: Parsed) -> list[Item]:
    """A parsed document's items as served: authored with priors, or generated."""
    from content.generate import generate_items
    from content.prior import with_prior

    if parsed.vocabulary_set is not None:
        return generate_items(parsed.vocabulary_set)
    return [with_prior(item) for item in parsed.items]


def load_bank(root: str | Path = BANK_ROOT) -> Bank:
    """Load and validate the bank under ``root``; the first problem raises ContentError."""
    from content.support import read_glosses

    root = Path(root)
    files = bank_files(root)
    if not files:
        raise ContentError(root, f"no {BANK_SUFFIX} files in the bank")
    items: list[Item] = []
    sets: list[VocabularySet] = []
    tables: dict[str, Mapping[str, Any]] = {}
    for path in files:
        document = read_document(path)
        parsed = parse_document(document, directory_language(path, root))
        if parsed.issues:
            issue = parsed.issues[0]
            raise ContentError(path, issue.message, line=document.line(issue.loc),
                               field=loc_text(issue.loc))
        if parsed.vocabulary_set is not None:
            language = parsed.vocabulary_set.language
            if root.is_dir() and language not in tables:
                tables[language] = read_glosses(root, language)
            vocabulary_set = with_glosses(parsed.vocabulary_set, tables.get(language, {}))
            parsed = replace(parsed, vocabulary_set=vocabulary_set)
            sets.append(vocabulary_set)
        items += bank_items(parsed)
    duplicates = duplicate_ids(items)
    if duplicates:
        raise ContentError(root, f"duplicate item ids: {', '.join(duplicates[:20])}", field="id")
    return make_bank(items, sets)


@functools.cache
def default_bank() -> Bank:
    """The bundled bank, loaded once per process."""
    return load_bank(BANK_ROOT)
