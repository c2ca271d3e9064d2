"""A ``python -m pytest`` process ends as soon as the run and the exit functions are done.

When pytest is the program, what Python does after the run is finalizing the
interpreter (tearing down TensorFlow's and Keras's modules), which nobody waits for.
``arm()`` (called when the kata's plugin is imported, before TensorFlow is) registers
an exit function that runs after every other one but logging's, which it calls: it
flushes the standard streams and ends the process with the run's exit status
(``os._exit``). Nothing changes where pytest is not the program, nor when no run
finished (a usage error) or an exception escaped.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys

_SESSIONS: list = []  # the finished run's pytest session (its exit status)
_ARMED: list = []  # once armed: the excepthook it wraps
_CRASHED: list[bool] = []  # an exception escaped pytest (then Python exits as usual)


def pytest_is_the_program() -> bool:
    """Whether this process is ``python -m pytest`` or the ``pytest`` command."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None:
        return spec.name == "pytest.__main__"
    return os.path.basename(sys.argv[0]) in ("pytest", "py.test")


def arm() -> None:
    """Register ``_leave`` when pytest is the program and logging's exit function is
    the only one registered before (anything else: leave Python's exit alone)."""
    if pytest_is_the_program() and atexit._ncallbacks() <= 1 and not _ARMED:
        atexit.register(_leave)
        _ARMED.append(sys.excepthook)
        sys.excepthook = _uncaught


def finished(session) -> None:
    """The run ended (``pytest_sessionfinish``): its session carries the exit status."""
    _SESSIONS[:] = [session]


def _uncaught(*exc_info) -> None:
    _CRASHED.append(True)
    _ARMED[0](*exc_info)


def _leave() -> None:
    if not _SESSIONS or _CRASHED:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken stream: nothing to keep
            stream.flush()
    os._exit(int(_SESSIONS[0].exitstatus))
