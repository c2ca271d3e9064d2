"""Find and load the code under test (``KATA_TARGET`` / ``--target``): ``exercises``,
``solutions`` or any folder of ``<name>.py`` or ``<name>.ipynb`` modules (the ``.py``
wins), each loaded on its own; ``serving`` puts a notebook's live kernel in their place."""

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
    path = (ROOT / raw if raw in NAMED else Path(raw).expanduser()).resolve()
    if not path.is_dir():
        said = _(
            "{var}/--target {raw} is not a directory; use 'exercises', 'solutions' "
            "or the path of a folder holding the exercise modules"
        )
        raise TargetError(said.format(var="KATA_TARGET", raw=repr(raw)))
    return path


def describe(path: Path) -> str:
    """A short name for the target, relative to the repository when inside it."""
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


_LIVE: dict[str, tuple[ModuleType, str, str]] = {}  # exercise -> (module, its name, source)
NOTES: dict[str, list[str]] = {}  # exercise -> what loading it dropped (scratch cells...)


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
    """The source of the live module served for ``name``, or None."""
    return _LIVE[name][2] if name in _LIVE else None


def find(name: str, directory: Path) -> Path:
    """``directory/name.py``, or ``name.ipynb`` when only that exists."""
    path = Path(directory) / f"{name}.py"
    notebook = path.with_suffix(ipynb.SUFFIX)
    return notebook if not path.is_file() and notebook.is_file() else path


def where(name: str, directory: Path) -> str:
    """How messages name module ``name`` of the target: its file, or the live notebook."""
    return _LIVE[name][1] if name in _LIVE else describe(find(name, directory))


def load(name: str, directory: Path) -> ModuleType:
    """The module ``serving`` serves, or ``name.py`` (``.ipynb``) run afresh from its text with
    the guard (never a ``.pyc``: Python trusts one whose source has the same size and mtime
    second); ``LoadError`` (one line) when it is missing or raises while it is imported."""
    if name in _LIVE:
        return _LIVE[name][0]
    path = find(name, directory)
    if not path.is_file():
        raise LoadError(_("{path} not found").format(path=describe(path)))
    converted = None
    try:
        if path.suffix == ipynb.SUFFIX:
            converted = ipynb.convert(path)
            text, dropped = converted.text, converted.notes
        else:  # cells tagged "scratch" are not graded
            text, dropped = ipynb.drop_scratch(guard.read(path, describe(path)))
    except ipynb.NotebookError as exc:
        raise LoadError(f"{describe(path)}: {exc}") from None
    except UnicodeError as exc:  # guard.read's reason, which names the file
        raise LoadError(str(exc)) from None
    NOTES[name] = [f"{describe(path)}: dropped {n}" for n in dropped]
    modname = f"kata_target_{name}"
    spec = importlib.util.spec_from_file_location(modname, path.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[modname] = module  # dataclasses, pickling and Keras need a real module
    try:
        guard.run_pieces(module, [(text, str(path))])
    except (Exception, SystemExit) as exc:  # any failure at import is the learner's
        sys.modules.pop(modname, None)
        if isinstance(exc, SyntaxError):
            raise LoadError(f"{_at(path, exc.lineno, converted)}: SyntaxError: {exc.msg}") from None
        frames = traceback.extract_tb(exc.__traceback__)
        line = next((f.lineno for f in reversed(frames) if Path(f.filename) == path), None)
        raise LoadError(
            _("{where}: {error} while importing: {message}")
            .format(where=_at(path, line, converted), error=type(exc).__name__, message=exc)
            .splitlines()[0]
        ) from None
    return module


def _at(path: Path, line: int | None, converted: ipynb.Module | None) -> str:
    """``exercises/ex03.py:12``, or ``ex03.ipynb, cell 4 ("def f():"), line 2``."""
    at = converted.origin.get(line, "") if converted else line
    return f"{describe(path)}{', ' if converted else ':'}{at}" if at else describe(path)
