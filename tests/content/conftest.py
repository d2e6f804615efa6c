"""Fixtures for the content tests: small banks written to temporary directories."""
from __future__ import annotations

from pathlib import Path

import pytest

from content_helpers import GOOD_B1, GOOD_SET, write


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    """A valid two-file nb bank (no counts: too small for the whole-bank minimums)."""
    write(tmp_path, "nb/b1/work.yaml", GOOD_B1)
    write(tmp_path, "nb/trade/construction.yaml", GOOD_SET)
    return tmp_path
