"""Watch mode: ``make watch`` re-grades an exercise each time you save it.

One process keeps TensorFlow loaded and grades each save in-process, once the file has
been still for ``SETTLE`` seconds; it restarts itself if Python cannot stop a test.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

from kata import ROOT, import_quietly
from kata.core import catalogue, outcomes, target
from kata.core.i18n import N_, _, clip
from kata.learner import commands
from kata.learner.run import Collector, quietly
from kata.testing import shaping, tables
from kata.testing.keys import task_of
from kata.testing.timelimit import raise_in

SETTLE = 0.1  # seconds a changed file must stay unchanged before it is graded
# Each test has its own time limit (kata.testing.timelimit); this guard is for what
# that cannot stop: a run that has not moved on for the limit plus GRACE seconds.
GRACE = 5.0
# TensorFlow caches a kernel per variable name it has seen, never freed; clearing the
# cache slows the next run, so it is done every CLEAR_EVERY runs.
CLEAR_EVERY = 25
STUCK = N_("⏱ stuck in native code past the time limit; restarting the watcher…")
OUT = sys.stdout  # grading redirects sys.stdout process-wide: status lines go here


class _Collector(Collector):
    """Each task's first problem of one run; ``beat`` is when the run last moved on,
    ``current`` the task of the test running."""

    def __init__(self):
        super().__init__()
        self.failures: dict[str, str] = {}
        self.beat, self.current = time.monotonic(), ""

    def pytest_runtest_setup(self, item):
        self.beat, self.current = time.monotonic(), task_of(item) or item.name

    def pytest_runtest_logreport(self, report):
        self.beat = time.monotonic()
        props = dict(report.user_properties)
        task = props.get("kata_task")
        if task and report.failed and task not in self.failures:
            self.failures[task] = first_problem(props.get("kata_reason") or report.longreprtext)


def first_problem(text: str) -> str:
    """The first problem of a failure report in one line: a check's message with the
    numbers on its next line, or the exception's own line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if line.startswith("FAILURE: "):
            head = line.removeprefix("FAILURE: ")
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt and not nxt.startswith(("FAILURE:", "---", "Failed Checks:", "bin ", "[")):
                head += f": {nxt}"
            return head
    for line in lines:
        if line.startswith("E "):
            return line.removeprefix("E").strip()
    rest = [ln for ln in lines if not ln.startswith("-" * 10)]
    first = re.sub(r"^\S+::\S+:\d+: ", "", rest[0]) if rest else ""
    nxt = rest[1] if len(rest) > 1 else ""
    if nxt and any(c.isdigit() for c in nxt) and not nxt.startswith(_not_numbers()):
        first += f": {nxt}"  # a shortened check's numbers (kata.testing.shaping)
    return first


def _not_numbers() -> tuple[str, ...]:
    """How a shortened report's lines that are not its numbers begin (in this language)."""
    caused = _("caused by: {error}").split("{", 1)[0]
    return (_(shaping.WHERE), *([caused] if caused else []), "(", "（", "[", "bin ", "E ")


def grade(name: str, directory: Path, timeout: float = 0, collector=None) -> tuple[_Collector, int]:
    """Grade one exercise of ``directory`` in this process; output is captured."""
    collector = collector or _Collector()
    args = [f"tests/test_{name}.py", "--target", str(directory), "-q"]
    args += ["--kata-state", ".kata/last-run.json", "--kata-timeout", f"{timeout:g}"]
    return collector, quietly(args, [collector], warm=True, check=False)


def grade_with_timeout(name: str, directory: Path, timeout: float):
    """``(grade's result or exception, "")``, or ``("timeout", task)`` for a stalled run
    stopped, ``(None, task)`` for one that cannot be."""
    box: dict = {}
    collector = _Collector()

    def work():
        try:
            box["value"] = grade(name, directory, timeout, collector)
        except BaseException as exc:  # noqa: BLE001 - reported as a status, the watcher lives on
            box["value"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
        stalled = time.monotonic() - collector.beat > timeout + GRACE
        if timeout and thread.is_alive() and stalled:
            raise_in(thread.ident, KeyboardInterrupt)  # pytest stops the run
            thread.join(2.0)
            return (None if thread.is_alive() else "timeout"), collector.current
    return box["value"], ""


def say(text: str) -> None:
    print(text, file=OUT, flush=True)


def _width() -> int:
    return shutil.get_terminal_size((100, 20)).columns


def show(name: str, outcome, took: float, task: str = "") -> None:
    """The status lines of one grade: its verdict, then each task not done."""
    ex = catalogue.exercise(name)
    head = f"[{time.strftime('%H:%M:%S')}] {name}: "
    width = _width()
    if outcome == "timeout":
        said = _(
            "⏱ no verdict after the time limit in {where}: an endless loop? "
            "(stopped; fix and save again)"
        ).format(where=f"{name}.{task}" if task else name)
        return say(clip(head + said, width))
    if isinstance(outcome, BaseException):
        said = _("! grading crashed: {error}: {message}")
        return say(clip(head + said.format(error=type(outcome).__name__, message=outcome), width))
    collector, code = outcome
    rows = [collector.results[t.key] for t in ex.tasks if collector.results[t.key].total]
    if code not in (0, 1) or not rows:
        return say(head + _("! could not grade (pytest exit code {code})").format(code=code))
    status = outcomes.exercise_status(r.status for r in rows)
    done = sum(r.status == outcomes.Status.DONE for r in rows)
    tally = _("{done}/{total} tasks done").format(done=done, total=len(rows))
    after = _("(verdict {seconds} s after the save)").format(seconds=f"{took:.2f}")
    say(f"{head}{tables.label_text(status)} — {tally}  {after}")
    first_failing = None
    for r in rows:
        if r.status == outcomes.Status.BROKEN:
            say(clip(f"    ! {r.reason}", width))
            break
        if r.status != outcomes.Status.DONE:
            why = collector.failures.get(r.task.name, "")
            mark = "·" if r.status == outcomes.Status.NOT_STARTED else "✗"
            line = f"    {mark} {r.task.name}: {tables.label_text(r.status).split(' ', 1)[-1]}"
            if why and r.status == outcomes.Status.FAILING:
                line += f" — {why}"
                first_failing = first_failing or r.task.name
            say(clip(line, width))
    if first_failing:
        command = f"make test EX={ex.short} TASK={first_failing}"
        say("    " + _("full report: {command}").format(command=command))


def _clear_tensorflow_caches() -> None:
    from tensorflow.python.eager import context

    context.context().clear_kernel_cache()


def _stamp(path: Path) -> tuple[int, int]:
    with contextlib.suppress(FileNotFoundError):
        st = path.stat()
        return (st.st_mtime_ns, st.st_size)
    return (0, 0)


class Saves:
    """The saves of the exercise files of ``directory``, one per save however many
    steps the editor takes to write it (``stamps`` and ``clock`` are for tests)."""

    def __init__(self, directory: Path, settle: float = SETTLE, stamps=None, clock=time.time):
        names = catalogue.names()
        self.stamps = stamps or (lambda: {n: _stamp(directory / f"{n}.py") for n in names})
        self.clock, self.settle = clock, settle
        self.seen = self.stamps()
        self.last_poll = self.clock()
        self.pending: dict[str, tuple[float, float]] = {}  # name -> (save time, changed at)

    def poll(self) -> list[tuple[str, float]]:
        """``(name, when)`` of each file changed and still for ``settle`` s since: ``when``
        is its modification time if that falls since the last poll, else (a time kept
        from a copy, a skewed clock) the time of the last poll."""
        now, current = self.clock(), self.stamps()
        ready = []
        for name, stamp in current.items():
            if stamp != self.seen.get(name):
                self.seen[name] = stamp
                if stamp == (0, 0):  # gone (deleted, or mid-rename): wait for it
                    self.pending.pop(name, None)
                    continue
                mtime = stamp[0] / 1e9
                saved = mtime if self.last_poll <= mtime <= now else self.last_poll
                self.pending[name] = (saved, now)
            elif name in self.pending and now - self.pending[name][1] >= self.settle:
                ready.append((name, self.pending.pop(name)[0]))
        self.last_poll = now
        return ready


def add_parser(sub) -> None:
    p = sub.add_parser(
        "watch",
        help="[learner] re-grade an exercise each time you save it",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--timeout", type=float, default=10.0, help="time limit of each test in seconds")
    p.add_argument("--interval", type=float, default=0.05, help="seconds between checks for a save")
    p.set_defaults(run=commands.run, job=watch)


def watch(args) -> int:
    directory = target.resolve()
    os.chdir(ROOT)
    say(_("loading TensorFlow once…"))
    import_quietly()
    saves = Saves(directory)  # before saying so: a save right after counts
    said = _("watching {target}/ — save an exercise to grade it (Ctrl-C to stop)")
    say(said.format(target=target.describe(directory)))
    runs = 0
    try:
        while True:
            for name, saved in saves.poll():
                outcome, task = grade_with_timeout(name, directory, args.timeout)
                if outcome is None:
                    say(f"{name}.{task}: {_(STUCK)}" if task else f"{name}: {_(STUCK)}")
                    os.execv(sys.executable, [sys.executable, "-m", "kata", *sys.argv[1:]])
                show(name, outcome, time.time() - saved, task)
                runs += 1
                if runs % CLEAR_EVERY == 0:
                    _clear_tensorflow_caches()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        say("\n" + _("watch stopped."))
        _leave(0)
        return 0


def _leave(code: int) -> None:
    """End the process now, without the interpreter's finalization: with TensorFlow
    loaded (and, after a Ctrl-C mid-grade, the grading thread still running) it can take
    seconds. The state files are written atomically: nothing is left half-written."""
    for stream in (OUT, sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
