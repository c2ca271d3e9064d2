"""The learner's commands: ``progress``, ``hint`` and ``reset``.

    kata progress              # grade quietly, show every task
    kata hint EX [TASK] [--level N]
    kata reset EX              # back up your file, restore the stub

Hint levels and the last results live in ``.kata/`` (git-ignored); a missing or
corrupt state file is rebuilt, never a crash.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, outcomes, state, stubs, target
from kata.core.backups import backup, backups_of
from kata.learner import tables

PRISTINE = Path(__file__).with_name("pristine")  # stubs shipped in the student edition


class UsageError(Exception):
    """Bad input from the learner: printed as one clear message, exit status 2."""


def last_results() -> dict[str, outcomes.TaskResult]:
    """The per-task results of the last ``make test`` / ``progress`` run of this target, if any."""
    try:  # results of another KATA_TARGET say nothing about this one
        here = str(target.resolve())
    except target.TargetError:
        here = None
    return state.load_run(state.LAST_RUN, here)


# ------------------------------------------------------------------- progress


def grade_quietly(exercise: str | None = None) -> dict[str, outcomes.TaskResult]:
    """Run the graded suites in this process, without terminal output; return the results."""
    import contextlib
    import io

    import pytest

    args = ["-p", "no:cacheprovider", "--kata-state", str(state.LAST_RUN)]
    if exercise:
        args += ["--exercise", exercise]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pytest.main(args)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = "\n".join(out.getvalue().strip().splitlines()[-5:])
        raise UsageError(f"grading could not run (pytest exit code {int(code)}):\n{tail}")
    return last_results()


def progress(args) -> int:
    res = grade_quietly()
    color = sys.stdout.isatty()
    width = shutil.get_terminal_size((100, 20)).columns
    print(f"progress of {target.describe(target.resolve())}:")
    print(tables.render(res, per_task=True, color=color, width=width), end="")
    return 0


# ----------------------------------------------------------------------- hint


def _pick_task(ex: catalogue.Exercise, name: str | None) -> catalogue.Task:
    if name:
        return ex.task(name)
    res = last_results()
    for t in ex.tasks:
        if res[t.key].status != outcomes.Status.DONE:
            return t
    return ex.tasks[0]


def hint(args) -> int:
    if not args.exercise:
        raise UsageError(
            f"which exercise? e.g. make hint EX=ex01_access_params; exercises: {', '.join(catalogue.names())}"
        )
    ex = catalogue.exercise(args.exercise)
    task = _pick_task(ex, args.task)
    if not task.hints:
        raise UsageError(f"{task.key} has no hints yet")
    hints = state.load_hints()
    seen = hints.get(task.key, 0)
    if args.level is not None:
        if not 1 <= args.level <= len(task.hints):
            raise UsageError(f"{task.key} has hint levels 1 to {len(task.hints)}, not {args.level}")
        level = args.level
    else:
        level = min(seen + 1, len(task.hints))
    hints[task.key] = max(seen, level)
    state.save_hints(hints)
    body = textwrap.fill(
        task.hints[level - 1], width=88, initial_indent="  ", subsequent_indent="  "
    )
    print(f"hint {level}/{len(task.hints)} for {ex.name}.{task.name} — {task.title}\n\n{body}\n")
    if level < len(task.hints):
        print(f"(run the same command again for hint {level + 1}; LEVEL=n shows a given one)")
    else:
        print("(that was the last hint; LEVEL=n shows an earlier one)")
    return 0


# ---------------------------------------------------------------------- reset


def pristine_stub(name: str) -> str:
    """The stub of exercise ``name``: shipped with the student edition, else made from
    ``solutions/``, else from the learner's own file (its docstrings kept, its code gone)."""
    shipped = PRISTINE / f"{name}.py"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    for source in (ROOT / "solutions" / f"{name}.py", ROOT / "exercises" / f"{name}.py"):
        if source.is_file():
            try:
                return stubs.make_stub(source.read_text(encoding="utf-8"))
            except SyntaxError as exc:
                raise UsageError(
                    f"no stub of {name} is shipped and exercises/{name}.py does not parse "
                    f"(line {exc.lineno}: {exc.msg}); fix that line, or restore an earlier "
                    "version from .kata/backups/"
                ) from None
    raise UsageError(f"no stub of {name} can be made: neither its solution nor its exercise exists")


def _safe_backup(path: Path) -> Path:
    try:
        return backup(path)
    except OSError as exc:
        raise UsageError(f"could not back up {path.name} ({exc}); nothing was changed") from None


def reset(args) -> int:
    if not args.exercise:
        raise UsageError(
            f"which exercise? e.g. make reset EX=ex01_access_params; exercises: {', '.join(catalogue.names())}"
        )
    ex = catalogue.exercise(args.exercise)
    path = ROOT / "exercises" / ex.filename
    stub = pristine_stub(ex.name)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        print(f"exercises/{ex.filename} is already the untouched stub; nothing to do")
        return 0
    backup = _safe_backup(path) if path.exists() else None
    path.write_text(stub, encoding="utf-8")
    print(f"restored the stub of exercises/{ex.filename}")
    if backup:
        print(f"your previous version is saved as {backup.relative_to(ROOT)}")
    backups = backups_of(ex.name)
    if len(backups) > 1:
        print(
            "all backups of this exercise:\n  "
            + "\n  ".join(str(b.relative_to(ROOT)) for b in backups)
        )
    return 0


# ------------------------------------------------------------------------ cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="kata", description="The kata's learner commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("progress", help="grade quietly and show every task").set_defaults(run=progress)
    p = sub.add_parser("hint", help="show the next hint of a task")
    p.add_argument("exercise", nargs="?")
    p.add_argument("task", nargs="?")
    p.add_argument("--level", type=int, help="show this hint level")
    p.set_defaults(run=hint)
    p = sub.add_parser("reset", help="back up an exercise and restore its stub")
    p.add_argument("exercise", nargs="?")
    p.set_defaults(run=reset)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, catalogue.UnknownName, target.TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
