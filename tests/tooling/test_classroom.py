"""Tooling tests of the GitHub Classroom export (``kata classroom``).

The runners' golden file changes only through its regeneration; review the diff::

    KATA_GOLDEN=update .venv/bin/python -m pytest tests/tooling/test_classroom.py
    git diff tests/tooling/golden/
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys

import pytest

from kata import ROOT
from kata.core import catalogue, outcomes
from kata.core.outcomes import show_points
from kata.learner import classroom

GOLDEN = ROOT / "tests" / "tooling" / "golden" / "classroom.json"
UPDATE = os.environ.get("KATA_GOLDEN") == "update"


def sample() -> dict:
    """Task 1 done, task 2 half done, task 3 not started, a 1-point task passing 2 of 3
    and a 2-point task passing 1 of 3 tests; the rest never ran."""
    res = outcomes.empty()
    ex = catalogue.exercises()[0]
    t1, t2, t3, t4, t5 = ex.tasks[:5]
    outcomes.record(res, ex.name, t1.name, "passed")
    for o in ("passed", "failed"):
        outcomes.record(res, ex.name, t2.name, o)
    outcomes.record(res, ex.name, t3.name, "not started")
    for o in ("passed", "passed", "failed"):
        outcomes.record(res, ex.name, t4.name, o)
    for o in ("passed", "failed", "failed"):
        outcomes.record(res, ex.name, t5.name, o)
    return res


def reporter_totals(runs: dict[str, dict]) -> tuple[float, float]:
    """The two totals of classroom-resources/autograding-grading-reporter, computed as it
    does (JavaScript numbers are the same doubles): the job-log table adds up, per runner,
    pass count / entry count x max_score; the annotation adds up the entries' scores."""
    table = 0.0
    for r in runs.values():
        passed = sum(t["status"] == "pass" for t in r["tests"])
        table += (passed / len(r["tests"])) * (r["max_score"] or 0)
    annotation = 0.0
    for r in runs.values():
        if not r["max_score"]:
            continue
        for t in r["tests"]:
            annotation += t["score"]
    return table, annotation


def test_runners_match_the_golden_file():
    got = json.dumps(classroom.runners(sample()), indent=1) + "\n"
    if UPDATE:
        GOLDEN.write_text(got)
        pytest.skip(f"rewrote {GOLDEN.relative_to(ROOT)}: review its git diff")
    assert got == GOLDEN.read_text(), "run with KATA_GOLDEN=update and review the diff"


def test_the_table_and_the_annotation_show_the_same_points():
    """The issue's case: partial tasks made the table (tasks passing / tasks x 44) and the
    annotation (the sum of scores) disagree, and sums of rounded floats print as
    43.99999999999996. For many mixes of passing and failing tests, both totals are the
    kata's total rounded to two decimals, printed so, and the maximum is 44 exactly."""
    rng = random.Random(25)
    for trial in range(300):
        res = outcomes.empty()
        for e in catalogue.exercises():
            for t in e.tasks:
                n = rng.randint(1, 9)
                k = n if trial == 0 else 0 if trial == 1 else rng.randint(0, n)
                for i in range(n):
                    outcomes.record(res, e.name, t.name, "passed" if i < k else "failed")
        runs = classroom.runners(res)
        table, annotation = reporter_totals(runs)
        kata = round(sum(r.score for r in res.values()), 2)  # what `make test` shows
        assert table == annotation == kata, (trial, table, annotation, kata)
        assert repr(table) == repr(round(table, 2)), table
        assert _max(runs) == sum(e.points for e in catalogue.exercises()), _max(runs)
        assert classroom.points(runs) == (annotation, _max(runs))


def _max(runs):
    total = 0
    for r in runs.values():
        total += r["max_score"]
    return total


def test_totals_are_the_catalogue_points_and_fail_until_full_marks():
    runs = classroom.runners(sample())
    assert _max(runs) == sum(e.points for e in catalogue.exercises())
    assert runs["kata_missed"]["status"] == "fail"
    assert all(t["status"] == "fail" for t in runs["kata_missed"]["tests"])
    assert all(t["status"] == "pass" for t in runs["kata_points"]["tests"])
    everything = outcomes.empty()
    for e in catalogue.exercises():
        for t in e.tasks:
            outcomes.record(everything, e.name, t.name, "passed")
    done = classroom.runners(everything)
    assert list(done) == ["kata_points"] and done["kata_points"]["status"] == "pass"
    assert reporter_totals(done)[0] == _max(done)
    nothing = classroom.runners(outcomes.empty())
    assert reporter_totals(nothing) == (0, 0) and nothing["kata_points"]["tests"]


def test_main_writes_the_runners_for_the_reporter(tmp_path):
    """What the workflow hands to the reporter: ``runners`` names every runner, and
    each one's ``<RUNNER>_RESULTS`` variable decodes to it; the printed points are the
    reporter's."""
    env_file, out_file = tmp_path / "env", tmp_path / "out"
    empty = tmp_path / "work"
    empty.mkdir()
    code = (
        "import sys; from kata import cli; from kata.learner import classroom;"
        "from kata.core import outcomes;"
        "classroom.grade = lambda d: outcomes.empty(); sys.exit(cli.main(['classroom']))"
    )
    env = dict(os.environ, GITHUB_ENV=str(env_file), GITHUB_OUTPUT=str(out_file))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    names = out_file.read_text().strip().removeprefix("runners=").split(",")
    variables = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    runs = {n: json.loads(base64.b64decode(variables[f"{n.upper()}_RESULTS"])) for n in names}
    assert runs == classroom.runners(outcomes.empty())
    table, annotation = reporter_totals(runs)
    assert proc.stdout.strip() == f"Points {show_points(annotation)}/{show_points(_max(runs))}"


def test_the_workflow_hands_every_runner_to_the_reporter():
    text = (ROOT / ".github" / "workflows" / "classroom.yml").read_text()
    assert "id: kata" in text and "run: python -m kata classroom" in text
    assert 'runners: "${{ steps.kata.outputs.runners }}"' in text
