"""GitHub Classroom points: ``kata classroom`` (used by ``.github/workflows/classroom.yml``).

Grades ``exercises/`` one exercise per process and hands the points to
``classroom-resources/autograding-grading-reporter`` as two runners, so that both of
its totals (the annotation's sum of the entries' ``score``, the job log's pass share
times ``max_score``) are the kata's points exactly: ``kata_points``, whose entries all
pass (one per task that earned points) and whose ``max_score`` and first ``score`` are
the points earned; and ``kata_missed`` (absent at full marks), whose entries all fail
(one per task not done) and whose ``max_score`` is the points missed. They go to
``$GITHUB_ENV`` (``<RUNNER>_RESULTS``, base64), their names to the step output ``runners``.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, outcomes, state
from kata.core.outcomes import show_points


def _entry(name: str, passed: bool, message: str) -> dict:
    status = "pass" if passed else "fail"
    return dict(name=name, status=status, score=0, message=message, line_no=0, execution_time="0s")


def _runner(passed: bool, max_score: float, tests: list[dict]) -> dict:
    return dict(version=1, status="pass" if passed else "fail", max_score=max_score, tests=tests)


def runners(results: dict[str, outcomes.TaskResult]) -> dict[str, dict]:
    """The grading reporter's runners (tasks without results, e.g. of an exercise whose
    run died, score 0 and say why)."""
    earned, missed, total, top = [], [], 0.0, 0.0
    for e in catalogue.exercises():
        if not (ROOT / e.test_file).is_file():
            continue
        for t in e.tasks:
            r = results.get(t.key) or outcomes.TaskResult(t)
            total, top = total + r.score, top + t.points
            name = f"{e.name}.{t.name}: {show_points(r.score)}/{show_points(t.points)}"
            message = f"{r.passed}/{r.total} checks pass"
            if not r.total:
                message = "no result: this exercise's test run ended early"
            if r.score > 0:
                earned.append(_entry(name, True, message))
            if not (r.total and r.status == outcomes.Status.DONE):
                missed.append(_entry(name, False, message))
    points, top = round(total, 2), round(top, 2)
    if not earned:
        earned.append(_entry("no points yet", True, "no task earned points"))
    earned[0]["score"] = points
    out = {"kata_points": _runner(True, points, earned)}
    if missed:
        out["kata_missed"] = _runner(False, round(top - points, 2), missed)
    return out


def points(runs: dict[str, dict]) -> tuple[float, float]:
    """(points, max) as both of the reporter's totals add them up."""
    score = sum(t["score"] for r in runs.values() if r["max_score"] for t in r["tests"])
    return score, sum(r["max_score"] for r in runs.values())


def grade(directory: str) -> dict[str, outcomes.TaskResult]:
    """Grade each exercise in its own pytest process, so that one exercise that kills
    its process (``os._exit``, a crash) costs only its own points."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "last-run.json"  # each run merges its tasks' results into it
        for e in catalogue.exercises():
            if (ROOT / e.test_file).is_file():
                cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--target"]
                subprocess.run([*cmd, directory, "--kata-state", str(path), e.test_file], cwd=ROOT)
        return state.load_run(path, state.read(path, quiet=True).get("target", ""))


def add_parser(sub) -> None:
    p = sub.add_parser(
        "classroom",
        help="[learner] GitHub Classroom points for exercises/",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--target", default="exercises")
    p.set_defaults(run=run)


def run(args) -> int:
    runs = runners(grade(args.target))
    if os.environ.get("GITHUB_ENV"):
        with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as f:
            for name, result in runs.items():
                encoded = base64.b64encode(json.dumps(result).encode()).decode()
                f.write(f"{name.upper()}_RESULTS={encoded}\n")
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            f.write(f"runners={','.join(runs)}\n")
    score, top = points(runs)
    print(f"Points {show_points(score)}/{show_points(top)}")
    return 0
