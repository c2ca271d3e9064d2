"""Instructor grading: ``kata grade SUBMISSION [--out DIR]`` (``make grade``).

Each exercise module of the submission is graded in its own sandboxed runs; ``results.json``,
``junit.xml``, ``grade.json``, ``grade.log`` and ``feedback.md`` are written whatever happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import psutil

from kata import ROOT
from kata.core import catalogue, guard, target
from kata.core.outcomes import Outcome, show_points
from kata.grading import gradebook, intake, reports, sanitize
from kata.grading.model import CheckOutcome, ExerciseGrade, Grade, Verdict
from kata.grading.sandbox import (
    Deadline,
    Limits,
    Run,
    Sandbox,
    build_tree,
    detect,
    run_all,
    test_files,
)

TMP_PREFIX = "kata-grade-"  # + the grader's pid: a killed grader's tree is swept later

# Files a submission may carry that grading ignores (they never reach the tree): pytest's
# configuration and Python's start-up hooks.
IGNORED_NAMES = {"conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"}
IGNORED_NAMES |= {"sitecustomize.py", "usercustomize.py"}


def _describe_death(r: Run) -> str:
    if r.killed:
        return r.killed
    code = r.returncode
    # bwrap reports a child killed by a signal as 128 + the signal's number.
    if code is not None and code > 128 and r.sandboxed:
        code = -(code - 128)
    if code is not None and code < 0:
        try:
            return f"crashed: killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"crashed: killed by signal {-code}"
    return f"the test process ended early (exit code {code}) before its tests finished"


def _seconds(value: object) -> float:
    """A test's time from its stream line: a finite number of seconds, else 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value) if 0 <= value <= 10**6 else 0.0  # NaN fails both comparisons


def _record(g: ExerciseGrade, tests: list[dict], ended: dict[str, dict], redact) -> None:
    known = {o.value for o in Outcome}
    for t in tests:
        line = ended.get(t["id"], {})
        said = line.get("outcome", Outcome.NO_RESULT)
        outcome = CheckOutcome(
            sanitize.clean(t["id"], 300),
            t.get("hidden") is True,
            said if said in known else Outcome.ERROR,
            redact(sanitize.clean(line.get("message", ""))),
            _seconds(line.get("seconds")),
        )
        refused = guard.MARK.search(outcome.message)
        if refused and refused.group(0) not in g.flags:
            g.flags.append(refused.group(0))
        if t.get("task") in g.tasks:
            g.tasks[t["task"]].tests.append(outcome)


def settle(runs: list[Run], grades: dict[str, ExerciseGrade], redact=lambda text: text) -> None:
    """Record what the runs of one exercise showed."""
    for r in runs:
        _settle_run(r, grades[r.exercise], redact)


def _settle_run(r: Run, g: ExerciseGrade, redact) -> None:
    if r.collected is None:
        why = f"the tests did not start ({_describe_death(r)}); see grade.log"
        g.set_verdict(Verdict.KILLED if r.killed else Verdict.ERROR, why)
        return
    tampered = next((k for k, line in r.ended.items() if line.get("tampered")), None)
    if tampered is not None:
        what = redact(sanitize.clean("; ".join(r.ended[tampered]["tampered"][:5]), 500))
        test = sanitize.clean(tampered.split("::")[-1], 200)
        g.set_verdict(Verdict.TAMPERED, f"tampering detected during {test}: {what}")
    elif r.forged:
        g.set_verdict(Verdict.TAMPERED, f"{r.forged} forged lines in the grader's result stream")
    elif r.timed_out and r.running:
        # A test passed the time limit: it fails, and so do its task's tests not run yet;
        # the other tasks' tests ran again without them (``sandbox.run_all``).
        ended = dict(r.ended)
        for t in r.given_up:
            where = sanitize.clean(f"{r.exercise}.{t['task']}", 200)
            name = sanitize.clean(r.timed_out.split("::")[-1], 200)
            why = r.killed if t["id"] == r.timed_out else f"not run: {where} timed out in {name}"
            ended[t["id"]] = {"outcome": Outcome.FAILED, "message": why}
        _record(g, [t for t in r.collected if t["id"] in ended], ended, redact)
    elif r.running:
        test = sanitize.clean(r.running.split("::")[-1], 200)
        verdict = Verdict.KILLED if r.killed else Verdict.CRASHED
        g.set_verdict(verdict, f"{_describe_death(r)} (in {test})")
    elif all(t["id"] in r.ended for t in r.collected):
        _record(g, r.collected, r.ended, redact)
    else:
        g.set_verdict(Verdict.CRASHED, _describe_death(r))


def sweep_stale_trees() -> None:
    """Remove the temporary trees of graders that were killed (their pid is gone)."""
    for d in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        pid = d.name[len(TMP_PREFIX) :].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _admit(g: ExerciseGrade, found: intake.Found) -> bool:
    """Decide whether the module ``found`` may run; set the verdict when it may not."""
    if found.path.is_symlink():  # the intake never enters a linked folder: only this can be one
        to = sanitize.name(os.readlink(found.path))
        why = f"{found.shown} is a symbolic link (to {to}): submit the module itself"
        g.set_verdict(Verdict.REFUSED, why)
        return False
    if found.path.suffix == ".py":
        try:  # what the loader would refuse to decode cannot run at all
            guard.read(found.path, found.shown)
        except UnicodeError as exc:
            g.set_verdict(Verdict.QUARANTINED, sanitize.clean(str(exc), 300))
            return False
    return True


def _no_module_reason(name: str, sub: intake.Submission) -> str:
    files = [shown for _path, shown, _base in sub.entries]
    why = ""
    if not files:
        why = " (the folder is empty)"
    elif not any(f.endswith(intake.MODULE_SUFFIXES) for f in files):
        why = f" (it holds no Python file: {', '.join(sanitize.name(f, 40) for f in files[:3])}…)"
    elif close := sub.close_names(name):
        why = f" (not taken for it: {', '.join(close)})"
    return f"{name}.py not in the submission{why}"


def take(sub: intake.Submission, result: Grade, root: Path) -> dict[str, Path]:
    """The module of each exercise that may run; the others get their verdict and flags."""
    modules = {}
    result.flags += sub.flags
    for name, g in result.exercises.items():
        if not test_files(root, name):
            g.status, g.reason = Verdict.NO_TESTS, "the kata has no tests for it yet"
        elif result.problem or (found := sub.find(name)) is None:
            g.set_verdict(Verdict.MISSING, result.problem or _no_module_reason(name, sub))
        else:
            g.module = found.shown
            if _admit(g, found):
                modules[name] = found.path
            g.flags = found.notes + g.flags
    for path, shown, _base in sub.entries:
        if path.name in IGNORED_NAMES or path.suffix == ".pth":
            result.flags.append(f"ignored: {shown}")
        elif path.is_symlink():
            result.flags.append(f"symbolic link ignored: {shown}")
    return modules


def _new_grade(submission: Path, names: list[str], sandbox: Sandbox) -> Grade:
    """The grade of exercises ``names`` of ``submission``, nothing decided yet."""
    grades = {n: ExerciseGrade(catalogue.exercise(n)) for n in names}
    return Grade(sanitize.name(submission), grades, sandbox=sandbox.name, sandbox_note=sandbox.note)


def grade(
    submission: str | Path,
    *,
    exercises: list[str] | None = None,
    limits: Limits | None = None,
    seed: int | None = None,
    root: Path = ROOT,
    log: Path | None = None,
    jobs: int = 1,
    sandbox: Sandbox | None = None,
) -> Grade:
    """Grade the exercise modules in ``submission``, ``jobs`` sandboxed exercises at a time."""
    started = time.monotonic()
    submission = Path(os.path.abspath(submission))
    limits = limits or Limits()
    sandbox = sandbox or detect()
    wanted = [catalogue.exercise(n).name for n in exercises] if exercises else catalogue.names()
    result = _new_grade(submission, wanted, sandbox)
    sub = intake.Submission(submission, tmp_prefix=f"{TMP_PREFIX}{os.getpid()}-intake-")
    if submission.is_symlink() or not submission.is_dir():
        why = "does not exist" if not submission.exists() else "is not a directory"
        why = "is a symbolic link" if submission.is_symlink() else why
        result.problem = f"the submission folder {sanitize.name(submission)} {why}"
    else:
        sub.open()
    sweep_stale_trees()
    modules = take(sub, result, root)
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-") as tmp:
        os.chmod(tmp, 0o755)
        tree = build_tree(root, modules, Path(tmp) / "tree")
        sub.close()  # what the archives held is in the tree now
        files = [f for n in modules for f in test_files(tree, n)]
        redact = sanitize.Redactor(
            [f for f in files if "hidden" in f.parts], [f for f in files if "hidden" not in f.parts]
        )
        deadline = Deadline(
            started + limits.submission, f"the submission ran past {limits.submission:g} s"
        )
        runs = run_all(
            tree, list(modules), limits, jobs=jobs, seed=seed, sandbox=sandbox, deadline=deadline
        )
        for rs in runs.values():
            settle(rs, result.exercises, redact)
            for r in rs if log else []:
                with open(log, "ab") as out:
                    out.write(f"\n$ pytest {r.exercise}  ({r.seconds:.1f} s)\n".encode())
                    out.write(redact.log(sanitize.clean(r.log, 10**7)).encode())
    result.seconds = time.monotonic() - started
    return result


# The options of the sandbox's ``Limits``: (option, field, type, help).
LIMITS = (
    ("--timeout", "timeout", float, "seconds per test"),
    ("--memory", "memory_mb", int, "MiB of memory a run may hold"),
    ("--startup", "startup", float, "seconds allowed with no test running: imports, collection"),
    ("--exercise-deadline", "exercise", float, "wall-clock seconds for all of one exercise's runs"),
    ("--deadline", "submission", float, "seconds for the whole submission"),
)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "grade",
        help="[instructor] grade one submission in the sandbox",
        description=__doc__.split("\n\n")[0],
        epilog="@FILE reads more options from FILE, several a line, # for comments "
        "(Gradescope's run_autograder reads grade-args.txt so)",
        fromfile_prefix_chars="@",
    )
    p.convert_arg_line_to_args = lambda line: shlex.split(line, comments=True)
    p.add_argument(
        "submission", help="directory holding the exercise modules (exercises, solutions or a path)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--out", help="output directory (default: grades/<submission name>)")
    out.add_argument(
        "--into",
        metavar="CLASS_OUT",
        help="regrade into a class graded by kata grade-all: write CLASS_OUT/<submission name>/ "
        "and update its row of CLASS_OUT/gradebook.csv and CLASS_OUT/report.html",
    )
    p.add_argument("--exercises", help="comma-separated exercises to grade (default: all)")
    for option, name, kind, text in LIMITS:
        default = getattr(Limits, name)
        p.add_argument(option, type=kind, default=default, help=f"{text} (default %(default)s)")
    p.add_argument("--seed", type=int, default=None, help="KATA_SEED for the graded run")
    p.add_argument("--jobs", type=int, default=0, help="exercises at once (default: one per core)")
    p.add_argument(
        "--unguarded",
        action="store_true",
        help="run the modules without the run-time guard (to test the sandbox alone; "
        "never for a real grade: see docs/instructors.md)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the total")
    p.set_defaults(run=run)


def _failed(sub: Path, exercises, sandbox: Sandbox, exc: Exception, log: Path) -> Grade:
    """Every exercise in error when the grader itself failed; the traceback goes to the log."""
    with open(log, "a") as out:
        out.write("\n" + "".join(traceback.format_exception(exc)))
    result = _new_grade(sub, exercises or catalogue.names(), sandbox)
    for g in result.exercises.values():
        g.set_verdict(Verdict.ERROR, f"the grader failed ({type(exc).__name__}); see grade.log")
    return result


def _terminate(signum, frame):  # SIGTERM/SIGHUP: leave through the cleanup of the tree
    raise SystemExit(128 + signum)


def run(args) -> int:
    if args.unguarded:  # the sandbox alone: for its own tests, never for a real grade
        os.environ[guard.SWITCH] = "off"
        print("warning: --unguarded: graded code runs without the run-time guard", file=sys.stderr)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    try:
        names = (args.exercises or "").split(",")
        exercises = [catalogue.exercise(e.strip()).name for e in names if e.strip()] or None
    except catalogue.UnknownName as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    missing = "is a symbolic link" if Path(args.submission).is_symlink() else None
    try:
        sub = Path(os.path.abspath(args.submission)) if missing else target.resolve(args.submission)
    except target.TargetError:
        sub, missing = Path(os.path.abspath(args.submission)), "is not a directory"
    out = Path(args.out) if args.out else ROOT / "grades" / sub.name
    if args.into:
        out = Path(args.into) / sanitize.name(sub.name)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if out.resolve().is_relative_to(sub.resolve()):
            raise OSError("the output folder must not be inside the submission")
    except OSError as exc:
        print(f"error: cannot write to {out}: {exc}", file=sys.stderr)
        return 2
    sandbox = detect()
    if sandbox.note:  # the first line of the output says when there is no sandbox
        print(f"warning: {sandbox.note}", flush=True)
    log = out / "grade.log"
    log.unlink(missing_ok=True)
    log.write_text("")
    limits = Limits(**{name: getattr(args, opt[2:].replace("-", "_")) for opt, name, *_ in LIMITS})
    try:
        result = grade(
            sub,
            exercises=exercises,
            limits=limits,
            seed=args.seed,
            log=log,
            jobs=args.jobs or os.cpu_count() or 1,
            sandbox=sandbox,
        )
    except Exception as exc:  # noqa: BLE001 - the three outputs are written whatever happens
        result = _failed(sub, exercises, sandbox, exc, log)
    reports.write_all(result, out)
    if args.into:
        who = gradebook.read_metadata(sub.parent).get(sub.name, ("", ""))
        row = gradebook.row(out.name, reports.summary(result), who)
        gradebook.write(Path(args.into), [row], keep=True)
    if missing:
        print(f"error: the submission {args.submission!r} {missing}", file=sys.stderr)
    if args.quiet:
        print(
            f"{target.describe(sub)}: {show_points(result.score)}/{show_points(result.max_score)}"
        )
    else:
        print(reports.render(result))
        print(f"wrote {out}/results.json, junit.xml, grade.json, grade.log, feedback.md")
    return 2 if missing else 0
