"""The loader of the learner's modules (kata.target)."""

from __future__ import annotations

import os
import sys

import pytest

from kata.core import target

NAME = "ex01_access_params"


def test_an_edit_of_the_same_size_in_the_same_second_is_seen(tmp_path, monkeypatch):
    """Python would reuse a cached .pyc here (same size, same mtime second)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / f"{NAME}.py"
    path.write_text("X = 1\n")
    stamp = path.stat().st_mtime_ns
    assert target.load(NAME, tmp_path).X == 1
    path.write_text("X = 2\n")
    os.utime(path, ns=(stamp, stamp))
    assert target.load(NAME, tmp_path).X == 2
    assert not (tmp_path / "__pycache__").exists(), "nothing is written beside the learner's files"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import math\n\ndef f(:\n    pass\n", f"{NAME}.py:3: SyntaxError: invalid syntax"),
        ("X = 1\nraise RuntimeError('boom')\n", f"{NAME}.py:2: RuntimeError while importing: boom"),
    ],
)
def test_a_module_that_fails_to_import_gives_one_line_with_its_line(tmp_path, source, reason):
    (tmp_path / f"{NAME}.py").write_text(source)
    with pytest.raises(target.LoadError) as info:
        target.load(NAME, tmp_path)
    assert str(info.value) == f"{tmp_path}/{reason}"
    assert f"kata_target_{NAME}" not in sys.modules


def test_a_missing_module_is_named(tmp_path):
    with pytest.raises(target.LoadError, match=f"{NAME}.py not found"):
        target.load(NAME, tmp_path)
