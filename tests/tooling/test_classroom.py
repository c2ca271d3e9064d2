"""Tooling tests of the GitHub Classroom export (``kata classroom``)."""

from __future__ import annotations

import json

from kata import ROOT
from kata.core import catalogue, outcomes
from kata.learner import classroom

GOLDEN = ROOT / "tests" / "tooling" / "golden" / "classroom.json"


def sample() -> dict:
    """Task 1 done, task 2 half done, task 3 not started; the rest never ran."""
    res = outcomes.empty()
    ex = catalogue.exercises()[0]
    t1, t2, t3 = ex.tasks[:3]
    outcomes.record(res, ex.name, t1.name, "passed")
    for o in ("passed", "failed"):
        outcomes.record(res, ex.name, t2.name, o)
    outcomes.record(res, ex.name, t3.name, "not started")
    return res


def test_payload_matches_the_golden_file():
    """The reporter's runner format: one entry per task, partial credit, every task of
    every exercise with tests listed (a task that never ran scores 0 and says why)."""
    got = classroom.runner_result(sample())
    assert got == json.loads(GOLDEN.read_text())


def test_payload_totals_are_the_catalogue_points():
    got = classroom.runner_result(sample())
    assert got["max_score"] == sum(e.points for e in catalogue.exercises())
    first = catalogue.exercises()[0]
    t2 = first.tasks[1]
    assert got["score"] == round(first.tasks[0].points + t2.points / 2, 4)
    assert got["status"] == "fail"
    everything = outcomes.empty()
    for e in catalogue.exercises():
        for t in e.tasks:
            outcomes.record(everything, e.name, t.name, "passed")
    done = classroom.runner_result(everything)
    assert done["status"] == "pass" and done["score"] == done["max_score"]
