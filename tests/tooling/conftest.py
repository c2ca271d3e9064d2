"""Fixtures shared by the tooling tests."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import psutil
import pytest

from tests.tooling import copies
from tests.tooling.copies import make_copy

PR_SET_CHILD_SUBREAPER = 36
GRACE = 10  # seconds a test's processes get to end on their own after it


@pytest.fixture
def kata_copy(tmp_path: Path) -> Path:
    """A copy of the kata whose graded suite is ex01 only (fast), with .venv linked."""
    return make_copy(tmp_path)


def pytest_configure(config):
    """Orphans of the tests' processes (a daemon, a kernel whose server was killed) are
    re-parented to this process, not to init, so ``_no_process_left`` sees them too."""
    if hasattr(ctypes, "CDLL") and os.uname().sysname == "Linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


@pytest.fixture(autouse=True)
def _no_process_left():
    """A test leaves no process running, passed or failed: what it started and did not
    end is killed after it, and a passing test that left one fails (its names said)."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    server = copies.warm_server_pid()
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.pid != server and _running(p)
    ]
    _, alive = psutil.wait_procs(left, timeout=GRACE)  # (reaps the orphans now ours)
    names = []
    for p in alive:
        try:
            names.append(" ".join(p.cmdline())[:200] or p.name())
            p.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(alive, timeout=GRACE)
    assert not names, f"the test left {len(names)} process(es) running: {names}"


def _running(p: psutil.Process) -> bool:
    """Not a zombie, or a zombie of this process's own (``wait_procs`` reaps it)."""
    try:
        return p.status() != psutil.STATUS_ZOMBIE or p.ppid() == os.getpid()
    except psutil.NoSuchProcess:
        return False
