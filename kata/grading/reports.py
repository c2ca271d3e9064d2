"""The grader's outputs: Gradescope ``results.json``, ``junit.xml``, ``grade.json``, the
learner's ``feedback.md`` and a table."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kata.core.files import write_text
from kata.core.i18n import N_, _, task_title
from kata.core.outcomes import show_points
from kata.grading.model import GRADED, ExerciseGrade, Grade, TaskGrade
from kata.grading.sanitize import clean

# The grader's words for a task, an exercise and a test (grade.json keeps them in English).
WORDS = (N_("done"), N_("not started"), N_("missing"), N_("no tests"), N_("cannot import"))
WORDS += (N_("graded"), N_("killed"), N_("tampered"), N_("crashed"), N_("error"))
WORDS += (N_("passed"), N_("failed"), N_("broken"), N_("no result"))


def word(status: str) -> str:
    """A status or outcome word of the grader in the current language."""
    if status.startswith("failing "):
        return _("failing {count}").format(count=status.removeprefix("failing "))
    return _(status) if status in WORDS else status


def _headline(text: str, limit: int = 300) -> str:
    """The first line of a failure's diagnosis (the kata puts it first), cleaned."""
    return clean(next((ln.strip() for ln in text.splitlines() if ln.strip()), ""), limit)


def _failures(tg: TaskGrade, hidden: bool | None = None) -> list[str]:
    """Each failing test's name and text; a hidden test's headline only (its traceback
    would quote its source)."""
    out = []
    for t in tg.mine(hidden):
        if not t.passed:
            text = _headline(t.message) if t.hidden else clean(t.message.strip(), 800)
            name = clean(t.id.split("::")[-1], 200)
            out.append(f"{name}: {word(t.outcome)}" + (f"\n{text}" if text else ""))
    return out


def _task_output(e: ExerciseGrade, tg: TaskGrade, hidden: bool | None) -> str:
    if e.status != GRADED:
        return _("0 points: {status}: {reason}").format(status=word(e.status), reason=e.reason)
    mine = tg.mine(hidden)
    head = _("{passed}/{total} checks pass").format(
        passed=sum(t.passed for t in mine), total=len(mine)
    )
    return "\n\n".join([head, *_failures(tg, hidden)])


def _renamed(e: ExerciseGrade) -> bool:
    """The module graded is not ``<name>.py`` or came from an archive: the learner is told."""
    return bool(e.module) and (":" in e.module or e.module.split("/")[-1] != e.exercise.filename)


def _total(result: Grade) -> str:
    return _("total: {earned}/{possible} points").format(
        earned=show_points(result.score), possible=show_points(result.max_score)
    )


def gradescope(result: Grade) -> dict:
    """The Gradescope autograder results: one test entry per task (hidden tests apart);
    the top-level output, seen before the due date, has the visible tests' points only."""
    tests, summary, seen, top = [], [], 0.0, 0.0
    for i, e in enumerate(result.exercises.values(), 1):
        if not e.counted:
            continue
        for j, tg in enumerate(e.tasks.values(), 1):
            for hidden in [False, True] if any(t.hidden for t in tg.tests) else [None]:
                score, max_score = tg.share(hidden)
                suffix = " " + _("(hidden tests)") if hidden else ""
                tests.append(
                    {
                        "name": f"{e.exercise.name}.{tg.task.name}{suffix}: {task_title(tg.task)}",
                        "number": f"{i}.{j}" + (".h" if hidden else ""),
                        "score": round(score, 4),
                        "max_score": round(max_score, 4),
                        "status": "passed" if score >= max_score - 1e-9 else "failed",
                        "output": _task_output(e, tg, hidden),
                        "visibility": "after_due_date" if hidden else "visible",
                    }
                )
        if e.flags:  # a 0-point entry only the instructor sees
            tests.append(
                {
                    "name": f"{e.exercise.name}: " + _("instructor flags"),
                    "number": f"{i}.flags",
                    "score": 0,
                    "max_score": 0,
                    "status": "passed",
                    "output": "\n".join(e.flags),
                    "visibility": "hidden",
                }
            )
        visible = [tg.share(False) for tg in e.tasks.values()]
        got = sum(s for s, _m in visible) if e.status == GRADED else 0.0
        out_of = sum(m for _s, m in visible)
        seen, top = seen + got, top + out_of
        line = f"{e.exercise.name}: {show_points(got)}/{show_points(out_of)}"
        if e.status != GRADED:
            line += f" ({word(e.status)}: {clean(e.reason.strip(), 300)})"
        if _renamed(e):
            line += " (" + _("graded {file}").format(file=e.module) + ")"
        summary.append(line)
    note = f" ({result.sandbox_note})" if result.sandbox_note else ""
    head = [f"sandbox: {result.sandbox}{note}", *([result.problem] if result.problem else [])]
    tail = [_("visible tests: {score}/{max}").format(score=show_points(seen), max=show_points(top))]
    if any(t["visibility"] == "after_due_date" for t in tests):
        tail.append(_("hidden tests are graded too; they show after the due date"))
    return {
        "score": round(result.score, 4),
        "execution_time": int(round(result.seconds)),
        "output": "\n".join(head + summary + tail),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def summary(result: Grade) -> dict:
    """Everything the grader decided, for tools (``grade.json``, the gradebook)."""
    return {
        "submission": result.submission,
        "score": result.score,
        "max_score": result.max_score,
        "seconds": round(result.seconds, 1),
        "sandbox": result.sandbox,
        "sandbox_note": result.sandbox_note,
        "problem": result.problem,
        "flags": result.flags,
        "exercises": {
            name: {
                "score": e.score,
                "max_score": e.max_score,
                "status": e.status,
                "reason": e.reason,
                "module": e.module,
                "flags": e.flags,
                "tasks": {
                    tg.task.name: {
                        "score": tg.score,
                        "max_score": tg.task.points,
                        "status": tg.status,
                        "tests": [
                            {"id": t.id, "outcome": t.outcome, "hidden": t.hidden}
                            | ({"message": clean(t.message)} if not t.passed and t.message else {})
                            for t in tg.tests
                        ],
                    }
                    for tg in e.tasks.values()
                },
            }
            for name, e in result.exercises.items()
        },
    }


def junit(result: Grade) -> ET.ElementTree:
    """``junit.xml`` as Jenkins xunit's ``junit-10.xsd`` has it: a suite per exercise, a case
    per test, an ``error`` for a test with no verdict or an exercise zeroed as a whole."""
    suites = ET.Element("testsuites", name="kata grade", time=f"{result.seconds:.3f}")
    for e in result.exercises.values():
        if not e.counted:
            continue
        suite = ET.SubElement(suites, "testsuite", name=e.exercise.name)
        for tg in e.tasks.values():
            for t in tg.tests or [None]:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=clean(t.id.split("::")[-1], 200) if t else tg.task.name,
                    classname=f"{e.exercise.name}.{tg.task.name}",
                    time=f"{t.seconds if t else 0:.3f}",
                )
                if e.status != GRADED:
                    why = clean(f"{word(e.status)}: {e.reason}", 500)
                    ET.SubElement(case, "error", type=str(e.status), message=why).text = why
                elif t is None or t.outcome in ("no result", "error", "cannot import"):
                    what = t.outcome if t else "no test ran"
                    text = clean(t.message) if t and not t.hidden else ""
                    ET.SubElement(case, "error", type=what, message=what).text = text
                elif not t.passed:
                    message = t.outcome if t.hidden else _headline(t.message)
                    text = _headline(t.message) if t.hidden else clean(t.message)
                    ET.SubElement(case, "failure", type=t.outcome, message=message).text = text
        _count(suite)
        suite.set("skipped", "0")
        suite.set("time", f"{sum(t.seconds for tg in e.tasks.values() for t in tg.tests):.3f}")
    _count(suites)
    ET.indent(suites)
    return ET.ElementTree(suites)


def _count(element: ET.Element) -> None:
    """A suite's (or all the suites') counts of test cases, failures and errors."""
    for key, path in (("tests", ".//testcase"), ("failures", ".//failure"), ("errors", ".//error")):
        element.set(key, str(len(element.findall(path))))


def feedback(result: Grade) -> str:
    """The learner's page (Markdown): points, statuses, each failing check as make test has it."""
    title = _("grade: {submission}").format(submission=clean(result.submission, 200))
    out = [f"# {title}", "", f"**{_total(result)}**", ""]
    if result.problem:
        out += [clean(result.problem, 500), ""]
    for e in result.exercises.values():
        if not e.counted:
            continue
        out += [f"## {e.exercise.name}: {show_points(e.score)}/{show_points(e.max_score)}", ""]
        if _renamed(e):
            out += [_("graded {file}").format(file=e.module), ""]
        if e.status != GRADED:
            out += [_task_output(e, next(iter(e.tasks.values())), None), ""]
            continue
        for tg in e.tasks.values():
            head = f"### {tg.task.name}: {task_title(tg.task)}"
            out += [head, "", f"{show_points(tg.score)}/{tg.task.points} · {word(tg.status)}", ""]
            for failure in _failures(tg) if tg.status != "not started" else []:
                first, _nl, rest = failure.partition("\n")
                out += [f"- {first}", ""]
                if rest:  # a fence longer than any run of backticks in the text
                    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", rest)), default=0))
                    out += [f"  {fence}text", *("  " + ln for ln in rest.splitlines())]
                    out += [f"  {fence}", ""]
    return "\n".join(out).rstrip() + "\n"


def write_all(result: Grade, out: Path) -> None:
    write_text(out / "results.json", json.dumps(gradescope(result), indent=1))
    write_text(out / "grade.json", json.dumps(summary(result), indent=1))
    xml = ET.tostring(junit(result).getroot(), encoding="utf-8", xml_declaration=True)
    write_text(out / "junit.xml", xml.decode())
    write_text(out / "feedback.md", feedback(result))


def render(result: Grade, *, width: int = 110) -> str:
    """A plain-text table per exercise and task with the points, the total and the flags."""
    buf = io.StringIO()
    note = result.sandbox_note
    buf.write(f"warning: {note}\n" if note else f"sandbox: {result.sandbox}\n")
    if result.problem:
        buf.write(f"problem: {result.problem}\n")
    console = Console(file=buf, color_system=None, width=width)
    title = _("grade: {submission}").format(submission=escape(result.submission))
    t = Table(box=None, pad_edge=False, title=title, title_justify="left")
    for col in (N_("exercise"), N_("task"), N_("status"), N_("points"), N_("note")):
        t.add_column(_(col), justify="right" if col == "points" else "left", overflow="fold")
    for e in result.exercises.values():
        if not e.counted:
            t.add_row(e.exercise.name, "", word("no tests"), "-", escape(e.reason))
            continue
        head = f"{escape(word(e.status))}: {escape(e.reason)}" if e.status != GRADED else ""
        t.add_row(e.exercise.name, "", head, f"{show_points(e.score)}/{show_points(e.max_score)}")
        for tg in e.tasks.values():
            note = ""
            fails = [x for x in tg.tests if not x.passed and x.message]
            if e.status == GRADED and fails and tg.status != "not started":
                note = escape(_headline(fails[0].message)[:70])
            show = f"{show_points(tg.score)}/{tg.task.points}"
            t.add_row("", tg.task.name, escape(word(tg.status)), show, note)
        for flag in e.flags:
            t.add_row("", "", _("flag"), "", escape(flag))
    console.print(t)
    console.print(f"{_total(result)}  ({result.seconds:.0f} s)")
    for flag in result.flags:
        console.print(_("flag:") + f" {escape(flag)}")
    return buf.getvalue().rstrip()
