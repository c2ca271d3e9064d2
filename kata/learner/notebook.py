"""``kata.check("ex03")`` or ``kata.check("ex03", "WeirdInit")`` in a notebook's kernel.

It grades what the kernel holds *now* with the exercise's visible graded tests, in this
process (``kata.core.target.serving`` hands the tests the cells run again as the
exercise's module); nothing is written to ``.kata/``.
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
import textwrap
import types
from dataclasses import dataclass, field

import numpy as np
import pytest

from kata import ROOT, import_quietly
from kata.core import catalogue, guard, ipynb, target
from kata.core.i18n import N_, _, cells
from kata.core.outcomes import Outcome, Status, task_status
from kata.learner.run import HIDDEN, Collector, Interrupted, UsageError, quietly
from kata.testing import fixtures, shaping, stats, timelimit
from kata.testing.tables import label_text
from kata.testing.timelimit import TimedOut

WHERE = "this notebook"
MAX_PICTURES = 1  # histograms per task, as `make test` shows one
_SKIP_NAMES = {"In", "Out", "get_ipython", "exit", "quit"}
_CJK_SAMPLE = "参数的值"  # characters a font must draw to label a plot in Chinese


@dataclass
class Failure:
    """One failing test: its diagnosis, PNG histograms, and how many later tests repeat it."""

    test: str
    text: str
    pictures: list[bytes] = field(default_factory=list)
    same: int = 0

    @property
    def shown(self) -> str:
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
    """What ``kata.check`` found: ``passed``, ``tasks`` and a ``summary`` line."""

    exercise: catalogue.Exercise
    tasks: list[TaskCheck]
    hidden_may_exist: bool
    error: str = ""  # why nothing could be graded
    saved: str = ""  # why make test and the grader cannot load the file as saved

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.tasks) and all(t.passed for t in self.tasks)

    def __bool__(self) -> bool:  # `assert kata.check("ex03")`
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
            if self.hidden_may_exist:
                said = _("{what}: ✓ done — all visible tests pass ({tests} tests)")
            else:
                said = _("{what}: ✓ done — all tests pass ({tests} tests)")
            return said.format(what=what, tests=sum(len(t.outcomes) for t in self.tasks))
        if all(t.status == Status.NOT_STARTED for t in self.tasks):
            return f"{what}: {label_text(Status.NOT_STARTED)}"
        if len(self.tasks) == 1:
            t = self.tasks[0]
            counts = _("({counts} tests pass)").format(counts=t.counts)
            return f"{what}: {label_text(t.status)} {counts}"
        done = sum(t.passed for t in self.tasks)
        return f"{what}: " + _("✗ {done}/{total} tasks done").format(
            done=done, total=len(self.tasks)
        )

    def __repr__(self) -> str:
        lines = [self.summary]
        for t in self.tasks:
            tests = _("{counts} tests").format(counts=t.counts)
            lines.append(f"  {t.task.name:<22} {label_text(t.status):<14} {tests}")
            for f in t.failures:
                lines += [f"    {f.test}:", textwrap.indent(f.shown, " " * 6)]
        return "\n".join([*lines, self.saved_note] if self.saved else lines)

    @property
    def saved_note(self) -> str:
        return _("your file as saved, as make test loads it: {problem}").format(problem=self.saved)

    def _repr_html_(self) -> str:
        red, left = "#cf222e", ' style="text-align:left"'
        colour = {Status.DONE: "#1a7f37", Status.FAILING: red, Status.BROKEN: red}
        rows = []
        for t in self.tasks:
            notes = "".join(
                f'<div><b>{html.escape(f.test)}</b><pre style="white-space:pre-wrap;margin:2px 0">'
                f"{html.escape(f.shown)}</pre>"
                + "".join(
                    f'<br><img alt="histogram" src="data:image/png;base64,'
                    f'{base64.b64encode(p).decode()}">'
                    for p in f.pictures
                )
                + "</div>"
                for f in t.failures
            )
            rows.append(
                f"<tr><td{left}><code>{html.escape(t.task.name)}</code></td>"
                f'<td style="text-align:left;color:{colour.get(t.status, "#6e7781")}">'
                f"{html.escape(label_text(t.status))}</td>"
                f"<td>{t.counts}</td><td{left}>{notes}</td></tr>"
            )
        head = "".join(
            f"<th{'' if n == 'tests' else left}>{html.escape(_(n))}</th>"
            for n in (N_("task"), N_("status"), N_("tests"), N_("diagnosis"))
        )
        saved = f'<p style="color:{red}">{html.escape(self.saved_note)}</p>' if self.saved else ""
        return (
            f'<div class="kata-check"><p style="color:{"#1a7f37" if self.passed else red}"><b>'
            f"{html.escape(self.summary)}</b></p>"
            "<style>.kata-check-table td {vertical-align: top}</style>"
            f'<table class="kata-check-table"><tr>{head}</tr>{"".join(rows)}</table>{saved}</div>'
        )


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed font that draws Chinese (by its glyphs), or None."""
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
    """A histogram's ``(yours, expected, title, font)``: in English if no font draws them."""
    yours, expected = _("yours"), _("expected density")
    if not any(cells(t) > len(t) for t in (yours, expected, title)):
        return yours, expected, title, None
    font = cjk_font()
    if font is not None:
        return yours, expected, title, font
    return "yours", "expected density", title if cells(title) == len(title) else "", None


def histogram_png(values, dist, title: str = "") -> bytes | None:
    """A PNG of ``values``' histogram against ``dist``'s density; None without matplotlib."""
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError:
        return None
    yours, expected, title, font = plot_labels(title)
    x = np.asarray(values, dtype=float).ravel()
    lo, hi = float(x.min()), float(x.max())
    if dist is not None:
        lo, hi = min(lo, float(dist.ppf(1e-4))), max(hi, float(dist.isf(1e-4)))
    hi = hi if hi > lo else lo + 1.0
    out = io.BytesIO()
    with rc_context({"font.family": [font, "sans-serif"]} if font else {}):
        fig = Figure(figsize=(5.2, 2.4), dpi=72, layout="tight")
        ax = fig.add_subplot()
        ax.hist(x, bins=60, range=(lo, hi), density=True, color="#d1242f", alpha=0.55, label=yours)
        if dist is not None:
            grid = np.linspace(lo, hi, 400)
            ax.plot(grid, dist.pdf(grid), color="#0550ae", lw=1.6, label=expected)
        ax.legend(fontsize=8, frameon=False)
        ax.tick_params(labelsize=8)
        if title:
            ax.set_title(title if len(title) <= 70 else title[:67] + "...", fontsize=9)
        fig.savefig(out, format="png")
    return out.getvalue()


def _code_files(values) -> list[str]:
    """The files (notebook cells) of the functions and classes' methods among ``values``."""
    files: list[str] = []
    for value in values:
        for member in vars(value).values() if isinstance(value, type) else [value]:
            code = getattr(getattr(member, "__func__", member), "__code__", None)
            if code is not None and code.co_filename not in files:
                files.append(code.co_filename)
    return files


def _same_as(text: str, earlier: list[Failure]) -> Failure | None:
    """The earlier failure that ``text`` repeats: "same as above", or the same first line."""
    if earlier and text.strip() == _(shaping.SAME_CHECKS):
        return earlier[0]
    head = shaping.signature(text.strip().split("\n", 1)[0])
    return next((f for f in earlier if shaping.signature(f.text.split("\n", 1)[0]) == head), None)


class _Collector(Collector):
    """Each task's failures: diagnoses, and the values of failed distribution checks."""

    def __init__(self, learner: set[str]):
        super().__init__()
        self.learner, self.failures = learner, {}
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

    @pytest.hookimpl(wrapper=True)  # sees every report, also one another plugin made
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None and report.failed:
            self.excinfo[item.nodeid] = call.excinfo
        return report

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        task = props.get("kata_task")
        if not task or not report.failed:
            return
        failures = self.failures.setdefault(task, [])
        outcome = Outcome(props.get("kata_outcome", "failed"))
        if outcome == Outcome.MISSING:
            text = _("`{task}` is not defined in this kernel yet: run its cell").format(task=task)
        elif outcome in (Outcome.NOT_STARTED, Outcome.BROKEN):
            text = props.get("kata_reason", "")
        else:
            text = self._diagnosis(report)
        if outcome != Outcome.FAILED and any(f.text == text for f in failures):
            return  # one "not started" line per task is enough
        same = _same_as(text, failures)
        if same is not None:
            same.same += 1  # one diagnosis per mistake and task, the rest counted
            return
        failed = self.seen.get(report.nodeid, [])
        room = MAX_PICTURES - sum(len(f.pictures) for f in failures)
        pictures = [histogram_png(f.values, f.dist, f.brief.splitlines()[0]) for f in failed[:room]]
        if failed and importlib.util.find_spec("matplotlib"):  # the pictures say it better
            text = "\n".join(shaping.trim_histogram(text.splitlines(), keep=False))
        failures.append(Failure(report.nodeid.split("::", 1)[-1], text, [p for p in pictures if p]))

    def _diagnosis(self, report) -> str:
        """``make test``'s diagnosis, or an exception's message and the line of its cell."""
        excinfo = self.excinfo.get(report.nodeid)
        if excinfo is not None and type(excinfo.value).__name__ == "Failed":  # pytest.fail
            return str(excinfo.value).strip()
        if excinfo is not None and not excinfo.errisinstance(AssertionError):
            exc = excinfo.value
            text = f"{type(exc).__name__}: {exc}".strip()
            if isinstance(exc, TimedOut):  # its reason as make test words it
                text = report.longreprtext.strip().splitlines()[0]
            mine = [e for e in excinfo.traceback if str(e.path) in self.learner]
            if mine:
                line = mine[-1].lineno + 1
                code = linecache.getline(str(mine[-1].path), line).strip()
                text += "\n  " + _(
                    "raised in your `{name}`, line {line} of its cell: {code}"
                ).format(name=mine[-1].name, line=line, code=code)
            return text
        checks, rest = shaping.split_checks(report.longreprtext)
        if checks:  # not shortened: pytest-check's own report
            return "\n".join(line for check in checks for line in check).strip()
        trace = shaping.parse_trace(rest) if re.search(r"^E ", rest, re.M) else None
        if trace is not None:  # a report the shortening left out as a repeat
            return "\n".join(shaping.render_trace(trace))
        return rest.strip()


def _unrun_definition(namespace: dict, names: list[str]) -> str:
    """Why the newest cell defining one of ``names`` cannot run (a syntax error), or ""."""
    history = namespace.get("In")  # IPython's inputs, this cell's last
    if not isinstance(history, list):  # not IPython's (or a learner's own `In`)
        return ""
    shell = namespace.get("get_ipython")
    transform = getattr(shell(), "transform_cell", None) if callable(shell) else None
    pattern = re.compile(
        r"^(?:async\s+def|def|class)\s+(" + "|".join(map(re.escape, names)) + r")\b", re.M
    )
    defining = [cell for cell in history[:-1] if cell and pattern.search(cell)]
    cell = defining[-1] if defining else ""
    try:
        compile(transform(cell) if transform else cell, "<cell>", "exec")
    except SyntaxError as exc:
        return _(
            "the cell defining `{name}` has a syntax error (line {line}: {error}): "
            "fix it and run it again"
        ).format(name=pattern.search(cell).group(1), line=exc.lineno, error=exc.msg)
    return ""


def _plain(value) -> bool:
    """An allowed module, or data without code (numbers, strings, tuples of them)."""
    if isinstance(value, types.ModuleType):
        return guard.module_allowed(value)
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return isinstance(value, (int, float, complex, str, bytes, type(None)))


def _module_of(namespace: dict, name: str) -> types.ModuleType:
    """The exercise's module as the kernel defines it now: the cells that defined its
    functions and classes run again, in order, under the kata's guard."""
    module = types.ModuleType(f"kata_notebook_{name}")
    module.__file__ = WHERE
    module.__dict__.update(
        (k, v)
        for k, v in namespace.items()
        if k not in _SKIP_NAMES and not k.startswith("_") and _plain(v)
    )
    sys.modules[module.__name__] = module  # dataclasses and Keras need a real module
    main = namespace.get("__name__", "__main__")
    files = _code_files(v for v in namespace.values() if getattr(v, "__module__", None) == main)
    shell = namespace.get("get_ipython")
    ran = getattr(getattr(shell(), "compile", None), "_filename_map", {}) if callable(shell) else {}
    files.sort(key=lambda f: ran.get(f, 0))
    pieces = [("".join(linecache.getlines(f)), f) for f in files if linecache.getlines(f)]
    guard.run_pieces(module, pieces)
    imports = []  # the lines that bind its modules in a file of its own
    for k, v in vars(module).items():
        if isinstance(v, types.ModuleType):
            parent, _dot, last = guard.public_name(v).rpartition(".")
            imports.append(
                f"from {parent} import {last} as {k}" if parent else f"import {last} as {k}"
            )
    module.__kata_source__ = _file_text(imports, [text for text, _file in pieces])
    return module


def _file_text(imports: list[str], texts: list[str]) -> str:
    """The cells as one file a fresh process can import: their ``__future__`` imports
    first (as ``ipynb.convert`` moves a notebook's), then ``imports``, then the cells."""
    future: list[str] = []
    body = [ipynb.move_future(line, future) for line in "\n".join(texts).splitlines()]
    return "\n".join([*dict.fromkeys(future), *imports, *body])


def _displayed_by_caller(frame) -> bool:
    """Whether the caller prints its value itself: IPython compiles a cell's last
    expression (``kata.check("ex03")`` alone) for the display hook; a check inside
    ``if __name__ == "__main__":`` is no expression, its result is shown here."""
    return frame is not None and any(
        ins.opname == "PRINT_EXPR" or ins.argrepr == "INTRINSIC_PRINT"
        for ins in dis.get_instructions(frame.f_code)
    )


def check(exercise: str, task: str | None = None, *, namespace: dict | None = None, frame=None):
    """Grade ``exercise`` (or one ``task``) in ``namespace``, else in ``frame``'s globals:
    a ``CheckResult``, shown in IPython unless the cell shows it."""
    result = _check(exercise, task, frame.f_globals if namespace is None else namespace)
    if result is not None and "IPython" in sys.modules and not _displayed_by_caller(frame):
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(result)
    return result


def _check(exercise: str, task: str | None, namespace: dict):
    if str(namespace.get("__name__", "")).startswith("kata_target_"):
        return None  # a graded module being loaded (an unguarded check cell): nothing to do
    ex = catalogue.exercise(exercise)
    wanted = [ex.task(task)] if task else list(ex.tasks)
    tests = ROOT / "tests" / f"test_{ex.name}.py"
    hidden = not HIDDEN.is_dir() or (HIDDEN / tests.name).is_file()  # or kept by the instructor
    result = CheckResult(ex, [TaskCheck(t) for t in wanted], hidden)
    if not tests.is_file():
        result.error = _("the kata has no tests for {exercise} here ({tests} is missing)").format(
            exercise=ex.name, tests=tests
        )
        return result
    try:
        broken = _unrun_definition(namespace, [t.name for t in wanted])
        module = None if broken else _module_of(namespace, ex.name)
    except SyntaxError as exc:
        broken = f"SyntaxError: {exc.msg} (line {exc.lineno})"
    except Exception as exc:  # noqa: BLE001 - the learner's cells raised when run again
        broken = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if broken:
        result.tasks = [TaskCheck(t, [Outcome.BROKEN], [Failure("", broken)]) for t in wanted]
        return result
    import_quietly()
    collector = _Collector(set(_code_files(vars(module).values())))
    args = [str(tests), "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]
    args += ["--target", str(ROOT), "--exercise", ex.name, "--capture=sys"]
    args += ["--task", wanted[0].name] if task else []
    stats.WATCHERS.append(collector.watch)
    try:
        with target.serving(ex.name, module, WHERE, module.__kata_source__):
            quietly(args, [collector], warm=True)
    except Interrupted:
        result.error = _("interrupted")
    except UsageError as exc:
        result.error = str(exc)
    finally:
        stats.WATCHERS.remove(collector.watch)
    result.tasks = [
        TaskCheck(t, collector.results[t.key].outcomes, collector.failures.get(t.name, []))
        for t in wanted
    ]
    result.saved = _saved_problem(ex.name)
    return result


def _saved_problem(name: str) -> str:
    """Why ``make test`` and the grader cannot load exercise ``name`` as its file is saved
    (scratch cells left out), or "": loaded as ``make test`` loads it, output not shown."""
    try:
        directory = target.resolve()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with timelimit.limited(timelimit.seconds(None)):
                target.load(name, directory)
    except (target.TargetError, target.LoadError) as exc:
        return str(exc)
    except timelimit.TimedOut:
        return str(fixtures.looping_at_import(name, directory))
    except KeyboardInterrupt:
        return _("interrupted")
    finally:
        sys.modules.pop(f"kata_target_{name}", None)
        target.NOTES.pop(name, None)
    return ""
