"""Fixtures shared by the tooling tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tooling.copies import make_copy


@pytest.fixture
def kata_copy(tmp_path: Path) -> Path:
    """A copy of the kata whose graded suite is ex01 only (fast), with .venv linked."""
    return make_copy(tmp_path)
