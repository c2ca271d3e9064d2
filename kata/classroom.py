"""GitHub Classroom points: ``python -m kata.classroom`` (used by ``.github/workflows/classroom.yml``).

Runs the graded suites on ``exercises/`` through the kata's plugin and turns the
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

from kata import ROOT, catalogue


def runner_result(state: dict) -> dict:
    """The grading reporter's runner result for a ``--kata-state`` file's content."""
    tests, total, earned = [], 0.0, 0.0
    recorded = state.get("tasks", {})
    for e in catalogue.exercises():
        for t in e.tasks:
            outcomes = recorded.get(t.key, {}).get("outcomes")
            if not outcomes:
                continue
            passed = outcomes.count("passed")
            score = t.points * passed / len(outcomes)
            total, earned = total + t.points, earned + score
            tests.append(
                {
                    "name": f"{e.name}.{t.name}",
                    "status": "pass" if passed == len(outcomes) else "fail",
                    "score": round(score, 4),
                    "message": f"{passed}/{len(outcomes)} checks pass",
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m kata.classroom", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--target", default="exercises")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.json"
        suites = [e.test_file for e in catalogue.exercises() if (ROOT / e.test_file).is_file()]
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--target",
            args.target,
            "--kata-state",
            str(state),
            *suites,
        ]
        subprocess.run(cmd, cwd=ROOT)
        data = json.loads(state.read_text()) if state.is_file() else {}
    result = runner_result(data)
    encoded = base64.b64encode(json.dumps(result).encode()).decode()
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            f.write(f"result={encoded}\n")
    print(f"Points {result['score']:g}/{result['max_score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
