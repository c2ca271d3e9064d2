"""Checks in a notebook's live kernel: ``kata.check("ex03")`` or
``kata.check("ex03", "WeirdInit")``.

It grades what the kernel's namespace holds *now* (what the cells defined, not
the file on disk) with the exercise's graded tests (``tests/test_<name>.py``, the
visible ones), in this process, through ``pytest.main`` and the kata's plugin, so
TensorFlow is not imported again. The namespace is served to the tests as the
exercise's module (``kata.core.target.serving``). The result is a ``CheckResult``:
``.passed``, one ``TaskCheck`` per task, a table in the notebook (``_repr_html_``)
with the same diagnosis as ``make test`` and, where a distribution check failed,
a histogram of the values against the expected density (a PNG, drawn with
matplotlib when it is installed).

Nothing is written to ``.kata/``: ``make test`` and ``make progress`` grade the files.
"""

from __future__ import annotations

import base64
import contextlib
import dis
import functools
import html
import importlib.util
import io
import linecache
import re
import sys
import time
import types
from dataclasses import dataclass, field

import numpy as np
import pytest

from kata import ROOT
from kata.core import catalogue, guard, target
from kata.core.i18n import N_, _, cells
from kata.core.outcomes import Outcome, Status, task_status
from kata.testing import shaping, stats, warmrun
from kata.testing.tables import label_text

WHERE = "this notebook"
MAX_PICTURES = 1  # histograms per task, as `make test` shows one
_HISTOGRAM_ROW = re.compile(r"^\s*\[\s*[-+]?[\d.e+-]+,\s*[-+]?[\d.e+-]+\)")
_SKIP_NAMES = {"In", "Out", "get_ipython", "exit", "quit"}


# ------------------------------------------------------------------- results


@dataclass
class Failure:
    """One failing test: its name, the diagnosis, PNG histograms, and how many later
    tests of the task failed the same way (counted, not shown again)."""

    test: str
    text: str
    pictures: list[bytes] = field(default_factory=list)
    same: int = 0

    @property
    def shown(self) -> str:
        """The diagnosis as shown, with its count of the same failures."""
        if not self.same:
            return self.text
        return self.text + "\n" + _("(same in {n} more tests)").format(n=self.same)


@dataclass
class TaskCheck:
    """The verdict on one task."""

    task: catalogue.Task
    outcomes: list[Outcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return task_status(self.outcomes)

    @property
    def passed(self) -> bool:
        return self.status == Status.DONE

    @property
    def counts(self) -> str:
        return f"{self.outcomes.count(Outcome.PASSED)}/{len(self.outcomes)}"


@dataclass
class CheckResult:
    """What ``kata.check`` found: ``passed``, ``tasks`` (one ``TaskCheck`` each) and a
    ``summary`` line; shown as a table in a notebook."""

    exercise: catalogue.Exercise
    tasks: list[TaskCheck]
    hidden_may_exist: bool
    seconds: float = 0.0
    error: str = ""  # why nothing could be graded

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.tasks) and all(t.passed for t in self.tasks)

    def __bool__(self) -> bool:
        return self.passed

    def task(self, name: str) -> TaskCheck:
        wanted = self.exercise.task(name).name
        return next(t for t in self.tasks if t.task.name == wanted)

    @property
    def summary(self) -> str:
        what = self.exercise.name + (f".{self.tasks[0].task.name}" if len(self.tasks) == 1 else "")
        if self.error:
            return _("{what}: could not check: {error}").format(what=what, error=self.error)
        if self.passed:
            tests = sum(len(t.outcomes) for t in self.tasks)
            if self.hidden_may_exist:
                return _("{what}: ✓ done — all visible tests pass ({tests} tests)").format(
                    what=what, tests=tests
                )
            return _("{what}: ✓ done — all tests pass ({tests} tests)").format(
                what=what, tests=tests
            )
        if all(t.status == Status.NOT_STARTED for t in self.tasks):
            return f"{what}: {label_text(Status.NOT_STARTED)}"
        if len(self.tasks) == 1:
            t = self.tasks[0]
            return f"{what}: {label_text(t.status)} " + _("({counts} tests pass)").format(
                counts=t.counts
            )
        done = sum(t.passed for t in self.tasks)
        return f"{what}: " + _("✗ {done}/{total} tasks done").format(
            done=done, total=len(self.tasks)
        )

    def __repr__(self) -> str:
        lines = [self.summary]
        for t in self.tasks:
            lines.append(
                f"  {t.task.name:<22} {label_text(t.status):<14} "
                + _("{counts} tests").format(counts=t.counts)
            )
            for f in t.failures:
                body = "\n".join("      " + ln for ln in f.shown.splitlines())
                lines.append(f"    {f.test}:\n{body}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {Status.DONE: "#1a7f37", Status.FAILING: "#cf222e", Status.BROKEN: "#cf222e"}
        rows = []
        for t in self.tasks:
            notes = []
            for f in t.failures:
                pictures = "".join(
                    f'<br><img alt="histogram" src="data:image/png;base64,'
                    f'{base64.b64encode(p).decode()}">'
                    for p in f.pictures
                )
                notes.append(
                    f"<div><b>{html.escape(f.test)}</b>"
                    f'<pre style="white-space:pre-wrap;margin:2px 0">{html.escape(f.shown)}</pre>'
                    f"{pictures}</div>"
                )
            rows.append(
                f'<tr><td style="text-align:left"><code>{html.escape(t.task.name)}</code></td>'
                f'<td style="text-align:left;color:{colour.get(t.status, "#6e7781")}">'
                f"{html.escape(label_text(t.status))}</td>"
                f"<td>{t.counts}</td>"
                f'<td style="text-align:left">{"".join(notes)}</td></tr>'
            )
        left = ' style="text-align:left"'
        head = "".join(
            f"<th{'' if n == 'tests' else left}>{html.escape(_(n))}</th>"
            for n in (N_("task"), N_("status"), N_("tests"), N_("diagnosis"))
        )
        verdict = "#1a7f37" if self.passed else "#cf222e"
        return (
            f'<div class="kata-check"><p style="color:{verdict}"><b>'
            f"{html.escape(self.summary)}</b></p>"
            "<style>.kata-check-table td {vertical-align: top}</style>"
            f'<table class="kata-check-table"><tr>{head}</tr>{"".join(rows)}</table></div>'
        )


# ------------------------------------------------------------------- helpers


def _code_files(values) -> list[str]:
    """The files (notebook cells) that the functions among ``values``, and the methods
    of the classes among them, come from."""
    files: list[str] = []
    for value in values:
        members = vars(value).values() if isinstance(value, type) else [value]
        for member in members:
            code = getattr(getattr(member, "__func__", member), "__code__", None)
            if code is not None and code.co_filename not in files:
                files.append(code.co_filename)
    return files


def _diagnose_exception(excinfo, learner: set[str]) -> str:
    """``TypeError: …`` and where in the learner's code it was raised."""
    exc = excinfo.value
    text = f"{type(exc).__name__}: {exc}".strip()
    mine = [e for e in excinfo.traceback if str(e.path) in learner]
    if mine:
        entry = mine[-1]
        lineno = entry.lineno + 1
        code = linecache.getline(str(entry.path), lineno).strip()
        text += "\n  " + _("raised in your `{name}`, line {line} of its cell: {code}").format(
            name=entry.name, line=lineno, code=code
        )
    return text


def _check_text(longrepr: str) -> str:
    """The failed checks' messages out of a pytest-check report."""
    if "FAILURE:" not in longrepr:
        return longrepr.strip()
    body = longrepr.split("FAILURE:", 1)[1]
    body = re.split(r"\n-{20,}\n|\nFailed Checks:", body)[0]
    return "\n".join(ln.removeprefix("FAILURE: ") for ln in body.strip().splitlines())


def _same_as(text: str, earlier: list[Failure]) -> Failure | None:
    """The earlier failure of the task that ``text`` repeats: the shortened report's
    "same as above", or the same first line but for its numbers and paths."""
    if not earlier:
        return None
    if text.strip() == _(shaping.SAME_CHECKS):
        return earlier[0]
    head = shaping.signature(text.strip().split("\n", 1)[0])
    return next((f for f in earlier if shaping.signature(f.text.split("\n", 1)[0]) == head), None)


def _drop_histograms(text: str) -> str:
    return "\n".join(
        ln
        for ln in text.splitlines()
        if not (_HISTOGRAM_ROW.match(ln) or shaping.is_histogram_head(ln))
    )


def _can_draw() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


_CJK_SAMPLE = "参数的值"  # characters a font must draw to label a plot in Chinese


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed font that draws Chinese (matplotlib's font list, by the
    glyphs each font has), or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for entry in font_manager.fontManager.ttflist:
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(c) in charmap for c in _CJK_SAMPLE):
            return entry.name
    return None


def plot_labels(title: str) -> tuple[str, str, str, str | None]:
    """``(yours, expected, title, font)`` of a histogram: in the current language, with
    a font that draws it; in English, untitled if the title cannot be drawn, when the
    language needs a font no installed one has (boxes say nothing)."""
    yours, expected = _("yours"), _("expected density")
    wide = [t for t in (yours, expected, title) if cells(t) > len(t)]
    if not wide:
        return yours, expected, title, None
    font = cjk_font()
    if font is not None:
        return yours, expected, title, font
    plain = title if cells(title) == len(title) else ""
    return "yours", "expected density", plain, None


def histogram_png(values, dist, title: str = "") -> bytes | None:
    """A PNG of ``values`` (a density histogram) against ``dist``'s density; None
    without matplotlib. Drawn on its own figure: the notebook's plots are untouched.
    Labelled in the current language when a font draws it (``plot_labels``)."""
    try:
        from matplotlib import rc_context
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    yours, expected, title, font = plot_labels(title)
    x = np.asarray(values, dtype=float).ravel()
    with rc_context({"font.family": [font, "sans-serif"]} if font else {}):
        fig = Figure(figsize=(5.2, 2.4), dpi=72)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        lo, hi = float(x.min()), float(x.max())
        if dist is not None:
            lo, hi = min(lo, float(dist.ppf(1e-4))), max(hi, float(dist.isf(1e-4)))
        if hi <= lo:
            hi = lo + 1.0
        ax.hist(x, bins=60, range=(lo, hi), density=True, color="#d1242f", alpha=0.55, label=yours)
        if dist is not None:
            grid = np.linspace(lo, hi, 400)
            ax.plot(grid, dist.pdf(grid), color="#0550ae", lw=1.6, label=expected)
        ax.legend(fontsize=8, frameon=False)
        ax.tick_params(labelsize=8)
        if title:
            ax.set_title(title if len(title) <= 70 else title[:67] + "...", fontsize=9)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


class _Collector:
    """Per-test outcomes, diagnoses and the values of failed distribution checks."""

    def __init__(self, exercise: str, learner: set[str]):
        self.exercise, self.learner = exercise, learner
        self.results: dict[str, TaskCheck] = {}
        self.current: str | None = None
        self.seen: dict[str, list] = {}  # nodeid -> CheckFailed with values, latest last
        self.excinfo: dict[str, object] = {}

    def watch(self, failed) -> None:
        if self.current is None or failed.values is None:
            return
        mine = self.seen.setdefault(self.current, [])
        mine[:] = [f for f in mine if not np.shares_memory(f.values, failed.values)]
        mine.append(failed)

    def pytest_runtest_setup(self, item):
        self.current = item.nodeid

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and report.failed:
            self.excinfo[item.nodeid] = call.excinfo

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        task = props.get("kata_task")
        if not task or not (report.when == "call" or report.failed):
            return
        slot = self.results.setdefault(
            task, TaskCheck(catalogue.exercise(self.exercise).task(task))
        )
        if report.passed:
            slot.outcomes.append(Outcome.PASSED)
            return
        outcome = Outcome(props.get("kata_outcome", Outcome.FAILED))
        slot.outcomes.append(outcome)
        test = report.nodeid.split("::", 1)[-1]
        if outcome == Outcome.MISSING:
            text = _("`{task}` is not defined in this kernel yet: run its cell").format(task=task)
        elif outcome in (Outcome.NOT_STARTED, Outcome.BROKEN):
            text = props.get("kata_reason", "")
        else:
            text = self._diagnosis(report)
        if outcome != Outcome.FAILED and any(f.text == text for f in slot.failures):
            return  # one "not started" line per task is enough
        same = _same_as(text, slot.failures)
        if same is not None:
            same.same += 1  # one diagnosis per mistake and task, the rest counted
            return
        pictures = []
        for failed in self.seen.get(report.nodeid, []):
            if sum(len(f.pictures) for f in slot.failures) + len(pictures) >= MAX_PICTURES:
                break
            png = histogram_png(failed.values, failed.dist, failed.brief.splitlines()[0])
            if png:
                pictures.append(png)
        if pictures or (self.seen.get(report.nodeid) and _can_draw()):
            text = _drop_histograms(text)  # the pictures say it better
        slot.failures.append(Failure(test, text, pictures))

    def _diagnosis(self, report) -> str:
        """The kata's diagnosis: as ``make test`` shortens it (``kata.testing.shaping``),
        or, for an exception in the learner's code, its message and cell line."""
        excinfo = self.excinfo.get(report.nodeid)
        if excinfo is not None and not excinfo.errisinstance(AssertionError):
            failed = type(excinfo.value).__name__ == "Failed"  # pytest.fail(...)
            if not failed:
                return _diagnose_exception(excinfo, self.learner)
            return str(excinfo.value).strip()
        text = _check_text(report.longreprtext)
        trace = shaping.parse_trace(text) if re.search(r"^E ", text, re.M) else None
        if trace is not None:  # a report the shortening left out as a repeat: shorten it here
            text = "\n".join(shaping.render_trace(trace))
        return text


def _unrun_definition(namespace: dict, names: list[str]) -> str:
    """Why the newest cell defining one of ``names`` cannot run (a syntax error), or ""."""
    history = namespace.get("In")
    if not isinstance(history, list) or len(history) < 2:
        return ""
    shell = namespace.get("get_ipython")
    transform = getattr(shell(), "transform_cell", None) if callable(shell) else None
    pattern = re.compile(
        r"^(?:async\s+def|def|class)\s+(" + "|".join(map(re.escape, names)) + r")\b", re.M
    )
    for cell in reversed(history[:-1]):  # the last one is the cell running the check
        found = pattern.search(cell or "")
        if not found:
            continue
        try:
            compile(transform(cell) if transform else cell, "<cell>", "exec")
        except SyntaxError as exc:
            return _(
                "the cell defining `{name}` has a syntax error (line {line}: {error}): "
                "fix it and run it again"
            ).format(name=found.group(1), line=exc.lineno, error=exc.msg)
        return ""
    return ""


def _module_of(namespace: dict, name: str) -> types.ModuleType:
    """The exercise's module as the kernel defines it now, run again under the kata's
    run-time guard (``kata.core.guard``), as ``make test`` and the grader run a file:
    the cells that defined the kernel's functions and classes, in the order they
    ran, over the kernel's (allowed) modules and plain values."""
    module = types.ModuleType(f"kata_notebook_{name}")
    module.__file__ = WHERE
    module.__dict__.update(
        (k, v)
        for k, v in namespace.items()
        if k not in _SKIP_NAMES and not k.startswith("_") and _plain(v)
    )
    sys.modules[module.__name__] = module  # dataclasses and Keras need a real module
    cells = _defining_cells(namespace)
    guard.run_pieces(module, cells)
    imports = [
        _import_line(k, v) for k, v in vars(module).items() if isinstance(v, types.ModuleType)
    ]
    module.__kata_source__ = "\n".join([*imports, *(text for text, _file in cells)])
    return module


def _import_line(name: str, module: types.ModuleType) -> str:
    """The line that binds ``module`` to ``name`` in a file of its own."""
    parent, _dot, last = guard.public_name(module).rpartition(".")
    return f"from {parent} import {last} as {name}" if parent else f"import {last} as {name}"


def _plain(value) -> bool:
    """A value a cell can hand to the graded module as it is: an allowed module, or
    data without code (numbers, strings, and tuples of them)."""
    if isinstance(value, types.ModuleType):
        return guard.module_allowed(value)
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return isinstance(value, (int, float, complex, str, bytes, type(None)))


def _defining_cells(namespace: dict) -> list[tuple[str, str]]:
    """``(text, file)`` of each cell that defined a function or class the namespace
    holds now, in the order the cells ran."""
    module_name = namespace.get("__name__", "__main__")
    files = _code_files(
        v for v in namespace.values() if getattr(v, "__module__", None) == module_name
    )
    shell = namespace.get("get_ipython")
    ran = getattr(getattr(shell(), "compile", None), "_filename_map", {}) if callable(shell) else {}
    files.sort(key=lambda f: ran.get(f, 0))
    return [("".join(linecache.getlines(f)), f) for f in files if linecache.getlines(f)]


def _hidden_may_exist(name: str) -> bool:
    """Whether tests that ``kata.check`` does not run may grade this exercise: the
    instructor's hidden tests, here or (student edition) kept by the instructor."""
    hidden = ROOT / "tests" / "hidden"
    return not hidden.is_dir() or (hidden / f"test_{name}.py").is_file()


# --------------------------------------------------------------------- check


def _displayed_by_caller(frame) -> bool:
    """Whether the caller's code prints its value itself: IPython compiles a cell's
    last expression (``kata.check("ex03")`` typed alone) in "single" mode, whose
    result goes to the display hook. A check inside ``if __name__ == "__main__":``
    (the exercises' check cells) is no expression: its result is shown here."""
    if frame is None:
        return False
    for ins in dis.get_instructions(frame.f_code):
        if ins.opname == "PRINT_EXPR" or ins.argrepr == "INTRINSIC_PRINT":
            return True
    return False


def _show(result, frame) -> None:
    """Display ``result`` in IPython, unless the cell displays it already."""
    if "IPython" not in sys.modules or _displayed_by_caller(frame):
        return
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is not None:
        display(result)


def check(exercise: str, task: str | None = None, *, namespace: dict | None = None, frame=None):
    """Grade ``exercise`` (or one ``task`` of it) as the kernel defines it now.

    ``namespace`` is where the definitions live: the globals of the caller's
    ``frame`` by default (a notebook's namespace). Returns a ``CheckResult``, and
    in IPython shows it (a table) unless the cell shows its value itself.
    """
    if frame is None and namespace is None:
        frame = sys._getframe(1)
    if namespace is None:
        namespace = frame.f_globals
    result = _check(exercise, task, namespace)
    if result is not None:
        _show(result, frame)
    return result


def _broken(result: CheckResult, why: str) -> CheckResult:
    for t in result.tasks:
        t.outcomes.append(Outcome.BROKEN)
        t.failures.append(Failure("", why))
    return result


def _check(exercise: str, task: str | None, namespace: dict):
    if str(namespace.get("__name__", "")).startswith("kata_target_"):
        return None  # a graded module being loaded (an unguarded check cell): nothing to do
    started = time.perf_counter()
    ex = catalogue.exercise(exercise)
    wanted = [ex.task(task)] if task else list(ex.tasks)
    tests = ROOT / "tests" / f"test_{ex.name}.py"
    result = CheckResult(ex, [TaskCheck(t) for t in wanted], _hidden_may_exist(ex.name))
    if not tests.is_file():
        result.error = _("the kata has no tests for {exercise} here ({tests} is missing)").format(
            exercise=ex.name, tests=tests
        )
        return result
    broken = _unrun_definition(namespace, [t.name for t in wanted])
    if broken:
        return _broken(result, broken)
    try:
        module = _module_of(namespace, ex.name)
    except SyntaxError as exc:
        return _broken(result, f"SyntaxError: {exc.msg} (line {exc.lineno})")
    except Exception as exc:  # noqa: BLE001 - the learner's cells raised when run again
        return _broken(result, f"{type(exc).__name__}: {exc}".splitlines()[0])
    from kata import import_quietly

    import_quietly()
    collector = _Collector(ex.name, set(_code_files(vars(module).values())))
    args = [
        str(tests),
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        "--target",
        str(ROOT),
        "--exercise",
        ex.name,
        "--capture=sys",
    ]
    if task:
        args += ["--task", wanted[0].name]
    out = io.StringIO()
    stats.WATCHERS.append(collector.watch)
    try:
        with (
            target.serving(ex.name, module, WHERE, module.__kata_source__),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            code = warmrun.run(args, plugins=[collector])
    finally:
        stats.WATCHERS.remove(collector.watch)
    result.tasks = [collector.results.get(t.name, TaskCheck(t)) for t in wanted]
    if code == pytest.ExitCode.INTERRUPTED:
        result.error = _("interrupted")
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = "\n".join(out.getvalue().strip().splitlines()[-5:])
        result.error = f"pytest exit code {int(code)}:\n{tail}"
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["CheckResult", "Failure", "TaskCheck", "check", "histogram_png"]
