"""A graded pytest run inside a process that keeps running: the watcher's
(``make watch``, on every save) and the notebook's (``kata.check`` in a kernel).

TensorFlow is imported already there, so pytest's own set-up is a good part of
each run's time. ``run`` is ``pytest.main`` without what a graded run never uses:

- the built-in plugins in ``LEAN`` are left out (each registered plugin is
  scanned for fixtures and hooks on every run);
- no plugin is looked up among the installed packages' entry points
  (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``); the two a graded run needs,
  the kata's plugin and pytest-check, are handed to pytest as modules;
- the kata's closing table is not rendered (``--kata-no-table``): the caller
  captures the output and shows results its own way.

Example::

    code = warmrun.run(["tests/test_ex01_access_params.py", "--target", "exercises"])
"""

from __future__ import annotations

import contextlib
import os

import pytest
import pytest_check.plugin

from kata.testing import plugin as kata_plugin

LEAN = [
    f"-pno:{p}"
    for p in (
        "cacheprovider",
        "faulthandler",
        "junitxml",
        "doctest",
        "pastebin",
        "stepwise",
        "legacypath",
        "nose",
        "logging",
        "unraisableexception",  # two full collections (gc.collect) at the end of every run
        "threadexception",
        # fixtures and options the graded suites never use
        "unittest",
        "debugging",
        "setuponly",
        "setupplan",
        "recwarn",
        "monkeypatch",
        "subtests",
    )
]
NEEDED = (kata_plugin, pytest_check.plugin)
AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


@contextlib.contextmanager
def _no_plugin_autoload():
    saved = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(AUTOLOAD, None)
        else:
            os.environ[AUTOLOAD] = saved


def run(args: list[str], plugins=()) -> int:
    """``pytest.main(args)`` made lean (see the module's docstring), with ``plugins``
    registered too; its exit code."""
    with _no_plugin_autoload():
        return pytest.main([*args, "--kata-no-table", *LEAN], plugins=[*NEEDED, *plugins])
