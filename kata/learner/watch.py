"""Watch mode: ``make watch`` re-grades an exercise each time you save it.

One long-lived process keeps TensorFlow loaded; on each save of
``exercises/<name>.py`` (or of the file in ``KATA_TARGET``), once the file has been
still for ``SETTLE`` seconds (``Saves``: one verdict per save), the exercise's tests
run in this process through ``pytest.main``, which loads your module afresh,
so no state survives from one run to the next. A syntax error shows as a status
line; a test that never returns fails after ``--timeout`` seconds, named by its
task (the watcher restarts itself if Python cannot interrupt it). Status lines
fit the terminal's width; a failing exercise points to ``make test EX=… TASK=…``
for the full report. Ctrl-C exits.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

from kata import ROOT
from kata.core import catalogue, outcomes, target
from kata.core.i18n import _, clip
from kata.core.quiet import import_quietly
from kata.testing import tables
from kata.testing.timelimit import raise_in


class _Collector:
    """Per-task outcomes and the first lines of each failure, for one run; ``beat`` is
    when the run last moved on (a test started or ended)."""

    def __init__(self):
        self.results = outcomes.empty()
        self.failures: dict[str, str] = {}
        self.beat = time.monotonic()
        self.current = ""  # the task of the test running now

    def pytest_runtest_logstart(self, nodeid, location):
        self.beat = time.monotonic()

    def pytest_runtest_setup(self, item):
        task = item.get_closest_marker("task")
        self.current = task.args[0] if task and task.args else item.name

    def pytest_runtest_logreport(self, report):
        self.beat = time.monotonic()
        props = dict(report.user_properties)
        ex, task = props.get("kata_exercise"), props.get("kata_task")
        if not ex or not task or not (report.when == "call" or report.failed):
            return
        outcome = (
            outcomes.Outcome.PASSED
            if report.passed
            else props.get("kata_outcome", outcomes.Outcome.FAILED)
        )
        outcomes.record(self.results, ex, task, outcome, props.get("kata_reason", ""))
        if not report.passed and task not in self.failures:
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
    """How the lines after a shortened report's first line begin when they are not its
    numbers (in the current language)."""
    from kata.testing.shaping import WHERE

    caused = _("caused by: {error}").split("{", 1)[0]
    return (_(WHERE), *([caused] if caused else []), "(", "（", "[", "bin ", "E ")


def grade(name: str, directory: Path, timeout: float = 0, collector=None) -> tuple[_Collector, int]:
    """Grade one exercise of ``directory`` in this process; output is captured."""
    from kata.testing import warmrun

    collector = collector or _Collector()
    files = [f"tests/test_{name}.py"]
    args = [
        *files,
        "--target",
        str(directory),
        "-q",
        "--kata-state",
        ".kata/last-run.json",
        "--kata-timeout",
        f"{timeout:g}",
    ]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = warmrun.run(args, plugins=[collector])
    return collector, int(code)


# Each test has the time limit itself (kata.testing.timelimit): a loop in Python
# fails its test and the run goes on. This guard is for what that limit cannot
# stop: a run that has not moved on for the limit plus GRACE seconds.
GRACE = 5.0


def grade_with_timeout(name: str, directory: Path, timeout: float):
    box: dict = {}
    collector = _Collector()

    def work():
        try:
            box["value"] = grade(name, directory, timeout, collector)
        except BaseException as exc:  # noqa: BLE001 - reported as a status, the watcher lives on
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
        stalled = time.monotonic() - collector.beat > timeout + GRACE
        if timeout and thread.is_alive() and stalled:
            raise_in(thread.ident, KeyboardInterrupt)  # pytest stops the run
            thread.join(2.0)
            if thread.is_alive():
                return None, collector.current  # stuck in native code: restart the process
            return "timeout", collector.current
    if "error" in box:
        return box["error"], ""
    return box["value"], ""


OUT = sys.stdout  # grading redirects sys.stdout process-wide: status lines go here


def say(text: str) -> None:
    print(text, file=OUT, flush=True)


def _width() -> int:
    return shutil.get_terminal_size((100, 20)).columns


def show(name: str, outcome, took: float | None, task: str = "") -> None:
    ex = catalogue.exercise(name)
    head = f"[{time.strftime('%H:%M:%S')}] {name}: "
    width = _width()
    if outcome == "timeout":
        where = f"{name}.{task}" if task else name
        said = _(
            "⏱ no verdict after the time limit in {where}: an endless loop? "
            "(stopped; fix and save again)"
        ).format(where=where)
        say(clip(head + said, width))
        return
    if isinstance(outcome, BaseException):
        said = _("! grading crashed: {error}: {message}")
        say(clip(head + said.format(error=type(outcome).__name__, message=outcome), width))
        return
    collector, code = outcome
    rows = [collector.results[t.key] for t in ex.tasks if collector.results[t.key].total]
    if code not in (0, 1) or not rows:
        say(head + _("! could not grade (pytest exit code {code})").format(code=code))
        return
    status = outcomes.exercise_status(r.status for r in rows)
    done = sum(r.status == outcomes.Status.DONE for r in rows)
    label = tables.label_text(status)
    after = (
        "  " + _("(verdict {seconds} s after the save)").format(seconds=f"{took:.2f}")
        if took is not None
        else ""
    )
    tally = _("{done}/{total} tasks done").format(done=done, total=len(rows))
    say(f"{head}{label} — {tally}{after}")
    first_failing = None
    for r in rows:
        if r.status == outcomes.Status.BROKEN:
            say(clip(f"    ! {r.reason}", width))
            break
        if r.status != outcomes.Status.DONE:
            why = collector.failures.get(r.task.name, "")
            mark = "·" if r.status == outcomes.Status.NOT_STARTED else "✗"
            word = tables.label_text(r.status).split(" ", 1)[-1]
            line = f"    {mark} {r.task.name}: {word}"
            if why and r.status == outcomes.Status.FAILING:
                line += f" — {why}"
                first_failing = first_failing or r.task.name
            say(clip(line, width))
    if first_failing:
        say(
            "    "
            + _("full report: {command}").format(
                command=f"make test EX={ex.short} TASK={first_failing}"
            )
        )


# TensorFlow caches a kernel per variable name it has seen, never freed: every run
# grows the process. Clearing the cache slows the next run (its kernels are made
# again), so it is done every CLEAR_EVERY runs, not after each.
CLEAR_EVERY = 25


def _clear_tensorflow_caches() -> None:
    from tensorflow.python.eager import context

    context.context().clear_kernel_cache()


def _stamps(directory: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for name in catalogue.names():
        try:
            st = (directory / f"{name}.py").stat()
            out[name] = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            out[name] = (0, 0)
    return out


SETTLE = 0.1  # seconds a changed file must stay unchanged before it is graded


class Saves:
    """The saves of the exercise files of ``directory``: one per save, however many
    steps the editor takes to write it (truncate, write, rename, touch…).

    ``poll()`` returns ``(name, when)`` for each file that changed and has since been
    still for ``settle`` seconds: the save is over, it is graded once. ``when`` is
    the time of the save's last step: the file's modification time when it falls
    between the poll before and the poll that saw the change, else (a modification
    time kept from a copy, or a clock that differs from the file system's) the time
    of the poll before, so a delay is never timed from anything but that save.
    ``stamps`` and ``clock`` can be replaced (tests).
    """

    def __init__(self, directory: Path, settle: float = SETTLE, stamps=None, clock=time.time):
        self.stamps = stamps or (lambda: _stamps(directory))
        self.clock = clock
        self.settle = settle
        self.seen = self.stamps()
        self.last_poll = self.clock()
        self.pending: dict[str, tuple[float, float]] = {}  # name -> (save time, changed at)

    def poll(self) -> list[tuple[str, float]]:
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
    p.add_argument(
        "--settle",
        type=float,
        default=SETTLE,
        help="seconds a saved file must stay unchanged before it is graded (one verdict a save)",
    )
    p.add_argument("--first", default=None, help="grade this exercise once at start")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        directory = target.resolve()
    except target.TargetError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    os.chdir(ROOT)
    global OUT
    OUT = sys.stdout
    say(_("loading TensorFlow once…"))
    import_quietly()

    saves = Saves(directory, settle=args.settle)  # before saying so: a save right after counts
    say(
        _("watching {target}/ — save an exercise to grade it (Ctrl-C to stop)").format(
            target=target.describe(directory)
        )
    )
    first = catalogue.exercise(args.first).name if args.first else None
    runs = 0
    try:
        while True:
            ready = saves.poll()
            if first:
                ready, first = [(first, None)], None  # graded at start: no save time
            for name, saved in ready:
                outcome, task = grade_with_timeout(name, directory, args.timeout)
                took = time.time() - saved if saved is not None else None
                if outcome is None:
                    where = f"{name}.{task}" if task else name
                    say(
                        f"{where}: "
                        + _("⏱ stuck in native code past the time limit; restarting the watcher…")
                    )
                    os.execv(sys.executable, [sys.executable, "-m", "kata", *sys.argv[1:]])
                show(name, outcome, took, task)
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
    loaded (and, after a Ctrl-C in the middle of a grade, the grading thread still
    running) it can take seconds, or wait on that thread. The state files are
    written atomically, so nothing is left half-written."""
    for stream in (OUT, sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
