"""The rooms and what each may import (docs/architecture.md), checked on every import statement."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports(package: str) -> list[tuple[str, str]]:
    """(file, imported top-level module or dotted name) for every import under ``package``."""
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((str(path.relative_to(ROOT)), node.module))
    return out


def top(name: str) -> str:
    return name.split(".")[0]


def test_engine_is_pure_numpy_and_scipy():
    bad = [(f, m) for f, m in imports("engine") if top(m) not in STDLIB | {"numpy", "scipy", "engine"}]
    assert bad == []


@pytest.mark.parametrize("package, forbidden", [
    ("calibration", {"content", "api", "fastapi", "sqlmodel", "sqlalchemy"}),
    ("content", {"api", "fastapi", "sqlmodel", "sqlalchemy"}),
])
def test_offline_packages_know_nothing_of_the_service(package, forbidden):
    assert [(f, m) for f, m in imports(package) if top(m) in forbidden] == []


def test_content_reaches_calibration_only_for_its_csv_reader():
    uses = {(f, m) for f, m in imports("content") if top(m) == "calibration"}
    assert uses <= {("content/cli.py", "calibration.io")}


def test_services_never_import_the_web_framework():
    assert [(f, m) for f, m in imports("api/services") if top(m) in {"fastapi", "starlette"}] == []


def test_the_engine_is_reached_through_one_adapter():
    users = {f for f, m in imports("api") if top(m) in {"engine", "calibration"}}
    # The adapter; the command line's error (engine.errors.InputError).
    assert users <= {"api/services/engine_adapter.py", "api/cli.py"}
