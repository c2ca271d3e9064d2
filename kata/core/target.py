"""Find and load the code under test: ``KATA_TARGET`` / ``--target``.

The target is ``exercises`` (the default), ``solutions``, or the path of any
directory holding modules named as in the catalogue. Each module is loaded by file
path, on its own, so a module that fails to import fails only its own exercise.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from kata import ROOT
from kata.core.i18n import _

ENV_VAR = "KATA_TARGET"
NAMED = ("exercises", "solutions")


class TargetError(ValueError):
    """The target directory does not exist."""


class LoadError(Exception):
    """An exercise module could not be loaded; the message is one line."""


def resolve(target: str | os.PathLike | None = None) -> Path:
    """The directory to grade: ``target``, else ``$KATA_TARGET``, else ``exercises``."""
    raw = str(target or os.environ.get(ENV_VAR) or "exercises")
    path = ROOT / raw if raw in NAMED else Path(raw).expanduser()
    path = path.resolve()
    if not path.is_dir():
        raise TargetError(
            _(
                "{var}/--target {raw} is not a directory; use 'exercises', 'solutions' "
                "or the path of a folder holding the exercise modules"
            ).format(var=ENV_VAR, raw=repr(raw))
        )
    return path


def describe(path: Path) -> str:
    """A short name for the target, relative to the repository when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def load(name: str, directory: Path) -> ModuleType:
    """Import ``directory/name.py`` afresh, under a private module name, from its
    source (no ``__pycache__`` is read or written next to the learner's files).

    Raises ``LoadError`` with a one-line reason when the file is missing or raises
    while it is imported (a syntax error included).
    """
    path = Path(directory) / f"{name}.py"
    if not path.is_file():
        raise LoadError(_("{path} not found").format(path=describe(path)))
    modname = f"kata_target_{name}"
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module  # dataclasses, pickling and Keras need a real module
    try:
        # Compiled from the source every time, never from a cached .pyc: Python
        # trusts a .pyc whose source has the same size and mtime second, so an edit
        # saved within a second of the last run (watch mode) would go unseen.
        code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except SyntaxError as exc:
        sys.modules.pop(modname, None)
        raise LoadError(f"{describe(path)}:{exc.lineno}: SyntaxError: {exc.msg}") from None
    except (Exception, SystemExit) as exc:  # any failure at import is the learner's
        sys.modules.pop(modname, None)
        line = _line_in(path, exc)
        where = f"{describe(path)}:{line}" if line else describe(path)
        raise LoadError(
            _("{where}: {error} while importing: {message}")
            .format(where=where, error=type(exc).__name__, message=exc)
            .splitlines()[0]
        ) from None
    return module


def _line_in(path: Path, exc: BaseException) -> int | None:
    """The deepest line of ``path`` in the traceback of ``exc``."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line
