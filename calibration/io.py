"""Reading and writing the CSV files the command line works on.

Every reader checks what it reads and raises :class:`InputError` naming the
file, the row (1-based, the header is row 1) and the column, so a user can
fix the file without guessing.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import InputError


def read_rows(path: str | Path, required: Sequence[str],
              optional: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row_number, row)`` for each data row of a CSV file.

    The header must contain every ``required`` column; other columns than
    ``required`` and ``optional`` are ignored. Empty cells in required columns
    are errors.
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InputError(path, f"cannot open: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        if not header:
            raise InputError(path, "empty file (no header)", row=1, code="csv_no_header")
        reader.fieldnames = header
        for column in required:
            if column not in header:
                raise InputError(path, f"missing column (header has: {', '.join(header)})",
                                 row=1, column=column, code="csv_column_missing")
        for row in reader:
            # The file's line (as an editor numbers it), past blank lines the reader skips; a
            # quoted cell over several lines: the line the row ends on.
            row_number = reader.line_num
            if None in row:
                raise InputError(path, "more cells than header columns", row=row_number, code="csv_extra_cells")
            for column in required:
                if row.get(column) is None or row[column].strip() == "":
                    raise InputError(path, "empty value", row=row_number, column=column, code="csv_empty_value")
            yield row_number, {k: (v.strip() if v is not None else "") for k, v in row.items()}


def parse_float(path: str | Path, row: int, column: str, text: str) -> float:
    """A finite float from a cell, or :class:`InputError`."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"not a number: {text!r}", row=row, column=column) from None
    if not math.isfinite(value):
        raise InputError(path, f"not a finite number: {text!r}", row=row, column=column)
    return value


def check_unique(path: str | Path, row: int, column: str, value: str, seen: set[str]) -> None:
    if value in seen:
        raise InputError(path, f"duplicate id {value!r}", row=row, column=column)
    seen.add(value)


@dataclass(frozen=True)
class Bank:
    """Dichotomous item parameters read from ``BANK.csv`` (``item_id,a,b,c``)."""

    item_id: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


def read_bank_csv(path: str | Path) -> Bank:
    """Read ``item_id,a,b[,c]``; ``a`` must be > 0 and ``c`` in [0, 1)."""
    ids: list[str] = []
    values: list[tuple[float, float, float]] = []
    seen: set[str] = set()
    has_c = None
    for row_number, row in read_rows(path, ("item_id", "a", "b"), ("c",)):
        if has_c is None:
            has_c = "c" in row
        check_unique(path, row_number, "item_id", row["item_id"], seen)
        a = parse_float(path, row_number, "a", row["a"])
        if a <= 0:
            raise InputError(path, f"discrimination must be > 0, got {a:g}", row=row_number, column="a")
        b = parse_float(path, row_number, "b", row["b"])
        c = 0.0
        if has_c and row.get("c", "") != "":
            c = parse_float(path, row_number, "c", row["c"])
            if not 0.0 <= c < 1.0:
                raise InputError(path, f"guessing must be in [0, 1), got {c:g}", row=row_number, column="c")
        ids.append(row["item_id"])
        values.append((a, b, c))
    if not ids:
        raise InputError(path, "no items", row=2)
    array = np.asarray(values, dtype=float)
    return Bank(tuple(ids), array[:, 0].copy(), array[:, 1].copy(), array[:, 2].copy())


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write rows under a header; floats keep full precision via ``repr``."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([repr(v) if isinstance(v, float) else v for v in row])


@dataclass(frozen=True)
class ResponseTable:
    """Responses read from ``RESPONSES.csv``, one entry per row.

    ``group`` holds each row's learner group ("" when the file has no
    ``group`` column or the cell is empty).
    """

    learner_id: np.ndarray
    item_id: np.ndarray
    score: np.ndarray
    group: np.ndarray


def read_responses_csv(path: str | Path, max_score: int | None = 1) -> ResponseTable:
    """Read ``learner_id,item_id,score[,timestamp,group]``.

    Scores are integers from 0 to ``max_score`` (any non-negative integer
    when ``max_score`` is None). A learner's group must be the same on all
    of their rows.
    """
    learners: list[str] = []
    items: list[str] = []
    scores: list[int] = []
    groups: list[str] = []
    group_of: dict[str, str] = {}
    for row_number, row in read_rows(path, ("learner_id", "item_id", "score"), ("timestamp", "group")):
        text = row["score"]
        if not text.isdigit() or (max_score is not None and int(text) > max_score):
            allowed = f"0..{max_score}" if max_score is not None else "a non-negative integer"
            raise InputError(path, f"score must be {allowed}, got {text!r}", row=row_number, column="score")
        group = row.get("group", "")
        if group_of.setdefault(row["learner_id"], group) != group:
            raise InputError(path, f"learner {row['learner_id']!r} is in group {group_of[row['learner_id']]!r} "
                                   f"on an earlier row, {group!r} here", row=row_number, column="group")
        learners.append(row["learner_id"])
        items.append(row["item_id"])
        scores.append(int(text))
        groups.append(group)
    if not learners:
        raise InputError(path, "no responses", row=2)
    return ResponseTable(np.asarray(learners), np.asarray(items), np.asarray(scores, dtype=np.int64),
                         np.asarray(groups))


def read_levels_csv(path: str | Path, levels: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Read authors' level tags ``item_id,level[,language]`` -> {item_id: (language, level)}."""
    tags: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()
    for row_number, row in read_rows(path, ("item_id", "level"), ("language",)):
        check_unique(path, row_number, "item_id", row["item_id"], seen)
        if row["level"] not in levels:
            raise InputError(path, f"level must be one of {', '.join(levels)}, got {row['level']!r}",
                             row=row_number, column="level")
        tags[row["item_id"]] = (row.get("language", "") or "all", row["level"])
    return tags
