"""A per-test time limit for learner runs: an endless loop fails its test, and the run goes on.

Each phase of a graded test (setup, call, teardown) runs under a watchdog timer. When
the phase passes the limit, the watchdog raises ``TimedOut`` in the thread that
runs the test (``PyThreadState_SetAsyncExc``, so it works in ``make watch``'s
worker thread too, where ``SIGALRM`` cannot), and raises it again every second
until the phase ends (in case the learner's code, or a ``with check:`` block,
swallowed it). The test fails with one line, "timed out after 10 s in
ex01_access_params.build_mlp: an endless loop?"; the other tests of that task
are then not run (each would wait for the limit again), the rest of the run
goes on.

Python delivers the exception between two bytecodes: a loop in Python code is
stopped, one inside a native call (a sleep, a TensorFlow kernel) only when the
call returns. The grader has its own watchdog, which kills the process
(``kata.grading.sandbox``); this limit is off in its runs.

A test that waits on the kata's own helper process (not on the learner's code) waits
inside ``not_counted()``, where its limit stands still.

The limit: ``--kata-timeout SECONDS``, else ``$KATA_TIMEOUT``, else 10 s; 0 turns
it off.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time

import pytest

from kata.core import catalogue, settings
from kata.core.i18n import _
from kata.testing.keys import exercise_of, task_of

ENV_VAR = "KATA_TIMEOUT"
DEFAULT = float(settings.KNOBS[ENV_VAR].default)
REPEAT = 1.0  # seconds between two raises, should the first be swallowed

TIMED_OUT = pytest.StashKey[str]()
SKIPPED = pytest.StashKey[bool]()  # not run after another test of its task timed out


class TimedOut(BaseException):
    """A test ran past the time limit. A BaseException, so that ``except Exception``
    in the learner's code does not swallow it."""


def seconds(option: str | None) -> float:
    """The limit in seconds from the option, ``$KATA_TIMEOUT`` or the default;
    ``ValueError`` for a value that is not a number >= 0."""
    if option is None:
        option = "0" if settings.get("KATA_GRADE_STREAM") else settings.get(ENV_VAR)
    try:
        value = float(option)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(
            f"the time limit (--kata-timeout / KATA_TIMEOUT / TIMEOUT=) must be a number of "
            f"seconds >= 0 (0: no limit), not {option!r}"
        )
    return value


def raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Raise ``exc_type`` in the thread ``thread_id`` at its next bytecode (a loop in
    native code ignores it until the call returns); None takes back one not yet raised."""
    exc = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), exc)


class _Watchdog:
    """One daemon thread for the whole process that raises ``TimedOut`` in each armed
    thread once its deadline passes, then every ``REPEAT`` seconds, until that thread
    disarms.

    Arming and disarming only take a lock: a test phase starts no thread of its own
    (a ``threading.Timer`` per phase would start three per test), and wakes the
    watchdog only when its deadline comes before the watchdog's next wake-up (a
    disarmed deadline is left to pass: waking the thread at each of the run's many
    phases hands the interpreter back and forth between the two threads). A forked
    child starts with nothing armed and its own thread.
    """

    def __init__(self):
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, list] = {}  # thread id -> [deadline, on_fire, fired]
        self._thread: threading.Thread | None = None
        self._wake_at: float | None = None  # the watchdog's next wake-up (None: when notified)
        self._latest = 0.0  # the latest deadline armed: the watchdog sleeps at least until then

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
            self._armed[threading.get_ident()] = [deadline, on_fire, False]
            self._latest = max(self._latest, deadline)
            if self._wake_at is None or deadline < self._wake_at:
                self._cond.notify()

    def disarm(self) -> None:
        """Take the calling thread off the watch, clearing a raise not yet delivered."""
        ident = threading.get_ident()
        with self._cond:
            entry = self._armed.pop(ident, None)
            if entry is not None and entry[2]:
                raise_in(ident, None)

    def suspend(self):
        """Take the calling thread off the watch and hand back ``(seconds left, on_fire)``
        for ``arm`` to put it back; ``None`` when it is not armed or its limit already
        passed (then it stays on the watch)."""
        ident = threading.get_ident()
        with self._cond:
            entry = self._armed.get(ident)
            if entry is None or entry[2]:
                return None
            del self._armed[ident]
            return entry[0] - time.monotonic(), entry[1]

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for ident, entry in self._armed.items():
                    if entry[0] <= now:
                        if not entry[2]:
                            entry[2] = True
                            entry[1]()
                        raise_in(ident, TimedOut)
                        entry[0] = now + REPEAT
                soonest = min((e[0] for e in self._armed.values()), default=None)
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

    def message(self, where: str) -> str:
        return _("timed out after {limit} in {where}: an endless loop?").format(
            limit=f"{self.limit:g} s", where=where
        )

    def _where(self, item) -> str:
        ex, task = exercise_of(item), task_of(item)
        return f"{ex}.{task}" if ex and task else item.nodeid

    def _guarded(self, item, *, call: bool = False):
        if exercise_of(item) not in catalogue.names():  # a tooling test, not a graded one
            return (yield)
        where = self._where(item)
        if call and where in self.timed_out:
            item.stash[TIMED_OUT] = _(
                "not run: {where} timed out in {test} (an endless loop?)"
            ).format(where=where, test=self.timed_out[where])
            item.stash[SKIPPED] = True
            raise TimedOut(item.stash[TIMED_OUT])

        def fired():
            item.stash[TIMED_OUT] = self.message(where)
            self.timed_out.setdefault(where, item.name)

        _WATCHDOG.arm(self.limit, fired)
        try:
            return (yield)
        finally:
            _WATCHDOG.disarm()

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
def not_counted():
    """While the block runs, the calling test's time limit stands still: for a test that
    waits on the kata's own helper (the fresh Python process of ``tests/keras_files.py``
    imports TensorFlow), not on the learner's code. The block bounds its wait itself."""
    left = _WATCHDOG.suspend()
    try:
        yield
    finally:
        if left is not None:
            _WATCHDOG.arm(max(left[0], 0.0), left[1])


def forget(item) -> None:
    """Take back the time-out of ``item`` (its time was spent importing the learner's
    module, which ``ex`` now reports as "cannot import"): its task's other tests run."""
    if TIMED_OUT in item.stash:
        del item.stash[TIMED_OUT]
    plugin = item.config.pluginmanager.get_plugin("kata-timelimit")
    if plugin is not None:
        plugin.timed_out = {k: v for k, v in plugin.timed_out.items() if v != item.name}


def skipped(item) -> bool:
    """Whether ``item`` was not run because another test of its task timed out."""
    return item.stash.get(SKIPPED, False)


def reason(item) -> str | None:
    """The one-line reason when ``item`` timed out (or was not run after a time-out)."""
    return item.stash.get(TIMED_OUT, None)
