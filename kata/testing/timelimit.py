"""A per-test time limit for learner runs: an endless loop fails its test, and the run goes on.

Past the limit, one process-wide watchdog thread raises ``TimedOut`` in the thread
running the test phase (``PyThreadState_SetAsyncExc``: ``make watch`` grades in a worker
thread, which ``SIGALRM`` cannot reach), and again every ``REPEAT`` seconds should it be
swallowed; a native call (a sleep, a TensorFlow kernel) is stopped when it returns. The
test fails in one line and the other tests of its task are not run.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import threading
import time
from dataclasses import dataclass

import pytest

from kata.core import catalogue, settings
from kata.core.i18n import _
from kata.testing.keys import exercise_of, task_of

ENV_VAR = "KATA_TIMEOUT"
DEFAULT = float(settings.KNOBS[ENV_VAR].default)
REPEAT = 1.0  # seconds between two raises, should the first be swallowed

TIMED_OUT = pytest.StashKey[str]()  # the one-line reason of a test that timed out
SKIPPED = pytest.StashKey[bool]()  # not run after another test of its task timed out


class TimedOut(BaseException):
    """A test ran past the time limit (not an ``Exception``: the learner's
    ``except Exception`` does not swallow it)."""


def seconds(option: str | None) -> float:
    """The limit in seconds: ``--kata-timeout``, else none under the grader, else
    ``$KATA_TIMEOUT`` or its default; ``ValueError`` for a value that is not a number >= 0."""
    if option is None:
        option = "0" if settings.get("KATA_GRADE_STREAM") else settings.get(ENV_VAR)
    with contextlib.suppress(ValueError):
        if 0 <= (value := float(option)) < math.inf:
            return value
    raise ValueError(
        f"the time limit (--kata-timeout / KATA_TIMEOUT / TIMEOUT=) must be a number of "
        f"seconds >= 0 (0: no limit), not {option!r}"
    )


def raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Raise ``exc_type`` in the thread ``thread_id`` at its next bytecode; None takes
    back one not yet raised."""
    exc = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), exc)


@dataclass
class _Phase:
    deadline: float
    on_fire: object
    fired: bool = False


class _Watchdog:
    """One daemon thread per process raising ``TimedOut`` in each armed thread past its
    deadline, then every ``REPEAT`` seconds until it disarms; arming wakes it only for a
    sooner deadline (waking it at every phase slows the run). A forked child starts with
    its own."""

    def __init__(self):
        self._reset()
        if hasattr(os, "register_at_fork"):  # not on Windows
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, _Phase] = {}  # thread id -> its phase
        self._thread: threading.Thread | None = None
        self._wake_at: float | None = None  # the thread's next wake-up (None: when notified)
        self._latest = 0.0  # the latest deadline armed: the thread sleeps at least until then

    def arm(self, limit: float, on_fire) -> None:
        """Put the calling thread under ``limit`` seconds; ``on_fire()`` runs once, in
        the watchdog's thread, when they pass."""
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="kata-timelimit", daemon=True
                )
                self._thread.start()
            deadline = time.monotonic() + limit
            self._armed[threading.get_ident()] = _Phase(deadline, on_fire)
            self._latest = max(self._latest, deadline)
            if self._wake_at is None or deadline < self._wake_at:
                self._cond.notify()

    def disarm(self) -> None:
        """Take the calling thread off the watch, clearing a raise not yet delivered."""
        ident = threading.get_ident()
        with self._cond:
            phase = self._armed.pop(ident, None)
            if phase is not None and phase.fired:
                raise_in(ident, None)

    def suspend(self) -> _Phase | None:
        """Take the calling thread off the watch and hand back its phase with the seconds
        it had left; None when not armed or already timed out (then it stays on the watch)."""
        ident = threading.get_ident()
        with self._cond:
            phase = self._armed.get(ident)
            if phase is None or phase.fired:
                return None
            del self._armed[ident]
            phase.deadline -= time.monotonic()
            return phase

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for ident, phase in self._armed.items():
                    if phase.deadline <= now:
                        if not phase.fired:
                            phase.fired = True
                            phase.on_fire()
                        raise_in(ident, TimedOut)
                        phase.deadline = now + REPEAT
                soonest = min((p.deadline for p in self._armed.values()), default=None)
                if soonest is None and self._latest > now:  # phases ran lately: more will
                    soonest = self._latest
                self._wake_at = soonest
                self._cond.wait(None if soonest is None else max(soonest - now, 0.0))


_WATCHDOG = _Watchdog()


class TimeLimit:
    """The hooks that put every test phase of a run under the limit."""

    def __init__(self, limit: float):
        self.limit = limit
        self.timed_out: dict[str, str] = {}  # "exercise.task" -> test that timed out

    def _guarded(self, item, *, call: bool = False):
        ex, task = exercise_of(item), task_of(item)
        if ex not in catalogue.names():  # a tooling test, not a graded one
            return (yield)
        where = f"{ex}.{task}" if task else item.nodeid
        if call and where in self.timed_out:
            item.stash[TIMED_OUT] = _(
                "not run: {where} timed out in {test} (an endless loop?)"
            ).format(where=where, test=self.timed_out[where])
            item.stash[SKIPPED] = True
            raise TimedOut(item.stash[TIMED_OUT])

        def fired():
            item.stash[TIMED_OUT] = _(
                "timed out after {limit} in {where}: an endless loop?"
            ).format(limit=f"{self.limit:g} s", where=where)
            self.timed_out.setdefault(where, item.name)

        with limited(self.limit, fired):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._guarded(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item):
        return (yield from self._guarded(item, call=True))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        return (yield from self._guarded(item))


@contextlib.contextmanager
def limited(limit: float, on_fire=lambda: None):
    """The block under ``limit`` seconds (0: none): past them, ``on_fire()`` runs in the
    watchdog's thread and ``TimedOut`` is raised in the block."""
    if limit:
        _WATCHDOG.arm(limit, on_fire)
    try:
        yield
    finally:
        if limit:
            _WATCHDOG.disarm()


@contextlib.contextmanager
def not_counted():
    """While the block runs, the calling test's time limit stands still: for a test that
    waits on the kata's own helper process, not on the learner's code. The block bounds
    its wait itself."""
    phase = _WATCHDOG.suspend()
    try:
        yield
    finally:
        if phase is not None:
            _WATCHDOG.arm(max(phase.deadline, 0.0), phase.on_fire)


def forget(item) -> None:
    """Take back the time-out of ``item`` (its time was spent importing the learner's
    module, which ``ex`` now reports as "cannot import"): its task's other tests run."""
    if TIMED_OUT in item.stash:
        del item.stash[TIMED_OUT]
    plugin = item.config.pluginmanager.get_plugin("kata-timelimit")
    if plugin is not None:
        plugin.timed_out = {k: v for k, v in plugin.timed_out.items() if v != item.name}
