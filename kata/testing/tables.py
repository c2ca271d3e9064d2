"""The learner's tables: one row per exercise or per task, the total and the next task."""

from __future__ import annotations

import functools
import io

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


def table(results: dict[str, TaskResult], *, per_task: bool):
    """A rich Table: one row per exercise, or one per task with ``per_task``; and the
    points earned and possible."""
    from rich.table import Table

    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in [_("exercise"), *([_("task")] if per_task else []), _("status")]:
        t.add_column(column)
    t.add_column(_("points"), justify="right")
    earned = possible = 0.0
    for e in catalogue.exercises():
        rows = [results[t_.key] for t_ in e.tasks if t_.key in results and results[t_.key].total]
        if not rows:
            continue
        score, most = sum(r.score for r in rows), sum(r.task.points for r in rows)
        earned, possible = earned + score, possible + most
        if per_task:
            for i, r in enumerate(rows):
                points = f"{show_points(r.score)}/{r.task.points}"
                t.add_row(e.name if i == 0 else "", r.task.name, _label(r.status, r), points)
            continue
        status = exercise_status(r.status for r in rows)
        label = _label(status)
        if status == Status.FAILING:
            done = sum(r.status == Status.DONE for r in rows)
            label = "[red]" + _("✗ {done}/{total} tasks done").format(done=done, total=len(rows))
            label += "[/red]"
        if any(r.reason for r in rows):  # said in full under the table, where it has the width
            label += " [magenta](why: below)[/magenta]"
        t.add_row(e.name, label, f"{show_points(score)}/{most}")
    return t, earned, possible


def next_exercise(results: dict[str, TaskResult], known: dict[str, TaskResult] | None):
    """After a narrowed run that passes: the first task, in study order, of another
    exercise that is not done as far as ``known`` (the last runs) tells."""
    graded = {r.task.exercise for r in results.values() if r.total}
    for e in catalogue.exercises():
        for t in e.tasks if e.name not in graded else ():
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
    known: dict[str, TaskResult] | None = None,
) -> str:
    """The table, the total and the next task to do, as text for a terminal; ``known``
    (earlier runs' results) names the next exercise after a narrowed run that passes."""
    from rich.console import Console

    console = Console(  # force_jupyter=False: in a notebook's kernel rich would display it
        file=io.StringIO(),
        force_terminal=color,
        force_jupyter=False,
        color_system="standard" if color else None,
        width=width,
    )
    t, earned, possible = table(results, per_task=per_task)
    console.print(t)
    say = functools.partial(console.print, highlight=False, soft_wrap=True)
    # why each exercise that cannot be imported cannot be (one LoadError for all its tasks)
    broken = {r.task.exercise: r.reason for r in results.values() if r.reason and r.total}
    for name, reason in broken.items():
        say(f"[magenta]{name}: {reason}[/magenta]")
    total = _("total: {earned}/{possible} points").format(
        earned=show_points(earned), possible=show_points(possible)
    )
    console.print(f"[bold]{total}[/bold]")
    nxt = next_task(results)
    if nxt is not None:
        task = f"[bold]{nxt.exercise}.{nxt.name}[/bold]"
        say(_("next: {task} — {title}").format(task=task, title=task_title(nxt)))
        short = catalogue.exercise(nxt.exercise).short
        cmds = [f"make test EX={short} TASK={nxt.name}", f"make hint EX={short} TASK={nxt.name}"]
        one = "  " + "  ·  ".join(cmds)  # on one line when it fits
        for line in [one] if len(one) <= width else [f"  {c}" for c in cmds]:
            say(line)
    elif possible:
        console.print("[green]" + _("everything graded here passes — well done.") + "[/green]")
        after = next_exercise(results, known)
        if after is not None:
            short = catalogue.exercise(after.exercise).short
            exercise = f"[bold]{after.exercise}[/bold]"
            say(
                _("next exercise: {exercise} — make test EX={short}").format(
                    exercise=exercise, short=short
                )
            )
    return console.file.getvalue()
