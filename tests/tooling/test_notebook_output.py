"""Tooling tests for what ``kata.check`` shows (issue 22, item 4): deduplicated as
``make test`` is — one diagnosis and at most one plot per failing task, the later
tests that fail the same way counted ("same in N more tests"), none of pytest-check's
"FAILURE:"/"Failed Checks: N" and no exception repeated. Run in this process, as
``test_ipynb``'s kata.check tests are."""

from __future__ import annotations

import re

import pytest

from kata import ROOT
from kata.core.outcomes import Outcome
from kata.dev.verify.variants import mutants
from kata.learner import notebook
from kata.testing import shaping


def namespace_of(source: str, cell: str = "<cells>") -> dict:
    """``source`` run as one notebook cell, its text in linecache as IPython keeps a
    cell's (kata.check runs the cells that defined the namespace again)."""
    import linecache

    namespace = {"__name__": "__main__"}
    linecache.cache[cell] = (len(source), None, source.splitlines(True), cell)
    exec(compile(source, cell, "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def variance_check():
    source = mutants("ex02_builtin_init")["init_normal_variance_as_std"][1]
    return notebook.check("ex02", "init_normal", namespace=namespace_of(source))


def test_one_diagnosis_and_one_plot_per_failing_task(variance_check):
    task = variance_check.task("init_normal")
    assert not task.passed
    failed = sum(o != Outcome.PASSED for o in task.outcomes)
    assert failed >= 3, task.counts
    assert len(task.failures) == 1, [f.text[:80] for f in task.failures]
    first = task.failures[0]
    assert first.same == failed - 1
    assert f"(same in {failed - 1} more tests)" in repr(variance_check)
    assert f"(same in {failed - 1} more tests)" in variance_check._repr_html_()
    assert "variance passed as the standard deviation" in first.text.splitlines()[0]
    assert sum(len(f.pictures) for f in task.failures) <= 1


def test_no_pytest_check_footer_or_prefix(variance_check):
    for shown in (repr(variance_check), variance_check._repr_html_()):
        assert "Failed Checks" not in shown and "FAILURE:" not in shown, shown


def test_an_exception_in_every_test_of_a_task_is_shown_once():
    source = mutants("ex02_builtin_init")["init_normal_variance_as_std"][1]
    namespace = namespace_of(source)

    namespace.update(
        namespace_of("def init_normal(net, mean=0.0, stddev=0.01):\n    return 1 / 0\n", "<cell 2>")
    )
    result = notebook.check("ex02", "init_normal", namespace=namespace)
    task = result.task("init_normal")
    assert not task.passed
    shown = repr(result)
    assert shown.count("ZeroDivisionError: division by zero\n") == 1, shown
    assert task.failures[0].same >= 1, shown
    assert not re.search(r"^\s*E ", shown, re.M) and "contextlib.py" not in shown, shown
    firsts = [shaping.signature(f.text.splitlines()[0]) for f in task.failures]
    assert len(firsts) == len(set(firsts)), "each mistake once"


def test_an_endless_loop_is_shown_with_its_cell_line(monkeypatch):
    """A test that times out in the learner's code: the time limit's reason and where in
    the cell the loop ran, as for any exception raised in the learner's code."""
    monkeypatch.setenv("KATA_TIMEOUT", "1")
    loop = "def build_mlp(hidden_units=256, outputs=10):\n    while True:\n        pass\n"
    result = notebook.check("ex01", "build_mlp", namespace=namespace_of(loop, "<cell 3>"))
    shown = repr(result)
    assert "timed out after 1 s" in shown, shown
    assert "raised in your `build_mlp`, line 2 of its cell: while True:" in shown, shown


def test_the_file_as_saved_is_judged_by_the_graders_rules(monkeypatch, tmp_path, capfd):
    """Under its table kata.check says why make test cannot load the exercise's file as
    saved (README: an exploration cell breaking the rules), cells tagged scratch left out;
    loading it prints nothing and stops at the time limit, as make test's load does."""
    name = "ex05_shared_params"
    answer = (ROOT / "solutions" / f"{name}.py").read_text()
    saved = tmp_path / f"{name}.py"
    monkeypatch.setenv("KATA_TARGET", str(tmp_path))
    namespace = namespace_of(answer)
    for cell, problem in (("# %%", "[guard: import]"), ('# %% tags=["scratch"]', "")):
        saved.write_text(f"{answer}\n\n{cell}\nimport subprocess\n", encoding="utf-8")
        result = notebook.check("ex05", "are_tied", namespace=namespace)
        assert result.passed, repr(result)
        assert problem in result.saved and bool(result.saved) == bool(problem), result.saved
        assert (problem in repr(result)) and (problem in result._repr_html_())
    monkeypatch.setenv("KATA_TIMEOUT", "1")
    saved.write_text(f"{answer}\nprint('EXPLORING')\nwhile True:\n    pass\n", encoding="utf-8")
    result = notebook.check("ex05", "are_tied", namespace=namespace)
    assert result and "still importing after the time limit" in result.saved, result.saved
    assert "EXPLORING" not in capfd.readouterr().out
