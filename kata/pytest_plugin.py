"""The kata's pytest plugin: target loading, seeding, task markers and a calm report.

Loaded with ``-p kata.pytest_plugin`` (``pyproject.toml`` does it for you).

* ``--target`` / ``KATA_TARGET`` choose the directory graded; the ``ex`` fixture
  hands a test the module of its exercise (``tests/test_<exercise>.py``), loaded
  by file path from there. A module that cannot be imported fails only its own
  exercise's tests, in one line each.
* ``--exercise`` / ``--task`` run one exercise or one task.
* Every test is seeded from ``kata.seeding`` before it runs.
* A function that still raises ``NotImplementedError`` shows as "not started",
  with no traceback; the run ends with a table of exercises (``--kata-tasks``:
  one row per task) and the next task to do.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

import pytest

from kata import catalogue, results, seeding, target, write_json

RESULTS_KEY = pytest.StashKey[dict]()
TARGET_KEY = pytest.StashKey[Path]()
MODULES_KEY = pytest.StashKey[dict]()


class MissingName(AttributeError):
    """The learner's module does not define a name the test needs."""


class Submission:
    """The learner's module, with a friendly error for a name it lacks."""

    def __init__(self, module, exercise: str, path: Path):
        self._module, self._exercise, self._path = module, exercise, path

    def __getattr__(self, name):
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise MissingName(
                f"{target.describe(self._path)} defines no `{name}`: task {self._exercise}.{name} "
                f"asks for it (check its spelling, or restore the stub with make reset EX={self._exercise})"
            ) from None


# --------------------------------------------------------------------- options


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
        "--kata-state", default=None, help="write the per-task results as JSON to this file"
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the catalogue task the test grades")
    config.addinivalue_line(
        "markers", "hidden: instructor-only test, left out of the student release"
    )
    try:
        config.stash[TARGET_KEY] = target.resolve(config.getoption("target"))
        ex_opt, task_opt = config.getoption("exercise"), config.getoption("task")
        if task_opt and not ex_opt:
            raise catalogue.UnknownName("--task (TASK=) needs --exercise (EX=) too")
        if ex_opt:
            ex = catalogue.exercise(ex_opt)
            if task_opt:
                ex.task(task_opt)
        seeding.base_seed()
    except (target.TargetError, catalogue.UnknownName, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RESULTS_KEY] = results.empty()
    config.stash[MODULES_KEY] = {}
    _pause_gc()  # until collection has imported everything (see below)


# ------------------------------------------------------------------ collection


def exercise_of(item) -> str | None:
    name = Path(str(item.path)).stem
    return name[len("test_") :] if name.startswith("test_") else None


def task_of(item) -> str | None:
    mark = item.get_closest_marker("task")
    return mark.args[0] if mark and mark.args else None


def pytest_collection_modifyitems(config, items):
    ex_opt, task_opt = config.getoption("exercise"), config.getoption("task")
    want_ex = catalogue.exercise(ex_opt).name if ex_opt else None
    keep, drop, problems = [], [], []
    known = set(catalogue.names())
    for item in items:
        ex, task = exercise_of(item), task_of(item)
        if ex in known:
            if task is None:
                problems.append(f"{item.nodeid}: no @pytest.mark.task(...)")
            else:
                try:
                    catalogue.exercise(ex).task(task)
                except catalogue.UnknownName as exc:
                    problems.append(f"{item.nodeid}: {exc}")
        if (want_ex and ex != want_ex) or (task_opt and task != task_opt):
            drop.append(item)
        else:
            keep.append(item)
    if problems:
        raise pytest.UsageError(
            "tests out of step with kata/catalogue.toml:\n  " + "\n  ".join(problems)
        )
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# -------------------------------------------------------------------- fixtures


@pytest.fixture
def ex(request):
    """The module under test for this test file's exercise, loaded from the target."""
    name = exercise_of(request.node)
    if name is None:
        raise RuntimeError("the `ex` fixture serves tests/test_<exercise>.py files only")
    cache = request.config.stash[MODULES_KEY]
    directory = request.config.stash[TARGET_KEY]
    if name not in cache:
        try:
            cache[name] = target.load(name, directory)
        except target.LoadError as exc:
            cache[name] = exc
    loaded = cache[name]
    if isinstance(loaded, target.LoadError):
        raise loaded
    return Submission(loaded, name, directory / f"{name}.py")


class ModelCache:
    """Built reference models shared by the tests of a session (building Keras models
    is most of the suite's cost).

    ``get(key, build)`` returns the model made by ``build()`` under ``key``, as long
    as its structure is untouched: the same layers, each holding the same
    ``kernel`` and ``bias`` objects, and the very same variable objects with the
    same shapes and trainable flags. Anything else (a learner's code replaced or
    rebound a variable, froze a layer, rebuilt the net) gets a new model. Values
    are not guarded: a test that cares about them sets them first. ``build()``
    runs seeded from ``key`` alone (``seeding.isolated``): whether the model was
    built now or by an earlier test changes none of the asking test's random
    numbers.
    """

    def __init__(self):
        self._models: dict = {}

    @staticmethod
    def _fingerprint(net) -> tuple:
        layers = (
            tuple(
                (id(x), id(getattr(x, "kernel", None)), id(getattr(x, "bias", None)))
                for x in net._flatten_layers()
            )
            if hasattr(net, "_flatten_layers")
            else ()
        )
        variables = tuple((id(v), tuple(v.shape), bool(v.trainable)) for v in net.weights)
        trainable = tuple(id(v) for v in net.trainable_weights)
        return (bool(net.built), layers, variables, trainable)

    def get(self, key, build):
        entry = self._models.get(key)
        if entry is not None and self._fingerprint(entry[0]) == entry[1]:
            return entry[0]
        with seeding.isolated(f"models::{key}"):
            net = build()
        self._models[key] = (net, self._fingerprint(net))
        return net


_MODELS = ModelCache()


@pytest.fixture(scope="session")
def models():
    """The process's ``ModelCache``: ``models.get("name", factory)``.

    It outlives one pytest session on purpose: the watch mode (and ``kata.verify``'s
    workers) grade many times in one process and need not rebuild the references.
    """
    return _MODELS


class Once:
    """What the learner's code made, kept for the other tests of the run that only
    read it (building Keras models is most of the suite's cost).

    ``once(key, make)`` calls ``make()`` the first time ``key`` is asked for and
    returns that same object afterwards; if ``make()`` raised, every test asking
    gets the same exception (a stub is "not started" in each). ``make()`` runs
    seeded from ``key`` alone (``seeding.isolated``), so the object does not
    depend on which test asked first, nor the asking test's random numbers on
    it. A test that changes the object must make its own instead.
    """

    def __init__(self, exercise: str, made: dict):
        self._exercise, self._made = exercise, made

    def __call__(self, key: str, make):
        key = f"{self._exercise}::{key}"
        if key not in self._made:
            with seeding.isolated(key):
                try:
                    self._made[key] = (make(), None)
                except Exception as exc:  # the learner's error, raised again for each test
                    self._made[key] = (None, (exc, exc.__traceback__))
        value, error = self._made[key]
        if error is not None:
            raise error[0].with_traceback(error[1])
        return value


@pytest.fixture(scope="session")
def _once_made():
    return {}  # one run: the learner's code is loaded afresh by the next one


@pytest.fixture
def once(request, _once_made):
    """``once(key, make)``: ``make()``'s result shared by the tests of this exercise
    that ask for ``key`` in this run (see ``Once``)."""
    return Once(exercise_of(request.node), _once_made)


@pytest.fixture(autouse=True)
def _kata_seed(request):
    """Seed everything from KATA_SEED and this test's stable name."""
    key = f"{exercise_of(request.node)}::{request.node.name}"
    seeding.seed_everything(seeding.seed_for(key))


# ------------------------------------------------------------------- reporting


def _outcome(excinfo) -> str | None:
    if excinfo is None:
        return None
    if excinfo.errisinstance(target.LoadError):
        return results.BROKEN
    if excinfo.errisinstance(MissingName):
        return results.MISSING
    if excinfo.errisinstance(NotImplementedError):
        return results.NOT_STARTED
    return None


def _one_line(item, call, special: str) -> str:
    ex, task = exercise_of(item), task_of(item)
    where = f"{ex}.{task}" if task else item.nodeid
    if special == results.NOT_STARTED:
        return f"not started: {where} still raises NotImplementedError"
    text = str(call.excinfo.value).splitlines()
    if special == results.BROKEN:
        return f"cannot import {ex}: {text[0] if text else ''}"
    return text[0] if text else where


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Tag every report with its exercise and task; make the special outcomes one line.

    A not-started, missing or unimportable exercise gets a one-line report built
    here, which also spares pytest formatting a traceback nobody will read.
    """
    item.user_properties.extend(
        p
        for p in [("kata_exercise", exercise_of(item)), ("kata_task", task_of(item))]
        if p not in item.user_properties
    )
    special = _outcome(call.excinfo)
    if special is None:
        return None
    line = _one_line(item, call, special)
    props = [*item.user_properties, ("kata_outcome", special), ("kata_reason", line)]
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


def _props(report) -> dict:
    return dict(report.user_properties)


def pytest_report_teststatus(report, config):
    outcome = _props(report).get("kata_outcome")
    if outcome in (results.NOT_STARTED, results.MISSING):
        return "not started", "n", "NOT STARTED"
    if outcome == results.BROKEN:
        return "cannot import", "b", "CANNOT IMPORT"
    return None


def pytest_runtest_logreport(report):
    props = _props(report)
    ex, task = props.get("kata_exercise"), props.get("kata_task")
    if not ex or not task or ex not in catalogue.names():
        return
    config = _CONFIG.get("config")
    if config is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.passed:
            outcome = results.PASSED
        elif report.skipped:
            return
        else:
            outcome = props.get("kata_outcome", results.FAILED)
        results.record(config.stash[RESULTS_KEY], ex, task, outcome, props.get("kata_reason", ""))
    elif report.when == "teardown" and report.failed:
        slot = config.stash[RESULTS_KEY].get(f"{ex}::{task}")
        if slot and slot.outcomes and slot.outcomes[-1] == results.PASSED:
            slot.outcomes[-1] = results.FAILED


_CONFIG: dict = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG["config"] = session.config


# The garbage collector: TensorFlow's import and Keras's models allocate millions of
# objects, and each full collection walks them all (a tenth of a second each, six
# of them while TensorFlow imports). So in the first run of a process it is paused
# from configure to the end of collection (imports included), and everything
# alive then is frozen: later collections skip it and cost milliseconds. Later runs
# in the same process (watch, verify's workers) leave it alone: freezing again
# would keep each run's pytest objects, which form cycles, forever.
_GC_WAS_ENABLED: list[bool] = []


def _pause_gc() -> None:
    if gc.get_freeze_count():  # not the first run here: the big heap is frozen already
        return
    _GC_WAS_ENABLED[:] = [gc.isenabled()]
    gc.disable()


def _resume_gc(freeze: bool) -> None:
    if not _GC_WAS_ENABLED:
        return
    if freeze:
        gc.freeze()
    if _GC_WAS_ENABLED.pop():
        gc.enable()


def pytest_collection_finish(session):
    _resume_gc(freeze=True)


def pytest_unconfigure(config):
    _resume_gc(freeze=False)  # a run that ended before its collection did


def pytest_report_header(config):
    return (
        f"kata target: {target.describe(config.stash[TARGET_KEY])}, KATA_SEED={seeding.base_seed()}"
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    res = config.stash[RESULTS_KEY]
    graded = {k: v for k, v in res.items() if v.total}
    if not graded:
        return
    tw = terminalreporter
    tw.section(f"kata: {target.describe(config.stash[TARGET_KEY])}", sep="=", bold=True)
    text = results.render(
        graded, per_task=config.getoption("kata_tasks"), color=tw.hasmarkup, width=tw._tw.fullwidth
    )
    tw.write(text)


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    res = config.stash.get(RESULTS_KEY, None)
    if res is None:
        return
    path = config.getoption("kata_state")
    if not path:
        return
    path = Path(path)
    here = str(config.stash[TARGET_KEY])
    try:  # keep the other exercises' last results when one exercise was graded
        data = json.loads(path.read_text(encoding="utf-8"))
        tasks = (
            data["tasks"]
            if data.get("target") == here and isinstance(data.get("tasks"), dict)
            else {}
        )
    except (OSError, ValueError, AttributeError, KeyError):
        tasks = {}
    tasks.update(
        {k: {"outcomes": v.outcomes, "reason": v.reason} for k, v in res.items() if v.total}
    )
    data = {"target": here, "seed": seeding.base_seed(), "time": time.time(), "tasks": tasks}
    write_json(path, data)
