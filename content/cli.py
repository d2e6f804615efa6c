"""``b1engine content``: check, count, export and import the content bank.

- ``check [PATH]``: every problem, one ``file:line: field: message`` line
  each (:mod:`content.lint`); exit status 1 if there is any.
- ``stats [--json]``: item counts by language x track x trade/theme x level x
  skill x type, vocabulary entries per trade, and the share of word tokens
  wordfreq knows per language.
- ``audit [--json]``: per language, the item-writing flaws a machine can find
  (:mod:`content.audit`), with counts and item ids; exit status 0 (``check``
  is the gate: it fails on the blocker flaws).
- ``export --format jsonl``: every item, authored and generated, one JSON
  object a line, ``answers`` exactly as the service accepts them;
  ``--format bank-csv [--language xx] [--track b1|trade]``: the items'
  parameters as ``item_id,a,b,c,skill,type`` (the bank CSV of
  ``b1engine simulate-cat`` and ``track``), to simulate tests on the bundled bank.
- ``import FILE``: a vocabulary set (YAML, or CSV ``lemma,pos,gloss,example,cefr``
  with ``--language``, ``--trade``, ``--title``), checked like the bank and
  written into it as YAML. An existing file is never overwritten silently.

Heavy imports happen inside the commands so ``b1engine --help`` stays fast.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The CSV columns of an imported vocabulary set (one row per example sentence).
CSV_COLUMNS = ("lemma", "pos", "gloss", "example", "cefr")
EXPORT_FORMATS = ("jsonl", "bank-csv")
#: Columns of ``export --format bank-csv``.
BANK_CSV_COLUMNS = ("item_id", "a", "b", "c", "skill", "type")
EXIT_PROBLEMS = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("content", help="check, count, export and import the content bank",
                                   description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="content_command", required=True, metavar="ACTION")

    check = actions.add_parser("check", help="validate the bank (or one file); non-zero exit on problems")
    check.add_argument("path", nargs="?", default=None,
                       help="a bank directory or one YAML file (default: the bundled bank)")
    check.set_defaults(func=run_check)

    stats = actions.add_parser("stats", help="item counts and wordfreq coverage per language")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--bank", default=None, help="bank root (default: the bundled bank)")
    stats.set_defaults(func=run_stats)

    audit = actions.add_parser("audit", help="item-writing flaws per language, with counts and item ids")
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.add_argument("--bank", default=None, help="bank root (default: the bundled bank)")
    audit.set_defaults(func=run_audit)

    export = actions.add_parser("export", help="every item, one JSON object per line")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    export.add_argument("--bank", default=None, help="bank root (default: the bundled bank)")
    export.add_argument("--language", default=None, help="bank-csv: only this language")
    export.add_argument("--track", choices=("b1", "trade"), default=None, help="bank-csv: only this track")
    export.set_defaults(func=run_export)

    imported = actions.add_parser("import", help="check a vocabulary set (YAML or CSV) and add it to the bank")
    imported.add_argument("file", help="a vocabulary set: .yaml/.yml, or .csv with header "
                                       + ",".join(CSV_COLUMNS))
    imported.add_argument("--bank", default=None, help="bank root to write into (default: the bundled bank)")
    imported.add_argument("--language", help="language of a CSV set (nb, en, tr, it)")
    imported.add_argument("--trade", help="trade of a CSV set")
    imported.add_argument("--title", help="title of a CSV set")
    imported.add_argument("--replace", action="store_true",
                          help="overwrite the target file if it exists (default: refuse)")
    imported.set_defaults(func=run_import)


def _root(value: str | None) -> Path:
    from content.bank import BANK_ROOT

    return Path(value) if value else BANK_ROOT


# ---------------------------------------------------------------- check

def run_check(args: argparse.Namespace) -> int:
    from content.lint import check

    target = _root(args.path)
    findings = check(target)
    for found in findings:
        print(found)
    if findings:
        files = len({f.path for f in findings})
        print(f"{len(findings)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{target}: no problems", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- stats

def bank_stats(root: Path) -> dict[str, Any]:
    """Counts of the bank under ``root`` (see the module docstring)."""
    from content.bank import load_bank
    from content.lint import token_shares

    bank = load_bank(root)
    cells = Counter((i.language, i.track, i.trade or i.theme, i.cefr, i.skill, i.type) for i in bank.items)
    rows = [{"language": lang, "track": track, "trade": group if track == "trade" else None,
             "theme": group if track == "b1" else None, "cefr": cefr, "skill": skill, "type": kind,
             "count": count}
            for (lang, track, group, cefr, skill, kind), count in sorted(cells.items())]
    languages: dict[str, Any] = {}
    for item in bank.items:
        lang = languages.setdefault(item.language, {"items": 0, "b1": 0, "trade": 0,
                                                    "b1_by_level": Counter(), "trade_items": Counter(),
                                                    "trade_entries": Counter()})
        lang["items"] += 1
        lang[item.track] += 1
        if item.track == "b1":
            lang["b1_by_level"][item.cefr] += 1
        else:
            lang["trade_items"][item.trade] += 1
    for vocabulary_set in bank.vocabulary_sets:
        languages[vocabulary_set.language]["trade_entries"][vocabulary_set.trade] += len(
            vocabulary_set.entries)
    shares = token_shares(root)
    for name, lang in languages.items():
        for key in ("b1_by_level", "trade_items", "trade_entries"):
            lang[key] = dict(sorted(lang[key].items()))
        lang["tokens"] = shares.get(name, {})
    from content.lint import support_counts

    return {"total": len(bank.items), "languages": dict(sorted(languages.items())), "counts": rows,
            "support_languages": support_counts(root, bank)}


def run_stats(args: argparse.Namespace) -> int:
    stats = bank_stats(_root(args.bank))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    print(f"{stats['total']} items")
    for name, lang in stats["languages"].items():
        tokens = lang["tokens"]
        print(f"{name}: {lang['items']} items: B1 track {lang['b1']} "
              f"({', '.join(f'{k} {v}' for k, v in lang['b1_by_level'].items())}); "
              f"trade track {lang['trade']}")
        for trade, entries in lang["trade_entries"].items():
            print(f"  {trade}: {entries} entries, {lang['trade_items'].get(trade, 0)} items")
        if tokens:
            print(f"  {tokens['tokens']} word tokens: {tokens['wordfreq_share']:.1%} in wordfreq, "
                  f"{tokens['known_share']:.1%} known to the checker")
    print("support language (status): per target language, entries glossed and instructions translated")
    for code, row in stats["support_languages"].items():
        cells = "; ".join(f"{target} {t['glossed']}/{t['entries']} glossed"
                          + (f" ({t['gloss_status']})" if t["gloss_status"] else "")
                          + f", {t['translated']}/{t['instructions']} instructions"
                          for target, t in row["targets"].items())
        print(f"  {code} ({row['status']}{', learners may choose it' if row['support'] else ''}): {cells}; "
              f"{row['levels']}/4 level descriptions")
    print("language track trade/theme level skill type: count")
    for row in stats["counts"]:
        print(f"{row['language']} {row['track']} {row['trade'] or row['theme']} {row['cefr']} "
              f"{row['skill']} {row['type']}: {row['count']}")
    return 0


# ---------------------------------------------------------------- audit

def run_audit(args: argparse.Namespace) -> int:
    from content.audit import audit, report_lines

    report = audit(_root(args.bank))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for line in report_lines(report):
        print(line)
    return 0


# ---------------------------------------------------------------- export

def run_export(args: argparse.Namespace) -> int:
    from content.bank import load_bank

    items = load_bank(_root(args.bank)).items
    if args.format == "jsonl":
        for item in items:
            print(json.dumps(item.model_dump(mode="json"), ensure_ascii=False))
        return 0
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(BANK_CSV_COLUMNS)
    for item in items:
        if args.language in (None, item.language) and args.track in (None, item.track):
            writer.writerow([item.id, repr(item.a), repr(item.b), repr(item.c), item.skill, item.type])
    return 0


# ---------------------------------------------------------------- import

def read_csv_set(path: Path, language: str | None, trade: str | None, title: str | None) -> Any:
    """A vocabulary set from CSV rows (one per example), as a document whose lines are rows."""
    from types import MappingProxyType

    from content.bank import Document
    from content.errors import ContentError

    missing = [name for name, value in (("--language", language), ("--trade", trade),
                                        ("--title", title)) if not value]
    if missing:
        raise ContentError(path, f"a CSV vocabulary set needs {', '.join(missing)}")
    entries: list[dict[str, Any]] = []
    lines: dict[tuple, int] = {(): 1}
    index: dict[tuple[str, str], int] = {}
    for row_number, row in _content_rows(path):
        key = (row["lemma"], row["pos"])
        if key not in index:
            index[key] = len(entries)
            entries.append({"lemma": row["lemma"], "pos": row["pos"], "gloss": row["gloss"],
                            "cefr": row["cefr"], "examples": []})
            for name in ("lemma", "pos", "gloss", "cefr"):
                lines[("entries", index[key], name)] = row_number
            lines[("entries", index[key])] = row_number
        entry = entries[index[key]]
        for name in ("gloss", "cefr"):
            if row[name] != entry[name]:
                raise ContentError(path, f"'{row[name]}' differs from '{entry[name]}' given earlier for "
                                         f"'{row['lemma']}'", line=row_number, field=name, code="csv_differs")
        lines[("entries", index[key], "examples", len(entry["examples"]))] = row_number
        entry["examples"].append(row["example"])
    data = {"language": language, "track": "trade", "trade": trade, "title": title, "entries": entries}
    return Document(path, data, MappingProxyType(lines))


def _content_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The CSV set's rows; a malformed file is a :class:`ContentError` (with its code), as
    every problem of a content file is."""
    from calibration.io import read_rows
    from content.errors import ContentError
    from engine.errors import InputError

    try:
        yield from read_rows(path, CSV_COLUMNS)
    except InputError as error:
        raise ContentError(path, error.message, line=error.row, field=error.column, code=error.code) from None


def read_set_file(args: argparse.Namespace) -> Any:
    """The set as a document (its data, and the line of each location), from YAML or CSV."""
    from content.bank import read_document
    from content.errors import ContentError

    path = Path(args.file)
    if path.suffix.lower() == ".csv":
        return read_csv_set(path, args.language, args.trade, args.title)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ContentError(path, "a vocabulary set is a .yaml/.yml or a .csv file")
    document = read_document(path)
    data = document.data
    if not isinstance(data, dict):
        raise ContentError(path, "a vocabulary set is a mapping with language, trade, title, entries", line=1)
    for name in ("language", "trade", "title"):
        given = getattr(args, name)
        if given and data.get(name) not in (None, given):
            raise ContentError(path, f"--{name} {given} but the file says '{data.get(name)}'",
                               line=document.line((name,)), field=name)
        if given:
            data[name] = given
    data.setdefault("track", "trade")
    return document


def _example_yaml(example: Any) -> Any:
    """A plain sentence stays a string; one with distractors, accepted forms or a cue a mapping."""
    data = example.model_dump(mode="json", exclude_defaults=True)
    return example.text if set(data) == {"text"} else data


def _entry_yaml(entry: Any) -> dict[str, Any]:
    data = {"lemma": entry.lemma, "pos": entry.pos, "gloss": entry.gloss, "cefr": entry.cefr,
            "examples": [_example_yaml(x) for x in entry.examples]}
    if entry.near_synonyms:
        data["near_synonyms"] = list(entry.near_synonyms)
    return data


def set_yaml(vocabulary_set: Any) -> str:
    """A vocabulary set as bank YAML, in the order of ``docs/content-format.md``."""
    import yaml

    data = {"language": vocabulary_set.language, "track": "trade", "trade": vocabulary_set.trade,
            "title": vocabulary_set.title,
            "entries": [_entry_yaml(e) for e in vocabulary_set.entries]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def import_target(root: Path, vocabulary_set: Any, replace: bool) -> Path:
    """``<lang>/trade/<trade>.yaml``, or ``<trade>-<title>.yaml`` beside it if that exists."""
    from content.errors import ContentError
    from content.generate import slug

    folder = root / vocabulary_set.language / "trade"
    first = folder / f"{vocabulary_set.trade}.yaml"
    if replace or not first.exists():
        return first
    second = folder / f"{vocabulary_set.trade}-{slug(vocabulary_set.language, vocabulary_set.title)}.yaml"
    if not second.exists():
        return second
    raise ContentError(second, f"exists (as does {first.name}); use --replace to overwrite it")


def run_import(args: argparse.Namespace) -> int:
    from content.authoring import set_issues
    from content.bank import bank_files, loc_text
    from content.lint import file_items
    from content.errors import ContentError, format_problem
    from content.generate import generate_items
    from content.nlp import allow_list

    root = _root(args.bank)
    path = Path(args.file)
    document = read_set_file(args)
    data = document.data
    language = data.get("language")
    allowed = allow_list(language, root) if isinstance(language, str) and len(language) == 2 else None
    vocabulary_set, issues = set_issues(data, allowed)

    problems = [format_problem(path, document.line(issue.loc), loc_text(issue.loc), issue.message)
                for issue in issues]
    target = None
    if vocabulary_set is not None and not problems:
        target = import_target(root, vocabulary_set, args.replace)
        new_ids = {item.id for item in generate_items(vocabulary_set)}
        for other in bank_files(root):
            if target.exists() and other.resolve() == target.resolve():
                continue
            clashes = sorted(new_ids & {item.id for item in file_items(other, root).items})
            if clashes:
                problems.append(format_problem(path, 1, "entries",
                                               f"item ids already in {other}: {', '.join(clashes[:10])}"))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise ContentError(path, f"{len(problems)} problem(s); nothing written")
    assert target is not None and vocabulary_set is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(set_yaml(vocabulary_set), encoding="utf-8")
    print(f"wrote {target}: {len(vocabulary_set.entries)} entries, {len(new_ids)} items")
    return 0
