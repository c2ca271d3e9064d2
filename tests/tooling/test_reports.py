"""Golden files of the grader's outputs (``results.json``, ``junit.xml``, ``grade.json``),
as exercism's test runner keeps a golden ``results.json`` per example.

One made-up grade covers every way an exercise can end: graded with passes, a failure
whose message carries control characters and a long tail, a hidden test, a task not
started; quarantined (undecodable); missing; a module that cannot be imported; a
crashed test process; a fully done exercise with a scan flag. The outputs are rendered
in English and compared byte for byte with ``tests/tooling/golden/``.

After an intended change of an output, rewrite the files and review the diff::

    KATA_GOLDEN=update .venv/bin/python -m pytest tests/tooling/test_reports.py
    git diff tests/tooling/golden/
"""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.core.outcomes import Outcome
from kata.grading import reports
from kata.grading.model import CRASHED, MISSING, QUARANTINED, CheckOutcome, ExerciseGrade, Grade
from tests.tooling.junit_schema import junit_problems

GOLDEN = ROOT / "tests" / "tooling" / "golden"
UPDATE = os.environ.get("KATA_GOLDEN") == "update"

FAILURE = (
    "init_normal: d1.kernel std 9.96702e-05, expected 0.01\x1b[31m\x07 (red, with a bell)\n"
    + "the rest of a long diagnosis. " * 60
)


def _tests(ex: catalogue.Exercise, task: catalogue.Task, *outcomes, hidden=(), message=""):
    return [
        CheckOutcome(
            id=f"tests/test_{ex.name}.py::test_{task.name}_{i}",
            hidden=i in hidden,
            outcome=o,
            message=message if o == Outcome.FAILED else "",
            seconds=0.125 * (i + 1),
        )
        for i, o in enumerate(outcomes)
    ]


def sample() -> Grade:
    """Every ending of an exercise, once (see the module's docstring)."""
    exs = catalogue.exercises()
    grades = {e.name: ExerciseGrade(e, module=f"{e.name}.py") for e in exs}
    first, second, third, fourth, fifth, sixth = exs[:6]
    g = grades[first.name]
    t = first.tasks
    g.tasks[t[0].name].tests = _tests(first, t[0], Outcome.PASSED, Outcome.PASSED)
    g.tasks[t[1].name].tests = _tests(
        first, t[1], Outcome.PASSED, Outcome.FAILED, Outcome.FAILED, hidden={2}, message=FAILURE
    )
    g.tasks[t[2].name].tests = _tests(first, t[2], Outcome.NOT_STARTED, Outcome.NOT_STARTED)
    for task in t[3:]:
        g.tasks[task.name].tests = _tests(first, task, Outcome.PASSED)
    grades[second.name].set_verdict(
        QUARANTINED, f"{second.name}.py:12: imports os (only keras, tensorflow, numpy, math)"
    )
    grades[third.name].module = ""
    grades[third.name].set_verdict(MISSING, f"no {third.name}.py in the submission")
    for task in fourth.tasks:
        grades[fourth.name].tasks[task.name].tests = _tests(
            fourth,
            task,
            Outcome.BROKEN,
            message="",
        )
    grades[fifth.name].set_verdict(CRASHED, "its test process died (signal 9) in are_tied")
    grades[sixth.name].flags = [f"{sixth.name}.py:3: a very long line (2000 characters)"]
    for task in sixth.tasks:
        grades[sixth.name].tasks[task.name].tests = _tests(sixth, task, Outcome.PASSED)
    return Grade(
        submission="submissions/alice",
        exercises=grades,
        seconds=12.34,
        sandbox="bubblewrap",
    )


def _rendered() -> dict[str, str]:
    result = sample()
    buf = io.BytesIO()
    reports.junit(result).write(buf, encoding="utf-8", xml_declaration=True)
    return {
        "results.json": json.dumps(reports.gradescope(result), indent=1, ensure_ascii=False) + "\n",
        "grade.json": json.dumps(reports.summary(result), indent=1, ensure_ascii=False) + "\n",
        "junit.xml": buf.getvalue().decode() + "\n",
    }


@pytest.mark.parametrize("name", ["results.json", "junit.xml", "grade.json"])
def test_output_matches_the_golden_file(name, monkeypatch):
    monkeypatch.setenv("KATA_LANG", "en")
    got = _rendered()[name]
    path = GOLDEN / name
    if UPDATE:
        path.write_text(got, encoding="utf-8")
        pytest.skip(f"rewrote {path.relative_to(ROOT)}: review its git diff")
    assert got == path.read_text(encoding="utf-8"), (
        f"{name} differs from {path.relative_to(ROOT)}; if the change is intended, "
        "run with KATA_GOLDEN=update and review the diff (see this module's docstring)"
    )


def test_the_golden_files_are_trusted_outputs():
    """What the golden files must show, so that rewriting them cannot bless a broken
    output: junit.xml is valid junit-10.xsd; no control character reaches any file;
    the hidden test's failure text does not show before the due date; the sample
    scores what its outcomes earn."""
    assert junit_problems(GOLDEN / "junit.xml") == []
    suites = ET.parse(GOLDEN / "junit.xml").getroot()
    for suite in suites:  # each case's time is its test's; a suite's, their sum
        times = [float(c.get("time")) for c in suite]
        assert float(suite.get("time")) == pytest.approx(sum(times), abs=1e-3)
    graded = sample().exercises[catalogue.exercises()[0].name]
    first = next(s for s in suites if s.get("name") == graded.exercise.name)
    want = [t.seconds for tg in graded.tasks.values() for t in tg.tests]
    assert [float(c.get("time")) for c in first] == want
    for name in ("results.json", "junit.xml", "grade.json"):
        text = (GOLDEN / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x07" not in text, name
        assert "\\u001b" not in text and "\\u0007" not in text, name
    results = json.loads((GOLDEN / "results.json").read_text(encoding="utf-8"))
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert all("(hidden tests)" not in t["name"] for t in visible)
    assert "hidden tests are graded too" in results["output"]
    grade = json.loads((GOLDEN / "grade.json").read_text(encoding="utf-8"))
    expected = sample()
    assert grade["score"] == pytest.approx(expected.score)
    assert results["score"] == pytest.approx(round(expected.score, 4))
    statuses = {name: e["status"] for name, e in grade["exercises"].items()}
    assert sorted(set(statuses.values())) == sorted(
        {"graded", str(QUARANTINED), str(MISSING), str(CRASHED)}
    )
