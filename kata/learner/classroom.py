"""GitHub Classroom points: ``kata classroom`` (used by ``.github/workflows/classroom.yml``).

Runs the graded suites on ``exercises/``, one exercise per process, and turns the
per-task results into the runner format that
``classroom-resources/autograding-grading-reporter`` reads: one entry per task,
score = the task's points times the share of its tests that pass. The result is
written base64-encoded as the step output ``result`` (``$GITHUB_OUTPUT``) and
the points are printed as ``Points x/y``.
"""

from __future__ import annotations

import argparse
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


def runner_result(results: dict[str, outcomes.TaskResult]) -> dict:
    """The grading reporter's runner result for per-task results (tasks without
    results, e.g. of an exercise whose run died, count 0 of their points)."""
    tests, total, earned = [], 0.0, 0.0
    for e in catalogue.exercises():
        if not (ROOT / e.test_file).is_file():
            continue
        for t in e.tasks:
            r = results.get(t.key) or outcomes.TaskResult(t)
            total, earned = total + t.points, earned + r.score
            done = r.total and r.status == outcomes.Status.DONE
            tests.append(
                {
                    "name": f"{e.name}.{t.name}",
                    "status": "pass" if done else "fail",
                    "score": round(r.score, 4),
                    "message": (
                        f"{r.passed}/{r.total} checks pass"
                        if r.total
                        else "no result: this exercise's test run ended early"
                    ),
                    "line_no": 0,
                    "execution_time": "0s",
                }
            )
    status = "pass" if tests and all(t["status"] == "pass" for t in tests) else "fail"
    return {
        "version": 1,
        "status": status,
        "max_score": total,
        "tests": tests,
        "score": round(earned, 4),
    }


def grade(directory: str) -> dict[str, outcomes.TaskResult]:
    """Grade each exercise in its own pytest process, so that one exercise that kills
    its process (``os._exit``, a crash) costs only its own points."""
    results = outcomes.empty()
    with tempfile.TemporaryDirectory() as tmp:
        for e in catalogue.exercises():
            if not (ROOT / e.test_file).is_file():
                continue
            path = Path(tmp) / f"{e.name}.json"
            cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--target"]
            cmd += [directory, "--kata-state", str(path), e.test_file]
            subprocess.run(cmd, cwd=ROOT)
            here = state.read(path, quiet=True).get("target", "")
            mine = state.load_run(path, here)
            results.update({t.key: mine[t.key] for t in e.tasks})
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kata classroom", description=__doc__.split("\n\n")[0])
    p.add_argument("--target", default="exercises")
    args = p.parse_args(argv)
    result = runner_result(grade(args.target))
    encoded = base64.b64encode(json.dumps(result).encode()).decode()
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            f.write(f"result={encoded}\n")
    print(f"Points {show_points(result['score'])}/{show_points(result['max_score'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
