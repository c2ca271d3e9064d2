"""The grader's data model: what was decided for each test, task, exercise and submission."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kata.core import catalogue
from kata.core.outcomes import Outcome, Status, points, task_status


class Verdict(enum.StrEnum):
    """How an exercise was graded: its tests counted, or it scores 0 for the reason named."""

    GRADED = "graded"
    MISSING = "missing"  # no module of that name in the submission
    NO_TESTS = "no tests"  # the kata has no tests for it (it counts for nothing)
    KILLED = "killed"  # the watchdog stopped it (time or memory)
    TAMPERED = "tampered"  # it changed the checking machinery
    CRASHED = "crashed"  # its test process died
    ERROR = "error"  # its tests did not start
    QUARANTINED = "quarantined: needs instructor review"  # the loader cannot decode it: not run
    REFUSED = "refused"  # not a module the grader takes (a symbolic link)


GRADED, MISSING, NO_TESTS, KILLED, TAMPERED, CRASHED, ERROR, QUARANTINED, REFUSED = Verdict


@dataclass
class CheckOutcome:
    """One graded test as the grader saw it finish (or not)."""

    id: str  # pytest node id
    hidden: bool = False  # an instructor-only test (tests/hidden/)
    outcome: str = Outcome.NO_RESULT  # an ``Outcome`` value
    message: str = ""  # the failure's text, already sanitized
    seconds: float = 0.0  # how long it ran (setup, call, teardown), as its process timed it

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASSED


@dataclass
class TaskGrade:
    """The tests of one task and the points they earn."""

    task: catalogue.Task
    tests: list[CheckOutcome] = field(default_factory=list)
    verdict: str = ""  # set when the whole exercise scores 0

    def mine(self, hidden: bool | None = None) -> list[CheckOutcome]:
        """The task's visible (False) or hidden (True) tests, or all of them."""
        return [t for t in self.tests if hidden is None or t.hidden == hidden]

    def share(self, hidden: bool | None = None) -> tuple[float, float]:
        """(score, max_score) of this task's visible (False) or hidden (True) tests, or all."""
        n, mine = len(self.tests), self.mine(hidden)
        if not n:
            return 0.0, float(self.task.points if hidden is not True else 0)
        passed = 0 if self.verdict else sum(t.passed for t in mine)
        return points(self.task.points, passed, n), points(self.task.points, len(mine), n)

    @property
    def score(self) -> float:
        return self.share()[0]

    @property
    def status(self) -> str:
        """The verdict that zeroed the exercise, else the task's ``Status`` (failing: a count)."""
        if self.verdict:
            return self.verdict
        status = task_status(t.outcome for t in self.tests)
        if status == Status.FAILING:
            return f"failing {sum(t.passed for t in self.tests)}/{len(self.tests)}"
        return "cannot import" if status == Status.BROKEN else str(status)


@dataclass
class ExerciseGrade:
    """One exercise of a submission: its verdict, its flags, its tasks."""

    exercise: catalogue.Exercise
    status: str = Verdict.GRADED
    reason: str = ""  # why it scores 0, when it does
    module: str = ""  # the module's path in the submission
    flags: list[str] = field(default_factory=list)
    tasks: dict[str, TaskGrade] = field(default_factory=dict)

    def __post_init__(self):
        self.tasks = {t.name: TaskGrade(t) for t in self.exercise.tasks}

    @property
    def counted(self) -> bool:
        return self.status != Verdict.NO_TESTS

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tasks.values()) if self.status == Verdict.GRADED else 0.0

    @property
    def max_score(self) -> float:
        return float(self.exercise.points) if self.counted else 0.0

    def set_verdict(self, status: str, reason: str) -> None:
        """Zero the whole exercise for ``reason``."""
        self.status, self.reason = status, reason
        for t in self.tasks.values():
            t.verdict = status


@dataclass
class Grade:
    """A whole submission's grade: every exercise asked for, and submission-wide flags."""

    submission: str
    exercises: dict[str, ExerciseGrade]
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = ""  # "bubblewrap" or the fallback's name
    sandbox_note: str = ""  # why the fallback was used
    problem: str = ""  # a reason that concerns the whole submission (no folder, no modules)

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises.values())

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises.values())
