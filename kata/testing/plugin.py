"""The kata's pytest plugin: target loading, seeding, task markers and a calm report.

Loaded with ``-p kata.testing.plugin`` (``pyproject.toml`` does it for you). A function
that still raises ``NotImplementedError`` shows as "not started", an exercise that
cannot be imported fails its own tests in one line each, and the run ends with a table
of exercises (``--kata-tasks``: one row per task) and the next task to do.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import sys
from pathlib import Path

import pytest

from kata.core import catalogue, outcomes, seeding, settings, state, target
from kata.core.i18n import N_, _
from kata.core.outcomes import Outcome
from kata.testing import fixtures, shaping, tables, timelimit
from kata.testing.keys import RUN, RunState, exercise_of, task_of

# A process's first run pauses the GC until collection ends, then freezes what is alive
# (TensorFlow's and Keras's millions of objects): later collections skip it. Later runs
# (watch, verify's workers) do not freeze again, which would keep their pytest cycles.

_GC_WAS_ENABLED: list[bool] = []
_GC_FROZEN: list[bool] = []  # gc.get_freeze_count() walks the whole frozen heap


def pause_gc() -> None:
    """Pause collection, unless this process already froze its big heap."""
    if not (_GC_FROZEN or gc.get_freeze_count()):
        _GC_WAS_ENABLED[:] = [gc.isenabled()]
        gc.disable()


def resume_gc(freeze: bool) -> None:
    """Resume collection paused by ``pause_gc``, freezing what is alive first if asked."""
    if freeze and _GC_WAS_ENABLED:
        gc.freeze()
        _GC_FROZEN.append(True)
    if _GC_WAS_ENABLED and _GC_WAS_ENABLED.pop():
        gc.enable()


# When pytest is the program, the process ends with the run's exit status (``os._exit``)
# once the other exit functions ran, without finalizing TensorFlow's and Keras's modules;
# not when no run finished (a usage error) or an exception escaped.

_FINISHED: list = []  # the finished run's pytest session (its exit status)
_CRASHED: list[bool] = []  # an exception escaped pytest


def _pytest_is_the_program() -> bool:
    """Whether this process is ``python -m pytest`` or the ``pytest`` command."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None:
        return spec.name == "pytest.__main__"
    return os.path.basename(sys.argv[0]) in ("pytest", "py.test")


def _uncaught(*exc_info, excepthook=sys.excepthook) -> None:
    _CRASHED.append(True)
    excepthook(*exc_info)


def _quick_exit() -> None:
    if not _FINISHED or _CRASHED:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken stream: nothing to keep
            stream.flush()
    os._exit(int(_FINISHED[0].exitstatus))


# registered now, before TensorFlow is imported, it runs after every exit function but
# logging's (which it calls); when anything else registered one before, Python exits as usual
if _pytest_is_the_program() and atexit._ncallbacks() <= 1:
    atexit.register(_quick_exit)
    sys.excepthook = _uncaught


OPTIONS = (  # (option, help); the --kata-* ones without a value are flags
    ("--target", "directory graded: exercises (default), solutions, or a path"),
    ("--exercise", "grade one exercise, e.g. ex03_custom_init (or ex03)"),
    ("--task", "grade one task of --exercise, e.g. WeirdInit"),
    ("--kata-tasks", "end with one row per task, not per exercise"),
    ("--kata-state", "merge the per-task results into this JSON file"),
    ("--kata-no-table", "no closing results table (the caller shows its own, as kata.check does)"),
    (
        "--kata-full",
        "full failure reports (not shortened to the diagnosis and the learner's frames)",
    ),
)
FLAGS = ("--kata-tasks", "--kata-no-table", "--kata-full")


def pytest_addoption(parser):
    group = parser.getgroup("kata")
    for name, text in OPTIONS:
        group.addoption(name, action="store_true" if name in FLAGS else "store", help=text)
    group.addoption(
        "--kata-timeout",
        metavar="SECONDS",
        help=f"time limit of each test phase (default ${timelimit.ENV_VAR} or "
        f"{timelimit.DEFAULT:g}; 0: none)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the catalogue task the test grades")
    config.addinivalue_line(
        "markers", "hidden: instructor-only test, left out of the student release"
    )
    try:
        directory = target.resolve(config.getoption("target"))
        ex_opt, task_opt = config.getoption("exercise"), config.getoption("task")
        if task_opt and not ex_opt:
            raise catalogue.UnknownName(_("--task (TASK=) needs --exercise (EX=) too"))
        want_ex = catalogue.exercise(ex_opt) if ex_opt else None
        want_task = want_ex.task(task_opt).name if task_opt else None
        seeding.base_seed()
        limit = timelimit.seconds(config.getoption("kata_timeout"))
    except (target.TargetError, catalogue.UnknownName, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    run = config.stash[RUN] = RunState(directory)
    config.pluginmanager.register(
        KataPlugin(run, want_ex.name if want_ex else None, want_task), "kata-run"
    )
    if limit:
        config.pluginmanager.register(timelimit.TimeLimit(limit), "kata-timelimit")
    if not config.getoption("kata_full") and not settings.get("KATA_GRADE_STREAM"):
        config.pluginmanager.register(shaping.OutputShaper(), "kata-shaping")
    if not config.pluginmanager.is_registered(fixtures):
        config.pluginmanager.register(fixtures, "kata-fixtures")
    pause_gc()  # until collection has imported everything


def pytest_unconfigure(config):
    resume_gc(freeze=False)  # a run that ended before its collection did


SPECIAL = (  # the exceptions that stand for an outcome of their own
    (target.LoadError, Outcome.BROKEN),
    (fixtures.MissingName, Outcome.MISSING),
    (NotImplementedError, Outcome.NOT_STARTED),
)


def _one_line(item, call, special: Outcome) -> str:
    ex, task = exercise_of(item), task_of(item)
    where = f"{ex}.{task}" if task else item.nodeid
    if special == Outcome.NOT_STARTED:
        return _("not started: {where} still raises NotImplementedError").format(where=where)
    if special == Outcome.BROKEN:
        where = _("{exercise} cannot be imported").format(exercise=ex)
    return (str(call.excinfo.value).splitlines() or [where])[0]


INTERRUPTED = N_("interrupted: results incomplete (nothing was saved)")


class KataPlugin:
    """The hooks of one run; its state is also on ``config.stash[RUN]`` for the fixtures."""

    def __init__(self, run: RunState, exercise: str | None, task: str | None):
        self.run, self.exercise, self.task = run, exercise, task

    def pytest_collection_modifyitems(self, config, items):
        keep, drop, problems = [], [], []
        known = set(catalogue.names())
        for item in items:
            ex, task = exercise_of(item), task_of(item)
            item.user_properties += [("kata_exercise", ex), ("kata_task", task)]  # for the reports
            if ex in known:
                if task is None:
                    problems.append(_("{test}: no @pytest.mark.task(...)").format(test=item.nodeid))
                else:
                    try:
                        catalogue.exercise(ex).task(task)
                    except catalogue.UnknownName as exc:
                        problems.append(f"{item.nodeid}: {exc}")
            if (self.exercise and ex != self.exercise) or (self.task and task != self.task):
                drop.append(item)
            else:
                keep.append(item)
        if problems:
            head = _("tests out of step with kata/core/catalogue.toml:")
            raise pytest.UsageError("\n  ".join([head, *problems]))
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collection_finish(self, session):
        resume_gc(freeze=True)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        """A not-started, missing or unimportable exercise gets a one-line report (no
        traceback formatted for it)."""
        if call.excinfo is None:
            return None
        timed_out = item.stash.get(timelimit.TIMED_OUT, None)
        special = next((o for error, o in SPECIAL if call.excinfo.errisinstance(error)), None)
        if timed_out:
            special, line = Outcome.FAILED, timed_out
        elif special is None:
            return None
        else:
            line = _one_line(item, call, special)
        props = [*item.user_properties, ("kata_outcome", str(special)), ("kata_reason", line)]
        if timed_out:  # which of the two, for the report's shortening
            skipped = item.stash.get(timelimit.SKIPPED, False)
            props.append(("kata_timeout", "not run" if skipped else "timed out"))
        return pytest.TestReport(
            item.nodeid,
            item.location,
            dict.fromkeys(item.keywords, 1),
            "failed",
            line,
            call.when,
            [(f"Captured {key} {rwhen}", content) for rwhen, key, content in item._report_sections],
            call.duration,
            call.start,
            call.stop,
            user_properties=props,
        )

    def pytest_report_teststatus(self, report, config):
        # (a CollectReport has no user_properties)
        outcome = dict(getattr(report, "user_properties", ())).get("kata_outcome")
        if outcome in (Outcome.NOT_STARTED, Outcome.MISSING):
            return _("not started"), "n", _("NOT STARTED")
        if outcome == Outcome.BROKEN:
            return _("cannot import"), "b", _("CANNOT IMPORT")
        if outcome == Outcome.FAILED and report.failed:
            return "failed", "T", "TIMED OUT"
        return None

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        ex, task = props.get("kata_exercise"), props.get("kata_task")
        if not ex or not task or ex not in catalogue.names() or report.skipped:
            return
        res = self.run.results
        if report.when == "call" or (report.when == "setup" and report.failed):
            outcome = Outcome.PASSED if report.passed else props.get("kata_outcome", Outcome.FAILED)
            outcomes.record(res, ex, task, outcome, props.get("kata_reason", ""))
        elif report.when == "teardown" and report.failed:
            slot = res.get(f"{ex}::{task}")
            if slot and slot.outcomes and slot.outcomes[-1] == Outcome.PASSED:
                slot.outcomes[-1] = Outcome.FAILED

    def pytest_report_header(self, config):
        return _("kata target: {target}, KATA_SEED={seed}").format(
            target=target.describe(self.run.target), seed=seeding.base_seed()
        )

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        tw = terminalreporter
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED  # Ctrl-C, make watch's stall guard
        graded = {k: v for k, v in self.run.results.items() if v.total}
        if not interrupted and (not graded or config.getoption("kata_no_table")):
            return
        if not interrupted and config.pluginmanager.hasplugin("kata.grading.stream_plugin"):
            return  # the grader reports its own way
        title = _("kata: {target}").format(target=target.describe(self.run.target))
        tw.section(title, sep="=", bold=True)
        if interrupted:
            tw.write_line(_(INTERRUPTED), yellow=True)
            return
        for name in self.run.modules:  # notebooks: the IPython lines that were not graded
            for note in target.NOTES.get(name, []):
                tw.write_line(_("note: {note}").format(note=note), yellow=True)
        path = config.getoption("kata_state")
        text = tables.render(
            graded,
            per_task=config.getoption("kata_tasks"),
            color=tw.hasmarkup,
            width=config.get_terminal_writer().fullwidth,
            known=state.load_run(Path(path), str(self.run.target)) if path else None,
        )
        tw.write(text)

    def pytest_sessionfinish(self, session, exitstatus):
        _FINISHED[:] = [session]
        path = session.config.getoption("kata_state")
        if not path or exitstatus == pytest.ExitCode.INTERRUPTED:
            return
        state.save_run(Path(path), str(self.run.target), seeding.base_seed(), self.run.results)
