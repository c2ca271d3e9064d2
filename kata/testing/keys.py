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


def _kept(item, key, compute):
    """``compute(item)``, worked out once and kept on the item's stash (the kata's
    hooks ask for an item's exercise and task many times per test)."""
    found = item.stash.get(key, key)
    if found is key:
        found = item.stash[key] = compute(item)
    return found


def _exercise_from_path(item) -> str | None:
    name = Path(str(item.path)).stem
    return name[len("test_") :] if name.startswith("test_") else None


def _task_from_mark(item) -> str | None:
    mark = item.get_closest_marker("task")
    return mark.args[0] if mark and mark.args else None


def exercise_of(item) -> str | None:
    """The exercise a test item grades: its file is ``tests/test_<exercise>.py``."""
    return _kept(item, _EXERCISE, _exercise_from_path)


def task_of(item) -> str | None:
    """The catalogue task a test item grades (its ``@pytest.mark.task``)."""
    return _kept(item, _TASK, _task_from_mark)
