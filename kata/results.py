"""Per-task results, their status and the tables that show them."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from kata import catalogue

# Outcome of one graded test.
PASSED, FAILED, NOT_STARTED, MISSING, BROKEN = (
    "passed",
    "failed",
    "not started",
    "missing",
    "broken",
)

STYLE = {
    "done": ("✓ done", "green"),
    "failing": ("✗ failing", "red"),
    "not started": ("· not started", "dim"),
    "broken": ("! cannot import", "magenta"),
    "no tests": ("? no tests", "yellow"),
}


@dataclass
class TaskResult:
    task: catalogue.Task
    outcomes: list[str] = field(default_factory=list)
    reason: str = ""  # why it is broken, when it is

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return self.outcomes.count(PASSED)

    @property
    def status(self) -> str:
        if not self.outcomes:
            return "no tests"
        if self.passed == self.total:
            return "done"
        if BROKEN in self.outcomes:
            return "broken"
        if all(o in (NOT_STARTED, MISSING) for o in self.outcomes):
            return "not started"
        return "failing"

    @property
    def score(self) -> float:
        """Points earned: the task's points times the share of its tests that pass."""
        return self.task.points * self.passed / self.total if self.total else 0.0


def empty() -> dict[str, TaskResult]:
    """A result slot for every task of the catalogue, keyed ``exercise::task``."""
    return {t.key: TaskResult(t) for e in catalogue.exercises() for t in e.tasks}


def record(
    results: dict[str, TaskResult], exercise: str, task: str, outcome: str, reason: str = ""
) -> None:
    slot = results.setdefault(
        f"{exercise}::{task}", TaskResult(catalogue.exercise(exercise).task(task))
    )
    slot.outcomes.append(outcome)
    if outcome == BROKEN and reason:
        slot.reason = reason


def exercise_status(rows: Iterable[TaskResult]) -> str:
    statuses = {r.status for r in rows if r.status != "no tests"}
    if not statuses:
        return "no tests"
    for s in ("broken", "failing"):
        if s in statuses:
            return s
    if statuses == {"done"}:
        return "done"
    if statuses == {"not started"}:
        return "not started"
    return "failing"


def next_task(results: dict[str, TaskResult]) -> catalogue.Task | None:
    """The first task, in study order, that is not done."""
    for e in catalogue.exercises():
        for t in e.tasks:
            r = results.get(t.key)
            if r is not None and r.total and r.status != "done":
                return t
    return None


def _label(status: str, r: TaskResult | None = None) -> str:
    text, style = STYLE[status]
    if status == "failing" and r is not None and r.total:
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
        points = sum(r.task.points for r in rows)
        earned, possible = earned + score, possible + points
        if per_task:
            for i, r in enumerate(rows):
                t.add_row(
                    e.name if i == 0 else "",
                    r.task.name,
                    _label(r.status, r),
                    f"{r.score:g}/{r.task.points}",
                )
        else:
            status = exercise_status(rows)
            done = sum(r.status == "done" for r in rows)
            label = _label(status)
            if status == "failing":
                label = f"[red]✗ {done}/{len(rows)} tasks done[/red]"
            broken = next((r.reason for r in rows if r.reason), "")
            if broken:
                label += f" [magenta]{broken}[/magenta]"
            t.add_row(e.name, label, f"{score:g}/{points}")
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
    console.print(f"[bold]total: {earned:g}/{possible:g} points[/bold]")
    nxt = next_task(
        {k: v for k, v in results.items() if only is None or v.task.exercise in set(only)}
    )
    if nxt is not None:
        console.print(
            f"next: [bold]{nxt.exercise}.{nxt.name}[/bold] — {nxt.title}", highlight=False
        )
        console.print(
            f"  make test EX={nxt.exercise[:4]} TASK={nxt.name}  ·  make hint EX={nxt.exercise[:4]} TASK={nxt.name}",
            highlight=False,
        )
    elif possible:
        console.print("[green]everything graded here passes — well done.[/green]")
    return buf.getvalue()
