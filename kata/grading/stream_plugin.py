"""The grader's pytest plugin: one JSON line per event (``collected``, each test's
``start`` and ``end``) appended with ``os.write`` to ``KATA_GRADE_STREAM``, so every
finished test survives a crash, each with the token the grader sends on stdin; it deletes
the run's hidden tests once collected, and an ``end`` line lists any change the test made
to the checking machinery (``snapshot``)."""

from __future__ import annotations

import json
import linecache
import os
import sys

from kata.core import settings
from kata.grading.sanitize import MESSAGE_LIMIT
from kata.testing.keys import task_of

# Modules whose functions and classes the checks rely on; the prefixes cover submodules.
WATCHED = {"builtins", "pytest", "pluggy", "pytest_check", "kata", "tests", "keras.utils"}
WATCHED |= {"numpy", "numpy.testing", "numpy.linalg", "numpy.random"}
WATCHED |= {"scipy.stats", "scipy.special"}
WATCHED_PREFIXES = ("_pytest.", "pluggy.", "pytest_check.", "kata.", "tests.")
_DESCRIPTORS = (property, classmethod, staticmethod)
# Attributes that pytest itself swaps around each test.
ALLOWED = {("builtins", "_"), ("builtins", "input"), ("builtins", "breakpoint")}

_fd: int | None = None
_token = ""
if _path := settings.get("KATA_GRADE_STREAM", pop=True):
    _fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _token = os.read(0, 256).decode().strip()  # on stdin: not in the process's environment


def _emit(event: str, **data) -> None:
    if _fd is None:
        return
    data.update(event=event, token=_token)
    os.write(_fd, (json.dumps(data) + "\n").encode())


def snapshot() -> dict:
    """Ids of every function, class and module reachable from the watched modules."""
    out: dict = {}
    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname in WATCHED or modname.startswith(WATCHED_PREFIXES)):
            continue
        out[("sys.modules", modname)] = id(mod)
        for attr, value in list(vars(mod).items()):
            if not (callable(value) or isinstance(value, type(sys))):
                continue
            code = getattr(value, "__code__", None)  # a swapped __code__ counts too
            out[(modname, attr)] = (id(value), id(code))
            if isinstance(value, type) and getattr(value, "__module__", None) == modname:
                for cattr, cvalue in list(vars(value).items()):
                    if callable(cvalue) or isinstance(cvalue, _DESCRIPTORS):
                        out[(f"{modname}.{attr}", cattr)] = id(cvalue)
    for key, value in os.environ.items():
        if key.startswith(("KATA_", "PYTEST")):
            out[("os.environ", key)] = value
    return out


def compare(before: dict, after: dict) -> list[str]:
    """What was replaced, removed or (in the environment) added since ``before``."""
    changed = [
        f"{k[0]}.{k[1]} {'replaced' if k in after else 'removed'}"
        for k, value in before.items()
        if k not in ALLOWED and after.get(k) != value
    ]
    added = [k for k in after if k[0] == "os.environ" and k not in before]
    return changed + [f"os.environ[{k[1]!r}] set" for k in added]


_before: dict = {}
_reports: dict = {}


def _identity(item) -> dict:
    return {
        "id": item.nodeid,
        "task": task_of(item),
        "hidden": item.get_closest_marker("hidden") is not None,
    }


def forget_hidden() -> None:
    """Delete the run's hidden test files (already imported) and their cached lines; the
    package's ``__init__.py`` stays (pytest imports it again when the first test runs)."""
    folder = settings.get("KATA_GRADE_HIDDEN", pop=True)
    if not folder:
        return
    for entry in os.scandir(folder):
        if entry.name != "__init__.py":
            os.unlink(entry.path)
    linecache.checkcache()


def pytest_collection_finish(session):
    forget_hidden()
    _emit("collected", tests=[_identity(item) for item in session.items])


def pytest_runtest_logstart(nodeid, location):
    _reports[nodeid] = []
    _emit("start", id=nodeid)
    _before[nodeid] = snapshot()


def pytest_runtest_logreport(report):
    _reports.setdefault(report.nodeid, []).append(report)


def diagnosis_first(text: str) -> str:
    """The failure text with its headline lines first (pytest's ``E`` lines, pytest-check's
    ``FAILURE:`` lines), cut to ``MESSAGE_LIMIT`` characters from the start."""
    heads = [
        ln[1:].strip() if ln.startswith("E ") else ln.strip()
        for ln in text.splitlines()
        if ln.startswith("E ") or ln.lstrip().startswith("FAILURE:")
    ]
    heads = [h for h in dict.fromkeys(heads) if h]
    return ("\n".join(heads) + "\n\n" + text if heads else text)[:MESSAGE_LIMIT]


def _verdict(reports) -> tuple[str, str]:
    """(outcome, message) of a test from its setup/call/teardown reports."""
    outcome, message = "passed", ""
    for r in reports:
        props = dict(r.user_properties)
        if r.skipped and r.when in ("setup", "call"):
            return "skipped", ""
        if r.failed and outcome == "passed":
            outcome = props.get("kata_outcome", "failed" if r.when == "call" else "error")
            message = props.get("kata_reason") or r.longreprtext
    if not any(r.when == "call" for r in reports) and outcome == "passed":
        outcome = "error"
    return outcome, diagnosis_first(message)


def pytest_runtest_logfinish(nodeid, location):
    tampered = compare(_before.pop(nodeid, {}), snapshot())
    reports = _reports.pop(nodeid, [])
    outcome, message = _verdict(reports)
    seconds = round(sum(r.duration for r in reports), 3)  # setup, call and teardown
    _emit(
        "end", id=nodeid, outcome=outcome, message=message, tampered=tampered[:20], seconds=seconds
    )
