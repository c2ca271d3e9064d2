"""What one pytest run of the graded suites carries (on ``config.stash``), and how a
test item names its exercise and task."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kata.core import outcomes


@dataclass
class RunState:
    """The state of one run: the target graded, its modules, its results."""

    target: Path
    results: dict[str, outcomes.TaskResult] = field(default_factory=outcomes.empty)
    modules: dict = field(default_factory=dict)  # exercise -> module or LoadError
    made: dict = field(default_factory=dict)  # the ``once`` fixture's objects
    interrupted: bool = False


RUN = pytest.StashKey[RunState]()


_EXERCISE = pytest.StashKey[object]()
_TASK = pytest.StashKey[object]()


def exercise_of(item) -> str | None:
    """The exercise a test item grades: its file is ``tests/test_<exercise>.py``.
    (Asked several times per test by the kata's hooks: kept on the item.)"""
    found = item.stash.get(_EXERCISE, _EXERCISE)
    if found is _EXERCISE:
        name = Path(str(item.path)).stem
        found = item.stash[_EXERCISE] = name[len("test_") :] if name.startswith("test_") else None
    return found


def task_of(item) -> str | None:
    """The catalogue task a test item grades (its ``@pytest.mark.task``), kept on the item."""
    found = item.stash.get(_TASK, _TASK)
    if found is _TASK:
        mark = item.get_closest_marker("task")
        found = item.stash[_TASK] = mark.args[0] if mark and mark.args else None
    return found
