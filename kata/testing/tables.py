"""The learner's tables: one row per exercise or per task, the total and the next task."""

from __future__ import annotations

import io
from collections.abc import Iterable

from kata.core import catalogue
from kata.core.i18n import N_, _, task_title, tidy
from kata.core.outcomes import Status, TaskResult, exercise_status, next_task, show_points

STATUS_LABEL = {
    Status.DONE: (N_("✓ done"), "green"),
    Status.FAILING: (N_("✗ failing"), "red"),
    Status.NOT_STARTED: (N_("· not started"), "dim"),
    Status.BROKEN: (N_("! cannot import"), "magenta"),
    Status.NO_TESTS: (N_("? no tests"), "yellow"),
}


def label_text(status: Status) -> str:
    """The status word (with its mark) in the current language."""
    return _(STATUS_LABEL[status][0])


def _label(status: Status, r: TaskResult | None = None) -> str:
    text, style = label_text(status), STATUS_LABEL[status][1]
    if status == Status.FAILING and r is not None and r.total:
        text = tidy(
            text + " " + _("({passed}/{total} tests pass)").format(passed=r.passed, total=r.total)
        )
    return f"[{style}]{text}[/{style}]"


def table(results: dict[str, TaskResult], *, per_task: bool, only: Iterable[str] | None = None):
    """A rich Table: one row per exercise, or one per task with ``per_task``."""
    from rich.table import Table

    only = set(only) if only is not None else None
    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    t.add_column(_("exercise"))
    if per_task:
        t.add_column(_("task"))
    t.add_column(_("status"))
    t.add_column(_("points"), justify="right")
    earned = possible = 0.0
    for e in catalogue.exercises():
        if only is not None and e.name not in only:
            continue
        rows = [results[t_.key] for t_ in e.tasks if t_.key in results and results[t_.key].total]
        if not rows:
            continue
        score = sum(r.score for r in rows)
        most = sum(r.task.points for r in rows)
        earned, possible = earned + score, possible + most
        if per_task:
            for i, r in enumerate(rows):
                t.add_row(
                    e.name if i == 0 else "",
                    r.task.name,
                    _label(r.status, r),
                    f"{show_points(r.score)}/{r.task.points}",
                )
        else:
            status = exercise_status(r.status for r in rows)
            done = sum(r.status == Status.DONE for r in rows)
            label = _label(status)
            if status == Status.FAILING:
                label = (
                    "[red]"
                    + _("✗ {done}/{total} tasks done").format(done=done, total=len(rows))
                    + "[/red]"
                )
            broken = next((r.reason for r in rows if r.reason), "")
            if broken:  # said in full under the table, where it has the whole width
                label += " [magenta](why: below)[/magenta]"
            t.add_row(e.name, label, f"{show_points(score)}/{most}")
    return t, earned, possible


def broken(results: dict[str, TaskResult], only=None) -> dict[str, str]:
    """Why each exercise that cannot be imported cannot be (one line each)."""
    out = {}
    for r in results.values():
        if r.reason and r.total and (only is None or r.task.exercise in set(only)):
            out.setdefault(r.task.exercise, r.reason)
    return out


def commands(exercise: str, task: str, width: int) -> list[str]:
    """The commands to run next for a task, on one line when it fits ``width``."""
    short = catalogue.exercise(exercise).short
    cmds = [f"make test EX={short} TASK={task}", f"make hint EX={short} TASK={task}"]
    line = "  " + "  ·  ".join(cmds)
    return [line] if len(line) <= width else [f"  {c}" for c in cmds]


def next_exercise(results: dict[str, TaskResult], known: dict[str, TaskResult] | None):
    """After a narrowed run that passes: the first task, in study order, of another
    exercise that is not done as far as ``known`` (the last runs) tells."""
    graded = {r.task.exercise for r in results.values() if r.total}
    for e in catalogue.exercises():
        if e.name in graded:
            continue
        for t in e.tasks:
            r = (known or {}).get(t.key)
            if r is None or not r.total or r.status != Status.DONE:
                return t
    return None


def render(
    results: dict[str, TaskResult],
    *,
    per_task: bool,
    color: bool = False,
    width: int = 100,
    only=None,
    known: dict[str, TaskResult] | None = None,
) -> str:
    """The table, the total and the next task to do, as text for a terminal.

    ``known``: the results of earlier runs, to name the next exercise when this
    run graded only some exercises and everything in it passes.
    """
    from rich.console import Console

    buf = io.StringIO()
    console = Console(  # force_jupyter=False: in a notebook's kernel rich would display it
        file=buf,
        force_terminal=color,
        force_jupyter=False,
        color_system="standard" if color else None,
        width=width,
    )
    t, earned, possible = table(results, per_task=per_task, only=only)
    console.print(t)
    for name, reason in broken(results, only).items():
        console.print(f"[magenta]{name}: {reason}[/magenta]", soft_wrap=True, highlight=False)
    total = _("total: {earned}/{possible} points").format(
        earned=show_points(earned), possible=show_points(possible)
    )
    console.print(f"[bold]{total}[/bold]")
    nxt = next_task(
        {k: v for k, v in results.items() if only is None or v.task.exercise in set(only)}
    )
    if nxt is not None:
        console.print(
            _("next: {task} — {title}").format(
                task=f"[bold]{nxt.exercise}.{nxt.name}[/bold]", title=task_title(nxt)
            ),
            highlight=False,
            soft_wrap=True,
        )
        for line in commands(nxt.exercise, nxt.name, width):
            console.print(line, highlight=False, soft_wrap=True)
    elif possible:
        console.print("[green]" + _("everything graded here passes — well done.") + "[/green]")
        after = next_exercise(results, known)
        if after is not None:
            short = catalogue.exercise(after.exercise).short
            console.print(
                _("next exercise: {exercise} — make test EX={short}").format(
                    exercise=f"[bold]{after.exercise}[/bold]", short=short
                ),
                highlight=False,
                soft_wrap=True,
            )
    return buf.getvalue()
