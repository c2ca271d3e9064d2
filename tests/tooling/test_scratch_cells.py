"""Tooling tests for scratch cells (issue 22, item 5): a notebook cell tagged "scratch"
(jupytext writes ``# %% tags=["scratch"]`` into the ``.py``; an ``.ipynb`` keeps the
tag in the cell's metadata) is the learner's exploration, left out of grading by the
loader of both; every other line keeps its number."""

from __future__ import annotations

import json

import pytest

from kata.core import ipynb, target

SOURCE = """\
# %%
import keras


# %% tags=["scratch"]
import time

def explore():
    return time.time()
raise SystemExit("a scratch cell must not run")

# %%
def answer():
    return 42
"""


def loaded(name: str, directory):
    """``target.load``; its LoadError as a plain failure (the kata's plugin would report
    a LoadError as "cannot import", not as a failed test)."""
    try:
        return target.load(name, directory)
    except target.LoadError as exc:
        raise AssertionError(f"did not load: {exc}") from None


def test_drop_scratch_blanks_the_tagged_cell_and_keeps_line_numbers():
    kept, notes = ipynb.drop_scratch(SOURCE)
    assert len(kept.splitlines()) == len(SOURCE.splitlines())
    assert "import time" not in kept and "SystemExit" not in kept
    old, new = SOURCE.splitlines(), kept.splitlines()
    line = old.index("def answer():")
    assert new[line] == "def answer():", "the graded cells keep their line numbers"
    assert [n for n in notes if "line 5" in n and "scratch" in n], notes
    assert ipynb.drop_scratch("# %%\nx = 1\n") == ("# %%\nx = 1\n", [])


def test_the_loader_leaves_a_scratch_cell_of_a_py_out(tmp_path):
    (tmp_path / "ex01_access_params.py").write_text(SOURCE + "1 / 0\n", encoding="utf-8")
    with pytest.raises(AssertionError) as info:
        loaded("ex01_access_params", tmp_path)
    line = len(SOURCE.splitlines()) + 1
    assert f".py:{line}: ZeroDivisionError" in str(info.value), "the file's own line number"
    (tmp_path / "ex01_access_params.py").write_text(SOURCE, encoding="utf-8")
    module = loaded("ex01_access_params", tmp_path)
    assert module.answer() == 42 and not hasattr(module, "explore")
    assert any("scratch" in n for n in target.NOTES["ex01_access_params"])


def test_the_loader_leaves_a_scratch_cell_of_a_notebook_out(tmp_path):
    def cell(source, tags=()):
        meta = {"tags": list(tags)} if tags else {}
        return {"cell_type": "code", "metadata": meta, "source": source, "outputs": []}

    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            cell("import keras"),
            cell("import time\nraise SystemExit('scratch')", tags=["scratch"]),
            cell("def answer():\n    return 42"),
        ],
    }
    (tmp_path / "ex01_access_params.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    module = loaded("ex01_access_params", tmp_path)
    assert module.answer() == 42
    assert any("cell 2" in n and "scratch" in n for n in target.NOTES["ex01_access_params"])
