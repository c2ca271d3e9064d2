"""Instructor grading: ``kata grade SUBMISSION [--out DIR]`` (``make grade``).

Only the exercise modules (``<name>.py`` for the catalogue's names) are taken from
the submission; they are graded in a pristine temporary tree by the kata's own
tests (hidden ones included), in a subprocess watched for time and memory (see
``kata.grading.sandbox``). A test counts only when the grader saw it finish. If the
process dies, the exercise whose test was running scores 0 with the reason and
the others are regraded one at a time; an exercise that tampers with the checking
machinery scores 0 too. Writes ``results.json`` (Gradescope), ``junit.xml``,
``grade.json`` and ``grade.log`` into the output directory and prints a table.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, target
from kata.core.outcomes import show_points
from kata.grading import reports as grade_report
from kata.grading.model import (
    CRASHED,
    ERROR,
    KILLED,
    MISSING,
    NO_TESTS,
    TAMPERED,
    CheckOutcome,
    ExerciseGrade,
    Grade,
)
from kata.grading.sandbox import Limits, Run, build_tree, find_module, run, test_files
from kata.grading.scan import scan

# Files a submission may carry that grading ignores (they never reach the tree).
IGNORED_NAMES = {
    "conftest.py",
    "pytest.ini",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    "sitecustomize.py",
    "usercustomize.py",
}

# -------------------------------------------------------------------- grading


def _describe_death(r: Run) -> str:
    if r.killed:
        return r.killed
    code = r.returncode
    if code is not None and code < 0:
        try:
            return f"crashed: killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"crashed: killed by signal {-code}"
    return f"the test process ended early (exit code {code}) before its tests finished"


def _record(g: ExerciseGrade, tests: list[dict], ended: dict[str, dict]) -> None:
    for t in tests:
        line = ended.get(t["id"], {})
        outcome = CheckOutcome(t["id"], t["exercise"], t["task"], bool(t.get("hidden")))
        outcome.outcome = line.get("outcome", "no result")
        outcome.message = line.get("message", "")
        if t["task"] in g.tasks:
            g.tasks[t["task"]].tests.append(outcome)


def settle(r: Run, grades: dict[str, ExerciseGrade]) -> list[list[str]]:
    """Record what ``r`` showed; return the batches of exercises to run again."""
    batch = r.exercises
    if r.collected is None:
        if len(batch) > 1:
            return [[n] for n in batch]
        grades[batch[0]].set_verdict(
            ERROR, f"the tests did not start ({_describe_death(r)}); see grade.log"
        )
        return []
    order = list(r.ended)
    tamper_at = next((i for i, k in enumerate(order) if r.ended[k].get("tampered")), None)
    by_id = r.tests
    tamperer = by_id[order[tamper_at]]["exercise"] if tamper_at is not None else None
    killer = by_id[r.running]["exercise"] if r.running else None
    if r.forged and tamperer is None and len(batch) == 1:
        tamperer, tamper_at = batch[0], -1
    again = []
    for name in batch:
        g = grades[name]
        tests = [t for t in r.collected if t["exercise"] == name]
        ids = [t["id"] for t in tests]
        if name == tamperer:
            if tamper_at >= 0:
                key = order[tamper_at]
                what = "; ".join(r.ended[key]["tampered"][:5])
                g.set_verdict(TAMPERED, f"tampering detected during {key.split('::')[-1]}: {what}")
            else:
                g.set_verdict(TAMPERED, f"{r.forged} forged lines in the grader's result stream")
            continue
        if name == killer:
            g.set_verdict(
                KILLED if r.killed else CRASHED,
                f"{_describe_death(r)} (in {r.running.split('::')[-1]})",
            )
            continue
        seen = all(i in r.ended for i in ids)
        clean = tamper_at is None or all(order.index(i) < tamper_at for i in ids)
        if seen and clean and not (r.forged and len(batch) > 1):
            _record(g, tests, r.ended)
        elif len(batch) == 1:
            g.set_verdict(CRASHED, _describe_death(r))
        else:
            again.append([name])
    return again


def grade(
    submission: str | Path,
    *,
    exercises: list[str] | None = None,
    limits: Limits | None = None,
    seed: int | None = None,
    root: Path = ROOT,
    log: Path | None = None,
) -> Grade:
    """Grade the exercise modules found in ``submission``."""
    started = time.monotonic()
    submission = Path(submission).resolve()
    if not submission.is_dir():
        raise target.TargetError(f"submission {submission} is not a directory")
    limits = limits or Limits()
    wanted = [catalogue.exercise(n).name for n in exercises] if exercises else catalogue.names()
    result = Grade(str(submission), {n: ExerciseGrade(catalogue.exercise(n)) for n in wanted})
    modules = {}
    for name, g in result.exercises.items():
        path = find_module(submission, name)
        if not test_files(root, name):
            g.status, g.reason = NO_TESTS, "the kata has no tests for it yet"
        elif path is None:
            g.set_verdict(MISSING, f"{name}.py not in the submission")
        else:
            modules[name] = path
            g.module = str(path.relative_to(submission))
            g.flags = scan(path)
    for path in sorted(submission.rglob("*")):
        if path.name in IGNORED_NAMES or path.suffix == ".pth":
            result.flags.append(f"ignored: {path.relative_to(submission)}")
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as tmp:
        tree = build_tree(root, modules, Path(tmp) / "tree")
        log = log or Path(tmp) / "grade.log"
        batches = [list(modules)] if modules else []
        while batches:
            r = run(tree, batches.pop(0), limits, log=log, seed=seed)
            batches += settle(r, result.exercises)
    result.seconds = time.monotonic() - started
    return result


# ------------------------------------------------------------------------ CLI


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kata.grade", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "submission", help="directory holding the exercise modules (exercises, solutions or a path)"
    )
    p.add_argument("--out", help="output directory (default: grades/<submission name>)")
    p.add_argument("--exercises", help="comma-separated exercises to grade (default: all)")
    p.add_argument(
        "--timeout",
        type=float,
        default=Limits.timeout,
        help="seconds per test (default %(default)s)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=Limits.memory_mb,
        help="MiB resident per run (default %(default)s)",
    )
    p.add_argument(
        "--startup", type=float, default=Limits.startup, help="seconds to reach the first test"
    )
    p.add_argument("--seed", type=int, default=None, help="KATA_SEED for the graded run")
    p.add_argument("--quiet", action="store_true", help="print only the total")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        sub = target.resolve(args.submission)
        exercises = (
            [e.strip() for e in args.exercises.split(",") if e.strip()] if args.exercises else None
        )
        if exercises:
            exercises = [catalogue.exercise(e).name for e in exercises]
    except (target.TargetError, catalogue.UnknownName) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else ROOT / "grades" / sub.name
    out.mkdir(parents=True, exist_ok=True)
    log = out / "grade.log"
    log.write_text("")
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, startup=args.startup)
    result = grade(sub, exercises=exercises, limits=limits, seed=args.seed, log=log)
    grade_report.write_all(result, out)
    if args.quiet:
        print(
            f"{target.describe(sub)}: {show_points(result.score)}/{show_points(result.max_score)}"
        )
    else:
        print(grade_report.render(result))
        print(f"wrote {out}/results.json, junit.xml, grade.json, grade.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
