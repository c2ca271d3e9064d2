"""The kata's pytest plugin: target loading, seeding, task markers and a calm report.

Loaded with ``-p kata.testing.plugin`` (``pyproject.toml`` does it for you). This
module only declares the options; ``pytest_configure`` registers, for each run,
a ``KataPlugin`` (the hooks, with the run's state on ``config.stash``) and
``kata.testing.fixtures``.

* ``--target`` / ``KATA_TARGET`` choose the directory graded; the ``ex`` fixture
  hands a test the module of its exercise (``tests/test_<exercise>.py``), loaded
  by file path from there. A module that cannot be imported fails only its own
  exercise's tests, in one line each.
* ``--exercise`` / ``--task`` run one exercise or one task.
* Every test is seeded from ``kata.core.seeding`` before it runs.
* Every test phase runs under a time limit (``--kata-timeout`` / ``KATA_TIMEOUT``,
  10 s by default, see ``kata.testing.timelimit``): an endless loop fails its
  test in one line and the run goes on.
* Failure reports are shortened for learners (``kata.testing.shaping``; ``--kata-full``
  keeps pytest's own).
* ``python -m pytest`` ends without finalizing the interpreter (``kata.testing.quickexit``).
* A function that still raises ``NotImplementedError`` shows as "not started",
  with no traceback; the run ends with a table of exercises (``--kata-tasks``:
  one row per task) and the next task to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.core import catalogue, outcomes, seeding, settings, state, target
from kata.core.i18n import N_, _
from kata.core.outcomes import Outcome
from kata.testing import fixtures, gcpause, quickexit, shaping, tables, timelimit
from kata.testing.keys import RUN, RunState, exercise_of, task_of

quickexit.arm()  # python -m pytest: no interpreter finalization after the run


def pytest_addoption(parser):
    group = parser.getgroup("kata")
    group.addoption(
        "--target", default=None, help="directory graded: exercises (default), solutions, or a path"
    )
    group.addoption(
        "--exercise", default=None, help="grade one exercise, e.g. ex03_custom_init (or ex03)"
    )
    group.addoption("--task", default=None, help="grade one task of --exercise, e.g. WeirdInit")
    group.addoption(
        "--kata-tasks", action="store_true", help="end with one row per task, not per exercise"
    )
    group.addoption(
        "--kata-state", default=None, help="merge the per-task results into this JSON file"
    )
    group.addoption(
        "--kata-no-table",
        action="store_true",
        help="no closing results table (the caller shows its own, as kata.check does)",
    )
    group.addoption(
        "--kata-full",
        action="store_true",
        help="full failure reports (not shortened to the diagnosis and the learner's frames)",
    )
    group.addoption(
        "--kata-timeout",
        default=None,
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
    config.stash[RUN] = RunState(directory)
    config.pluginmanager.register(
        KataPlugin(config, want_ex.name if want_ex else None, want_task), "kata-run"
    )
    if limit:
        config.pluginmanager.register(timelimit.TimeLimit(limit), "kata-timelimit")
    if not config.getoption("kata_full") and not settings.get("KATA_GRADE_STREAM"):
        config.pluginmanager.register(shaping.OutputShaper(), "kata-shaping")
    if not config.pluginmanager.is_registered(fixtures):
        config.pluginmanager.register(fixtures, "kata-fixtures")
    gcpause.pause()  # until collection has imported everything (see gcpause)


def pytest_unconfigure(config):
    gcpause.resume(freeze=False)  # a run that ended before its collection did


# ------------------------------------------------------------------ reporting


def outcome_of(excinfo) -> Outcome | None:
    """The special outcome an exception stands for (None: an ordinary failure)."""
    if excinfo is None:
        return None
    if excinfo.errisinstance(target.LoadError):
        return Outcome.BROKEN
    if excinfo.errisinstance(fixtures.MissingName):
        return Outcome.MISSING
    if excinfo.errisinstance(NotImplementedError):
        return Outcome.NOT_STARTED
    return None


def _one_line(item, call, special: Outcome) -> str:
    ex, task = exercise_of(item), task_of(item)
    where = f"{ex}.{task}" if task else item.nodeid
    if special == Outcome.NOT_STARTED:
        return _("not started: {where} still raises NotImplementedError").format(where=where)
    text = str(call.excinfo.value).splitlines()
    if special == Outcome.BROKEN:
        return text[0] if text else _("{exercise} cannot be imported").format(exercise=ex)
    return text[0] if text else where


INTERRUPTED = N_("interrupted: results incomplete (nothing was saved)")


class KataPlugin:
    """The hooks of one run; its state lives on ``config.stash[RUN]``."""

    def __init__(self, config, exercise: str | None, task: str | None):
        self.config, self.exercise, self.task = config, exercise, task

    @property
    def run(self) -> RunState:
        return self.config.stash[RUN]

    def pytest_collection_modifyitems(self, config, items):
        keep, drop, problems = [], [], []
        known = set(catalogue.names())
        for item in items:
            ex, task = exercise_of(item), task_of(item)
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
            raise pytest.UsageError(
                _("tests out of step with kata/core/catalogue.toml:")
                + "\n  "
                + "\n  ".join(problems)
            )
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collection_finish(self, session):
        gcpause.resume(freeze=True)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        """Tag every report with its exercise and task; make the special outcomes one line.

        A not-started, missing or unimportable exercise gets a one-line report built
        here, which also spares pytest formatting a traceback nobody will read.
        """
        item.user_properties.extend(
            p
            for p in [("kata_exercise", exercise_of(item)), ("kata_task", task_of(item))]
            if p not in item.user_properties
        )
        special = outcome_of(call.excinfo)
        timed_out = timelimit.reason(item) if call.excinfo is not None else None
        if timed_out:
            special, line = Outcome.FAILED, timed_out
        elif special is None:
            return None
        else:
            line = _one_line(item, call, special)
        props = [*item.user_properties, ("kata_outcome", str(special)), ("kata_reason", line)]
        if timed_out:  # which of the two, for the report's shortening
            props.append(("kata_timeout", "not run" if timelimit.skipped(item) else "timed out"))
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
        outcome = dict(getattr(report, "user_properties", ())).get(
            "kata_outcome"
        )  # not a CollectReport
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
        if not ex or not task or ex not in catalogue.names():
            return
        res = self.run.results
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.passed:
                outcome = Outcome.PASSED
            elif report.skipped:
                return
            else:
                outcome = props.get("kata_outcome", Outcome.FAILED)
            outcomes.record(res, ex, task, outcome, props.get("kata_reason", ""))
        elif report.when == "teardown" and report.failed:
            slot = res.get(f"{ex}::{task}")
            if slot and slot.outcomes and slot.outcomes[-1] == Outcome.PASSED:
                slot.outcomes[-1] = Outcome.FAILED

    def pytest_keyboard_interrupt(self, excinfo):
        self.run.interrupted = True

    def pytest_report_header(self, config):
        return _("kata target: {target}, KATA_SEED={seed}").format(
            target=target.describe(self.run.target), seed=seeding.base_seed()
        )

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        tw = terminalreporter
        if self.run.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED:
            tw.section(
                _("kata: {target}").format(target=target.describe(self.run.target)),
                sep="=",
                bold=True,
            )
            tw.write_line(_(INTERRUPTED), yellow=True)
            return
        graded = {k: v for k, v in self.run.results.items() if v.total}
        if not graded or config.getoption("kata_no_table"):
            return
        if config.pluginmanager.hasplugin("kata.grading.stream_plugin"):
            return  # the grader reports its own way

        tw.section(
            _("kata: {target}").format(target=target.describe(self.run.target)), sep="=", bold=True
        )
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
        quickexit.finished(session)
        path = session.config.getoption("kata_state")
        if not path or self.run.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED:
            return
        state.save_run(Path(path), str(self.run.target), seeding.base_seed(), self.run.results)
