"""The learner's tables: one row per exercise or per task, the total and the next task."""

from __future__ import annotations

import io
from collections.abc import Iterable

from kata.core import catalogue
from kata.core.outcomes import Status, TaskResult, exercise_status, next_task, show_points

STATUS_LABEL = {
    Status.DONE: ("✓ done", "green"),
    Status.FAILING: ("✗ failing", "red"),
    Status.NOT_STARTED: ("· not started", "dim"),
    Status.BROKEN: ("! cannot import", "magenta"),
    Status.NO_TESTS: ("? no tests", "yellow"),
}


def _label(status: Status, r: TaskResult | None = None) -> str:
    text, style = STATUS_LABEL[status]
    if status == Status.FAILING and r is not None and r.total:
        text += f" ({r.passed}/{r.total} tests pass)"
    return f"[{style}]{text}[/{style}]"


def table(results: dict[str, TaskResult], *, per_task: bool, only: Iterable[str] | None = None):
    """A rich Table: one row per exercise, or one per task with ``per_task``."""
    from rich.table import Table

    only = set(only) if only is not None else None
    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    t.add_column("exercise")
    if per_task:
        t.add_column("task")
    t.add_column("status")
    t.add_column("points", justify="right")
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
                label = f"[red]✗ {done}/{len(rows)} tasks done[/red]"
            broken = next((r.reason for r in rows if r.reason), "")
            if broken:
                label += f" [magenta]{broken}[/magenta]"
            t.add_row(e.name, label, f"{show_points(score)}/{most}")
    return t, earned, possible


def render(
    results: dict[str, TaskResult],
    *,
    per_task: bool,
    color: bool = False,
    width: int = 100,
    only=None,
) -> str:
    """The table, the total and the next task to do, as text for a terminal."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, color_system="standard" if color else None, width=width
    )
    t, earned, possible = table(results, per_task=per_task, only=only)
    console.print(t)
    console.print(f"[bold]total: {show_points(earned)}/{show_points(possible)} points[/bold]")
    nxt = next_task(
        {k: v for k, v in results.items() if only is None or v.task.exercise in set(only)}
    )
    if nxt is not None:
        short = catalogue.exercise(nxt.exercise).short
        console.print(
            f"next: [bold]{nxt.exercise}.{nxt.name}[/bold] — {nxt.title}", highlight=False
        )
        console.print(
            f"  make test EX={short} TASK={nxt.name}  ·  make hint EX={short} TASK={nxt.name}",
            highlight=False,
        )
    elif possible:
        console.print("[green]everything graded here passes — well done.[/green]")
    return buf.getvalue()
