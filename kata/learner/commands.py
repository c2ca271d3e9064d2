"""The learner's commands: ``progress``, ``hint`` and ``reset``.

    kata progress              # grade quietly, show every task
    kata hint EX [TASK] [--level N]
    kata reset EX              # back up your file, restore the stub

Hint levels and the last results live in ``.kata/`` (git-ignored); a missing or
corrupt state file is rebuilt, never a crash.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, i18n, lessons, outcomes, state, stubbing, target
from kata.core.backups import backup, backups_of
from kata.core.i18n import _, language, task_hint, task_title
from kata.testing import tables

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


class Interrupted(Exception):
    """Ctrl-C stopped the grading: nothing is shown as done, nothing was saved."""


def grade_quietly(
    exercise: str | None = None, task: str | None = None, timeout: str | None = None
) -> dict[str, outcomes.TaskResult]:
    """Run the graded suites in this process, without terminal output; return the results."""
    import contextlib
    import io

    import pytest

    from kata.learner.run import learner_args

    args = ["-p", "no:cacheprovider"]
    if exercise:
        args += ["--exercise", exercise]
    if task:
        args += ["--task", task]
    if timeout is not None:
        args += ["--kata-timeout", str(timeout)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pytest.main(learner_args(args))
    if code == pytest.ExitCode.INTERRUPTED:
        raise Interrupted()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = "\n".join(out.getvalue().strip().splitlines()[-5:])
        raise UsageError(
            _("grading could not run (pytest exit code {code}):").format(code=int(code))
            + f"\n{tail}"
        )
    return last_results()


def progress(args) -> int:
    res = grade_quietly(timeout=args.timeout)
    color = sys.stdout.isatty()
    width = shutil.get_terminal_size((100, 20)).columns
    print(_("progress of {target}:").format(target=target.describe(target.resolve())))
    print(tables.render(res, per_task=True, color=color, width=width), end="")
    return 0


# ----------------------------------------------------------------------- hint


def _pick_task(ex: catalogue.Exercise, name: str | None, res) -> catalogue.Task | None:
    """The task asked for, else the first task not done (None: every task is done)."""
    if name:
        return ex.task(name)
    for t in ex.tasks:
        if res[t.key].status != outcomes.Status.DONE:
            return t
    return None


wrap = i18n.wrap  # hints are wrapped by the rules of Chinese line breaking too


def hint(args) -> int:
    if not args.exercise:
        raise UsageError(
            _("which exercise? e.g. make hint EX=ex01_access_params; exercises: {names}").format(
                names=", ".join(catalogue.names())
            )
        )
    ex = catalogue.exercise(args.exercise)
    res = last_results()
    task = _pick_task(ex, args.task, res)
    if task is None:
        after = tables.next_exercise({t.key: res[t.key] for t in ex.tasks}, res)
        print(_("every task of {exercise} passes: no hint needed.").format(exercise=ex.name))
        if after is not None:
            short = catalogue.exercise(after.exercise).short
            print(
                _("next exercise: {exercise} — make test EX={short}").format(
                    exercise=after.exercise, short=short
                )
            )
        return 0
    if args.level is None and res[task.key].status == outcomes.Status.DONE:
        print(
            f"{ex.name}.{task.name} already passes: no hint needed.\n"
            f"  make solution EX={ex.short} TASK={task.name}   the reference solution, to compare\n"
            f"  make hint EX={ex.short} TASK={task.name} LEVEL=n   a hint all the same"
        )
        return 0
    if not task.hints:
        raise UsageError(_("{task} has no hints yet").format(task=task.key))
    hints = state.load_hints()
    seen = hints.get(task.key, 0)
    if args.level is not None:
        if not 1 <= args.level <= len(task.hints):
            raise UsageError(
                _("{task} has hint levels 1 to {last}, not {level}").format(
                    task=task.key, last=len(task.hints), level=args.level
                )
            )
        level = args.level
    else:
        level = min(seen + 1, len(task.hints))
    hints[task.key] = max(seen, level)
    state.save_hints(hints)
    body = wrap(task_hint(task, level), width=88, indent="  ")
    head = _("hint {level}/{last} for {task} — {title}").format(
        level=level, last=len(task.hints), task=f"{ex.name}.{task.name}", title=task_title(task)
    )
    print(f"{head}\n\n{body}\n")
    if level < len(task.hints):
        print(
            _("(run the same command again for hint {next}; LEVEL=n shows a given one)").format(
                next=level + 1
            )
        )
    else:
        print(_("(that was the last hint; LEVEL=n shows an earlier one)"))
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
                return stubbing.make_stub(source.read_text(encoding="utf-8"))
            except SyntaxError as exc:
                raise UsageError(
                    _(
                        "no stub of {name} is shipped and exercises/{name}.py does not parse "
                        "(line {line}: {message}); fix that line, or restore an earlier "
                        "version from .kata/backups/"
                    ).format(name=name, line=exc.lineno, message=exc.msg)
                ) from None
    raise UsageError(
        _("no stub of {name} can be made: neither its solution nor its exercise exists").format(
            name=name
        )
    )


def stub_in_language(name: str, path: Path) -> str:
    """The stub with its lessons in the language of the learner's file (``make lang``),
    else in the current language (``KATA_LANG`` or the locale)."""
    stub = pristine_stub(name)
    english = lessons.lessons(stub)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    lang = lessons.language_of(current, english) or language()
    return lessons.localize(stub, name, lang, stub)[0]


def _safe_backup(path: Path) -> Path:
    try:
        return backup(path)
    except OSError as exc:
        raise UsageError(
            _("could not back up {file} ({error}); nothing was changed").format(
                file=path.name, error=exc
            )
        ) from None


def reset(args) -> int:
    if not args.exercise:
        raise UsageError(
            _("which exercise? e.g. make reset EX=ex01_access_params; exercises: {names}").format(
                names=", ".join(catalogue.names())
            )
        )
    ex = catalogue.exercise(args.exercise)
    path = ROOT / "exercises" / ex.filename
    stub = stub_in_language(ex.name, path)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        print(
            _("exercises/{file} is already the untouched stub; nothing to do").format(
                file=ex.filename
            )
        )
        return 0
    backup = _safe_backup(path) if path.exists() else None
    path.write_text(stub, encoding="utf-8")
    print(_("restored the stub of exercises/{file}").format(file=ex.filename))
    if backup:
        print(_("your previous version is saved as {path}").format(path=backup.relative_to(ROOT)))
    backups = backups_of(ex.name)
    if len(backups) > 1:
        print(
            _("all backups of this exercise:")
            + "\n  "
            + "\n  ".join(str(b.relative_to(ROOT)) for b in backups)
        )
    return 0


# ------------------------------------------------------------------------ cli


def add_parser(sub) -> None:
    p = sub.add_parser("progress", help="[learner] every task: done / failing / not started")
    p.add_argument(
        "--timeout", default=None, help="time limit of each test in seconds (default 10; 0: none)"
    )
    p.set_defaults(run=run, job=progress)
    p = sub.add_parser("hint", help="[learner] the next hint for a task")
    p.add_argument("exercise", nargs="?")
    p.add_argument("task", nargs="?")
    p.add_argument("--level", type=int, help="show this hint level")
    p.set_defaults(run=run, job=hint)
    p = sub.add_parser("reset", help="[learner] back up an exercise and restore its stub")
    p.add_argument("exercise", nargs="?")
    p.set_defaults(run=run, job=reset)


def run(args) -> int:
    try:
        return args.job(args)
    except (UsageError, catalogue.UnknownName, target.TargetError) as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except (Interrupted, KeyboardInterrupt):
        from kata.testing.plugin import INTERRUPTED

        print(_(INTERRUPTED), file=sys.stderr)
        return 130
