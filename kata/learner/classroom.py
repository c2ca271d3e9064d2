"""GitHub Classroom points: ``kata classroom`` (used by ``.github/workflows/classroom.yml``).

Runs the graded suites on ``exercises/``, one exercise per process, and hands the
points to ``classroom-resources/autograding-grading-reporter``. That reporter shows
two totals: the check's annotation "Points x/y" adds up the ``score`` of every test
entry, while its job-log table gives each runner (pass count / entry count) times the
runner's ``max_score``. The two agree only when every runner holds entries of equal
worth, so each runner here is one *share* of a task: a task of ``p`` points with ``n``
tests is cut into ``n`` shares of ``p / n`` points rounded to the cent (the rounding
spread so that the first ``k`` shares add up to ``p * k / n`` rounded to the cent), and
the first ``k`` shares pass when ``k`` of its tests pass. Both totals are then the sum of
the kata's task scores, each rounded to two decimals, and so is the ``Points x/y`` printed
here. The runners go to ``$GITHUB_ENV`` (``<RUNNER>_RESULTS``, base64) and their names to
the step output ``runners``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, outcomes, state
from kata.core.outcomes import show_points


def _cents(value: Fraction) -> int:
    return int(value * 100 + Fraction(1, 2))  # half up; value >= 0


def shares(task_points: float, n: int) -> list[int]:
    """The cents of each of the ``n`` shares of a task; the first ``k`` add up to the
    task's points times ``k / n``, rounded to the cent."""
    p = Fraction(task_points)
    return [_cents(p * i / n) - _cents(p * (i - 1) / n) for i in range(1, n + 1)]


def runners(results: dict[str, outcomes.TaskResult]) -> dict[str, dict]:
    """The grading reporter's runners, one per share of a task (tasks without results,
    e.g. of an exercise whose run died, are one failing share of all their points)."""
    out = {}
    for e in catalogue.exercises():
        if not (ROOT / e.test_file).is_file():
            continue
        for t in e.tasks:
            r = results.get(t.key) or outcomes.TaskResult(t)
            n = max(r.total, 1)
            message = (
                f"{r.passed}/{r.total} checks pass"
                if r.total
                else "no result: this exercise's test run ended early"
            )
            for i, cents in enumerate(shares(t.points, n), 1):
                passed = i <= r.passed
                name = f"{e.name}.{t.name}" + (f" ({i}/{n})" if n > 1 else "")
                entry = {
                    "name": name,
                    "status": "pass" if passed else "fail",
                    "score": cents / 100 if passed else 0,
                    "message": message,
                    "line_no": 0,
                    "execution_time": "0s",
                }
                runner = f"kata_{e.name.split('_')[0]}_{t.name}_{i}".lower()
                out[runner] = {
                    "version": 1,
                    "status": entry["status"],
                    "max_score": cents / 100,
                    "tests": [entry],
                }
    return out


def points(runs: dict[str, dict]) -> tuple[float, float]:
    """(points, max) as both of the reporter's totals add them up."""
    score = sum(t["score"] for r in runs.values() if r["max_score"] for t in r["tests"])
    return score, sum(r["max_score"] for r in runs.values())


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


if __name__ == "__main__":
    sys.exit(main())
