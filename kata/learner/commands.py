"""The learner's commands ``progress``, ``hint EX [TASK] [--level N]`` and ``reset EX``.

Hint levels and the last results live in ``.kata/`` (git-ignored); a missing or
corrupt state file is rebuilt, never a crash.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, lessons, outcomes, state, stubbing, target
from kata.core.i18n import _, language, task_hint, task_title, wrap
from kata.core.state import backup, backups_of
from kata.learner.run import Interrupted, UsageError, learner_args, quietly
from kata.testing import tables

PRISTINE = Path(__file__).with_name("pristine")  # stubs shipped in the student edition


def last_results() -> dict[str, outcomes.TaskResult]:
    """The per-task results of the last ``make test`` / ``progress`` run of this target."""
    try:  # results of another KATA_TARGET say nothing about this one
        here = str(target.resolve())
    except target.TargetError:
        here = None
    return state.load_run(state.LAST_RUN, here)


def grade_quietly(
    exercise: str | None = None, task: str | None = None, timeout: str | None = None
) -> dict[str, outcomes.TaskResult]:
    """Run the graded suites in this process, without terminal output; return the results."""
    args = ["-p", "no:cacheprovider"]
    for option, value in (("--exercise", exercise), ("--task", task), ("--kata-timeout", timeout)):
        if value is not None:
            args += [option, str(value)]
    quietly(learner_args(args))
    return last_results()


def progress(args) -> int:
    res = grade_quietly(timeout=args.timeout)
    width = shutil.get_terminal_size((100, 20)).columns
    print(_("progress of {target}:").format(target=target.describe(target.resolve())))
    print(tables.render(res, per_task=True, color=sys.stdout.isatty(), width=width), end="")
    return 0


def _which(command: str, exercise: str | None) -> catalogue.Exercise:
    if not exercise:
        said = _("which exercise? e.g. make {command} EX=ex01_access_params; exercises: {names}")
        raise UsageError(said.format(command=command, names=", ".join(catalogue.names())))
    return catalogue.exercise(exercise)


def hint(args) -> int:
    ex = _which("hint", args.exercise)
    res = last_results()
    if args.task:
        task = ex.task(args.task)
    else:  # the first task not done
        task = next((t for t in ex.tasks if res[t.key].status != outcomes.Status.DONE), None)
    if task is None:
        print(_("every task of {exercise} passes: no hint needed.").format(exercise=ex.name))
        after = tables.next_exercise({t.key: res[t.key] for t in ex.tasks}, res)
        if after is not None:
            short = catalogue.exercise(after.exercise).short
            said = _("next exercise: {exercise} — make test EX={short}")
            print(said.format(exercise=after.exercise, short=short))
        return 0
    if args.level is None and res[task.key].status == outcomes.Status.DONE:
        said = _(
            "{where} already passes: no hint needed.\n"
            "  make solution EX={short} TASK={task}   the reference solution, to compare\n"
            "  make hint EX={short} TASK={task} LEVEL=n   a hint all the same"
        )
        print(said.format(where=f"{ex.name}.{task.name}", short=ex.short, task=task.name))
        return 0
    last = len(task.hints)
    if not last:
        raise UsageError(_("{task} has no hints yet").format(task=task.key))
    if args.level is not None and not 1 <= args.level <= last:
        said = _("{task} has hint levels 1 to {last}, not {level}")
        raise UsageError(said.format(task=task.key, last=last, level=args.level))
    hints = state.load_hints()
    seen = hints.get(task.key, 0)
    level = args.level or min(seen + 1, last)
    hints[task.key] = max(seen, level)
    state.save_hints(hints)
    head = _("hint {level}/{last} for {task} — {title}").format(
        level=level, last=last, task=f"{ex.name}.{task.name}", title=task_title(task)
    )
    print(f"{head}\n\n{wrap(task_hint(task, level), width=88, indent='  ')}\n")
    if level < last:
        said = _("(run the same command again for hint {next}; LEVEL=n shows a given one)")
        print(said.format(next=level + 1))
    else:
        print(_("(that was the last hint; LEVEL=n shows an earlier one)"))
    return 0


def pristine_stub(name: str) -> str:
    """The stub of exercise ``name``: shipped with the student edition, else made from
    ``solutions/`` (the maintainers' repository)."""
    shipped = PRISTINE / f"{name}.py"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    solution = ROOT / "solutions" / f"{name}.py"
    if not solution.is_file():
        said = _("no stub of {name} can be made: it is not shipped and has no solution")
        raise UsageError(said.format(name=name))
    return stubbing.make_stub(solution.read_text(encoding="utf-8"))


def stub_in_language(name: str, path: Path) -> str:
    """The stub with its lessons in the language of the learner's file (``make lang``),
    else in the current language (``KATA_LANG`` or the locale)."""
    stub = pristine_stub(name)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    lang = lessons.language_of(current, lessons.lessons(stub)) or language()
    return lessons.localize(stub, name, lang, stub)[0]


def safe_backup(path: Path, folder: Path = state.BACKUPS) -> Path:
    """``backup(path, folder)``; a failure is a ``UsageError``: nothing was changed."""
    try:
        return backup(path, folder)
    except OSError as exc:
        said = _("could not back up {file} ({error}); nothing was changed")
        raise UsageError(said.format(file=path.name, error=exc)) from None


def reset(args) -> int:
    ex = _which("reset", args.exercise)
    path = ROOT / "exercises" / ex.filename
    stub = stub_in_language(ex.name, path)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        said = _("exercises/{file} is already the untouched stub; nothing to do")
        print(said.format(file=ex.filename))
        return 0
    saved = safe_backup(path) if path.exists() else None
    path.write_text(stub, encoding="utf-8")
    print(_("restored the stub of exercises/{file}").format(file=ex.filename))
    if saved:
        print(_("your previous version is saved as {path}").format(path=saved.relative_to(ROOT)))
    backups = [str(b.relative_to(ROOT)) for b in backups_of(ex.name)]
    if len(backups) > 1:
        print(_("all backups of this exercise:") + "\n  " + "\n  ".join(backups))
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("progress", help="[learner] every task: done / failing / not started")
    p.add_argument("--timeout", help="time limit of each test in seconds (default 10; 0: none)")
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
    except (UsageError, target.TargetError) as exc:  # an unknown name: kata.cli.main says it
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except Interrupted:  # a grading (make progress): its results are not saved
        from kata.testing.plugin import INTERRUPTED

        print(_(INTERRUPTED), file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # anything else: kata lang's files done so far stay done
        print(_("interrupted"), file=sys.stderr)
        return 130
