"""The catalogue of exercises and tasks (``catalogue.toml``), as read by every tool."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

CATALOGUE = Path(__file__).with_name("catalogue.toml")


class UnknownName(ValueError):
    """An exercise or task name that the catalogue does not hold."""


@dataclass(frozen=True)
class Task:
    exercise: str
    name: str
    title: str
    points: int
    hints: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.exercise}::{self.name}"


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    tasks: tuple[Task, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.py"

    @property
    def test_file(self) -> str:
        return f"tests/test_{self.name}.py"

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tasks)

    def task(self, name: str) -> Task:
        for t in self.tasks:
            if t.name == name:
                return t
        valid = ", ".join(t.name for t in self.tasks)
        raise UnknownName(f"{self.name} has no task {name!r}; its tasks are: {valid}")


@functools.cache
def exercises() -> tuple[Exercise, ...]:
    """All exercises, in study order."""
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    out = []
    for e in data["exercise"]:
        tasks = tuple(
            Task(e["name"], t["name"], t["title"], int(t["points"]), tuple(t.get("hints", ())))
            for t in e["task"]
        )
        out.append(Exercise(e["name"], e["title"], tasks))
    return tuple(out)


def names() -> list[str]:
    return [e.name for e in exercises()]


def exercise(name: str) -> Exercise:
    """The exercise called ``name`` (``ex03`` and ``3`` also work); ``UnknownName`` otherwise."""
    key = str(name).strip().removesuffix(".py")
    for e in exercises():
        if key in (e.name, e.name[:4], e.name[2:4], e.name[3:4]):
            return e
    raise UnknownName(f"unknown exercise {name!r}; the exercises are: {', '.join(names())}")
