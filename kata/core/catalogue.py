"""The catalogue of exercises and tasks (``catalogue.toml``), as read by every tool."""

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kata.core.i18n import _

CATALOGUE = Path(__file__).with_name("catalogue.toml")
FORMAT_VERSION = 2
_TASK_KEYS = {"name", "title", "points", "hints"}


class UnknownName(ValueError):
    """An exercise or task name that the catalogue does not hold."""


class CatalogueError(ValueError):
    """``catalogue.toml`` does not have the expected layout."""


@dataclass(frozen=True)
class Task:
    """One graded task: a public name of an exercise module."""

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
    """One exercise module (``exNN_topic``) and its tasks, in study order."""

    name: str
    title: str
    tasks: tuple[Task, ...]
    book: str = ""  # the chapter's section, by its own number and title

    @property
    def filename(self) -> str:
        return f"{self.name}.py"

    @property
    def test_file(self) -> str:
        return f"tests/test_{self.name}.py"

    @property
    def short(self) -> str:
        """The short name learners type: ``ex03``."""
        return self.name.split("_", 1)[0]

    @property
    def number(self) -> int:
        return int(self.short[2:])

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tasks)

    def task(self, name: str) -> Task:
        """The task called ``name`` (case does not matter); ``UnknownName`` otherwise."""
        found = [t for t in self.tasks if t.name == name] or [
            t for t in self.tasks if t.name.lower() == str(name).lower()
        ]
        if len(found) == 1:
            return found[0]
        said = _("{exercise} has no task {name}; its tasks are: {tasks}")
        tasks = ", ".join(t.name for t in self.tasks)
        raise UnknownName(said.format(exercise=self.name, name=repr(name), tasks=tasks))


def _check_keys(where: str, table: dict, allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogueError(
            f"{CATALOGUE.name}: unknown key(s) {', '.join(unknown)} in {where}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def parse(text: str) -> tuple[Exercise, ...]:
    """The exercises of a catalogue's text; ``CatalogueError`` on any layout problem."""
    data = tomllib.loads(text)
    _check_keys("the top level", data, {"format_version", "exercise"})
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise CatalogueError(
            f"{CATALOGUE.name}: format_version {version!r}, this kata reads {FORMAT_VERSION}"
        )
    out = []
    for e in data.get("exercise", []):
        _check_keys(f"exercise {e.get('name')!r}", e, {"name", "title", "book", "task"})
        if not re.fullmatch(r"ex\d{2}_[a-z0-9_]+", str(e.get("name"))):
            raise CatalogueError(
                f"{CATALOGUE.name}: exercise name {e.get('name')!r} is not exNN_topic"
            )
        if not str(e.get("book", "")).strip():
            raise CatalogueError(f"{CATALOGUE.name}: exercise {e['name']!r} has no book")
        for t in e["task"]:
            _check_keys(f"task {e['name']}.{t.get('name')}", t, _TASK_KEYS)
        tasks = (
            Task(e["name"], t["name"], t["title"], int(t["points"]), tuple(t.get("hints", ())))
            for t in e["task"]
        )
        out.append(Exercise(e["name"], e["title"], tuple(tasks), e["book"]))
    return tuple(out)


@functools.cache
def exercises() -> tuple[Exercise, ...]:
    """All exercises, in study order."""
    return parse(CATALOGUE.read_text(encoding="utf-8"))


def names() -> list[str]:
    return [e.name for e in exercises()]


def exercise(name: str) -> Exercise:
    """Exercise ``name`` (full name, ``ex03``, ``03`` or ``3``, any case), else ``UnknownName``."""
    key = str(name).strip().lower().removesuffix(".py")
    number = re.fullmatch(r"(?:ex)?(\d+)", key)
    for e in exercises():
        if key == e.name or (number and int(number.group(1)) == e.number):
            return e
    said = _("unknown exercise {name}; the exercises are: {names}")
    raise UnknownName(said.format(name=repr(name), names=", ".join(names())))
