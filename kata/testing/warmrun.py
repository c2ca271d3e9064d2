"""A graded pytest run inside a process that keeps running (``make watch``, ``kata.check``).

TensorFlow is imported already there, so pytest's own set-up is a good part of each
run's time. ``run`` is ``pytest.main`` without what a graded run never uses: the
built-in plugins in ``LEAN`` (each registered plugin is scanned for fixtures and hooks
on every run), the installed packages' plugins (the kata's plugin and pytest-check are
handed over as modules) and the closing table (the caller shows results its own way).
"""

from __future__ import annotations

import pytest
import pytest_check.plugin

from kata.testing import plugin as kata_plugin

LEAN = [
    f"-pno:{name}"
    for name in (
        "cacheprovider faulthandler junitxml doctest pastebin stepwise legacypath nose logging"
        # unraisableexception: two full collections (gc.collect) at the end of every run
        " unraisableexception threadexception"
        # fixtures and options the graded suites never use
        " unittest debugging setuponly setupplan recwarn monkeypatch subtests"
    ).split()
]
NEEDED = (kata_plugin, pytest_check.plugin)


def run(args: list[str], plugins=()) -> int:
    """``pytest.main(args)`` made lean, with ``plugins`` registered too; its exit code."""
    lean = ["--kata-no-table", "--disable-plugin-autoload", *LEAN]
    return pytest.main([*args, *lean], plugins=[*NEEDED, *plugins])
