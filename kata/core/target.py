"""Find and load the code under test: ``KATA_TARGET`` / ``--target``.

The target is ``exercises`` (the default), ``solutions``, or the path of any
directory holding modules named as in the catalogue: ``<name>.py``, or a Jupyter
notebook ``<name>.ipynb`` (its code cells, see ``kata.core.ipynb``; the ``.py``
wins when both exist). Each module is loaded by file path, on its own, so a
module that fails to import fails only its own exercise.

A notebook's live kernel is a target too: ``serving(name, module, where)`` hands
the tests ``module`` (made from the kernel's namespace by ``kata.check``) instead
of any file, for as long as the ``with`` block lasts.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from kata import ROOT
from kata.core import guard, ipynb, settings
from kata.core.i18n import _

NAMED = ("exercises", "solutions")


class TargetError(ValueError):
    """The target directory does not exist."""


class LoadError(Exception):
    """An exercise module could not be loaded; the message is one line."""


def resolve(target: str | os.PathLike | None = None) -> Path:
    """The directory to grade: ``target``, else ``$KATA_TARGET``, else ``exercises``."""
    raw = str(target or settings.get("KATA_TARGET"))
    path = ROOT / raw if raw in NAMED else Path(raw).expanduser()
    path = path.resolve()
    if not path.is_dir():
        raise TargetError(
            _(
                "{var}/--target {raw} is not a directory; use 'exercises', 'solutions' "
                "or the path of a folder holding the exercise modules"
            ).format(var="KATA_TARGET", raw=repr(raw))
        )
    return path


def describe(path: Path) -> str:
    """A short name for the target, relative to the repository when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


_LIVE: dict[str, tuple[ModuleType, str, str]] = {}  # exercise -> (module, its name, source)
NOTES: dict[str, list[str]] = {}  # exercise -> what loading its notebook dropped


@contextlib.contextmanager
def serving(name: str, module: ModuleType, where: str, source: str = ""):
    """While the block runs, ``load(name, …)`` returns ``module``, which messages
    call ``where`` (e.g. "this notebook"), and ``live_source(name)`` its ``source``."""
    _LIVE[name] = (module, where, source)
    try:
        yield module
    finally:
        _LIVE.pop(name, None)


def live_source(name: str) -> str | None:
    """The source of the live module served for ``name`` (a notebook's cells, for a
    test that must load the module in another process), or None."""
    return _LIVE[name][2] if name in _LIVE else None


def find(name: str, directory: Path) -> Path:
    """The file of module ``name`` in ``directory``: ``name.py``, else ``name.ipynb``
    when only that exists (the ``.py`` path, missing, when neither does)."""
    path = Path(directory) / f"{name}.py"
    notebook = path.with_suffix(ipynb.SUFFIX)
    return notebook if not path.is_file() and notebook.is_file() else path


def where(name: str, directory: Path) -> str:
    """How messages name module ``name`` of the target: its file, or the live notebook."""
    if name in _LIVE:
        return _LIVE[name][1]
    return describe(find(name, directory))


def load(name: str, directory: Path) -> ModuleType:
    """Import ``directory/name.py`` (or ``name.ipynb``) afresh, under a private module
    name, from its source (no ``__pycache__`` is read or written next to the
    learner's files). A live module given to ``serving`` is returned as it is.

    Raises ``LoadError`` with a one-line reason when the file is missing or raises
    while it is imported (a syntax error included).
    """
    if name in _LIVE:
        return _LIVE[name][0]
    path = find(name, directory)
    if not path.is_file():
        raise LoadError(_("{path} not found").format(path=describe(path)))
    converted = None
    if path.suffix == ipynb.SUFFIX:
        try:
            converted = ipynb.convert(path)
        except ipynb.NotebookError as exc:
            raise LoadError(f"{describe(path)}: {exc}") from None
        NOTES[name] = [f"{describe(path)}: dropped {n}" for n in converted.notes]
        text = converted.text
    else:
        try:
            text = guard.read(path, describe(path))
        except UnicodeError as exc:
            raise LoadError(str(exc)) from None
        text, dropped = ipynb.drop_scratch(text)  # cells tagged "scratch" are not graded
        NOTES[name] = [f"{describe(path)}: dropped {n}" for n in dropped]
    modname = f"kata_target_{name}"
    spec = importlib.util.spec_from_file_location(modname, path.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[modname] = module  # dataclasses, pickling and Keras need a real module
    try:
        # Compiled from the text every time (never a cached .pyc: Python trusts a
        # .pyc whose source has the same size and mtime second, so a save within a
        # second of the last run would go unseen), with the run-time guard.
        guard.run_module(module, text, str(path))
    except SyntaxError as exc:
        sys.modules.pop(modname, None)
        raise LoadError(f"{_at(path, exc.lineno, converted)}: SyntaxError: {exc.msg}") from None
    except (Exception, SystemExit) as exc:  # any failure at import is the learner's
        sys.modules.pop(modname, None)
        line = _line_in(path, exc)
        raise LoadError(
            _("{where}: {error} while importing: {message}")
            .format(where=_at(path, line, converted), error=type(exc).__name__, message=exc)
            .splitlines()[0]
        ) from None
    return module


def _at(path: Path, line: int | None, converted: ipynb.Module | None) -> str:
    """``exercises/ex03.py:12``, or ``ex03.ipynb, cell 4 ("def f():"), line 2``."""
    if converted is not None:
        cell = converted.where(line)
        return f"{describe(path)}, {cell}" if cell else describe(path)
    return f"{describe(path)}:{line}" if line else describe(path)


def _line_in(path: Path, exc: BaseException) -> int | None:
    """The deepest line of ``path`` in the traceback of ``exc``."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line
