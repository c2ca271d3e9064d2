"""What one pytest run of the graded suites carries (on ``config.stash``), and how a
test item names its exercise and task (kept on its stash: the hooks ask many times)."""

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


RUN = pytest.StashKey[RunState]()
_EXERCISE = pytest.StashKey[str | None]()
_TASK = pytest.StashKey[str | None]()


def exercise_of(item) -> str | None:
    """The exercise a test item grades: its file is ``tests/test_<exercise>.py``."""
    if _EXERCISE not in item.stash:
        name = Path(str(item.path)).stem
        item.stash[_EXERCISE] = name.removeprefix("test_") if name.startswith("test_") else None
    return item.stash[_EXERCISE]


def task_of(item) -> str | None:
    """The catalogue task a test item grades (its ``@pytest.mark.task``)."""
    if _TASK not in item.stash:
        mark = item.get_closest_marker("task")
        item.stash[_TASK] = mark.args[0] if mark and mark.args else None
    return item.stash[_TASK]
