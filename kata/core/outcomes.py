"""The one vocabulary of results: a test's ``Outcome``, a task's or an exercise's
``Status``, and the points a task earns."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from kata.core import catalogue


class Outcome(enum.StrEnum):
    """What one graded test showed."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_STARTED = "not started"  # the function still raises NotImplementedError
    MISSING = "missing"  # the module lacks the name the test needs
    BROKEN = "broken"  # the module cannot be imported
    ERROR = "error"  # the test's setup or teardown failed, or it never ran its body
    NO_RESULT = "no result"  # the grader never saw the test finish


class Status(enum.StrEnum):
    """Where a task, or an exercise, stands."""

    DONE = "done"
    FAILING = "failing"
    NOT_STARTED = "not started"
    BROKEN = "broken"
    NO_TESTS = "no tests"


def task_status(outcomes: Iterable[str]) -> Status:
    """The status of a task whose tests had these outcomes."""
    seen = {Outcome(o) for o in outcomes}
    if not seen:
        return Status.NO_TESTS
    if seen == {Outcome.PASSED}:
        return Status.DONE
    if Outcome.BROKEN in seen:
        return Status.BROKEN
    if seen <= {Outcome.NOT_STARTED, Outcome.MISSING}:
        return Status.NOT_STARTED
    return Status.FAILING


def exercise_status(statuses: Iterable[str]) -> Status:
    """The status of an exercise whose tasks have these statuses."""
    seen = {Status(s) for s in statuses} - {Status.NO_TESTS}
    if not seen:
        return Status.NO_TESTS
    if Status.BROKEN in seen:
        return Status.BROKEN
    return seen.pop() if len(seen) == 1 else Status.FAILING


def points(task_points: float, passed: int, total: int) -> float:
    """Points earned: the task's points times the share of its tests that pass."""
    return task_points * passed / total if total else 0.0


def show_points(value: float) -> str:
    """Points as people read them: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


@dataclass
class TaskResult:
    """The outcomes of one task's tests in one run."""

    task: catalogue.Task
    outcomes: list[Outcome] = field(default_factory=list)
    reason: str = ""  # why it is broken, when it is

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return self.outcomes.count(Outcome.PASSED)

    @property
    def status(self) -> Status:
        return task_status(self.outcomes)

    @property
    def score(self) -> float:
        return points(self.task.points, self.passed, self.total)


def empty() -> dict[str, TaskResult]:
    """A result slot for every task of the catalogue, keyed ``exercise::task``."""
    return {t.key: TaskResult(t) for e in catalogue.exercises() for t in e.tasks}


def record(
    results: dict[str, TaskResult], exercise: str, task: str, outcome: str, reason: str = ""
) -> None:
    """Add one test's outcome to its task's slot."""
    slot = results.setdefault(
        f"{exercise}::{task}", TaskResult(catalogue.exercise(exercise).task(task))
    )
    slot.outcomes.append(Outcome(outcome))
    if outcome == Outcome.BROKEN and reason:
        slot.reason = reason


def next_task(results: dict[str, TaskResult]) -> catalogue.Task | None:
    """The first task, in study order, that has tests and is not done."""
    for t in (t for e in catalogue.exercises() for t in e.tasks):
        if (r := results.get(t.key)) and r.total and r.status != Status.DONE:
            return t
    return None
