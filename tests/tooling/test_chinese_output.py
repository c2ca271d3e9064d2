"""Tooling tests for what was still English under ``KATA_LANG=zh`` (issue 22, item 8):
the shortened report's counts ("more failed check(s)", "same failed check(s)", "other
test(s) … not run", "same error in"), the time limit's lines, the closing banner, the
exit-status note, watch's "full report", kata.check's "same in N more tests" and the
``make notebook`` launcher."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from kata.core import catalogue, i18n, outcomes
from tests.tooling.copies import learn
from tests.tooling.test_timelimit import solved_with_a_loop

# the English of the items named in the issue, none of which may show in Chinese
ENGLISH = re.compile(
    r"failed check|shown above|were not run|same error|timed out|endless loop|full report"
    r"|exit status|kata: |FAILURE:|Failed Checks|same in \d|not run:|where:|Run a task"
)


@pytest.fixture(autouse=True)
def _zh(monkeypatch):
    for var in ("KATA_LANG", *i18n.ENV_VARS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KATA_LANG", "zh")
    i18n._translation.cache_clear()
    yield
    i18n._translation.cache_clear()


def test_a_timed_out_run_speaks_chinese_from_the_first_line_to_the_last(kata_copy):
    solved_with_a_loop(kata_copy)
    out = learn(kata_copy, "test", "--exercise", "ex01", "--kata-timeout", "1", KATA_LANG="zh")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "超时" in out.stdout and "没有运行" in out.stdout, out.stdout
    assert "kata：exercises" in out.stdout and "退出状态 1" in out.stdout.splitlines()[-1]
    assert not ENGLISH.search(out.stdout), ENGLISH.search(out.stdout)


def _shaped(text: str, shaper, task: str = "init_normal", **props) -> str:
    class Report:
        longreprtext = longrepr = text
        user_properties = list(props.items())
        head_line, nodeid = "test_x", "tests/test_x.py::test_x"

    report = Report()
    shaper.shape(report, "ex02_builtin_init", task)
    return str(report.longrepr)


def test_the_shortened_reports_counts_speak_chinese():
    from kata.testing.shaping import OutputShaper

    sep = "-" * 60
    check = "FAILURE: 标准差不对\n标准差 0.0088，期望 0.01\n"
    two = f"{check}{check.replace('0.0088', '0.0087')}{sep}\nFailed Checks: 2\n{sep}\n"
    shaper = OutputShaper()
    first, again = _shaped(two, shaper), _shaped(two, shaper)
    raised = "t.py:1: in f\n    x\nE   ValueError: 坏了\n"
    error, same = _shaped(raised, shaper, "Linear"), _shaped(raised, shaper, "Linear")
    for text in (first, again, error, same):
        assert not ENGLISH.search(text), text
    assert "另有 1 项" in first and "相同的检查" in again and "位置：" in error


def test_watch_and_check_and_the_launcher_speak_chinese(monkeypatch, capsys):
    from kata.learner import lab, notebook, watch

    collector = watch._Collector()
    ex = catalogue.exercise("ex03")
    for t in ex.tasks:
        outcomes.record(collector.results, ex.name, t.name, outcomes.Outcome.FAILED, "")
    collector.failures["my_init"] = "标准差不对"
    out = io.StringIO()
    monkeypatch.setattr(watch, "OUT", out)
    watch.show(ex.name, (collector, 1), 0.3)
    assert "完整报告" in out.getvalue() and not ENGLISH.search(out.getvalue()), out.getvalue()
    failure = notebook.Failure("test_x", "标准差不对", same=3)
    assert failure.shown.endswith("（另有 3 个测试同样未通过）")
    assert not ENGLISH.search(i18n._(lab.LAUNCHED))


# ------------------------------------------------------------ Chinese line breaking

_TOKEN = re.compile(r"[!-~]+|.")


def test_wrapped_chinese_hints_follow_the_line_breaking_rules():
    """No line of a wrapped hint starts with closing punctuation (``）。``, ``、``) or
    ends with opening punctuation, at any width; a line passes the width only by its
    hanging marks or a word too long to break; no character is lost."""
    texts = [
        i18n.translate(hint, "zh")
        for ex in catalogue.exercises()
        for t in ex.tasks
        for hint in t.hints
    ]
    assert all(i18n.cells(text) > len(text) for text in texts), "the hints are in Chinese"
    for text in texts:
        for width in range(24, 100, 3):
            wrapped = i18n.wrap(text, width=width, indent="  ")
            assert "".join(wrapped.split()) == "".join(text.split())
            for line in wrapped.splitlines():
                tokens = _TOKEN.findall(line.strip())
                assert not set(tokens[0]) <= i18n.NO_LINE_START, f"{width}: {line!r}\n{wrapped}"
                assert not set(tokens[-1]) <= i18n.NO_LINE_END, f"{width}: {line!r}\n{wrapped}"
                while len(tokens) > 1 and set(tokens[-1]) <= i18n.NO_LINE_START:
                    tokens.pop()
                body = "  " + "".join(tokens)
                words = line.split()
                assert i18n.cells(body) <= width or len(words) == 1, f"{width}: {line!r}"


def test_placeholders_filled_with_chinese_leave_no_stray_space():
    from kata.testing import stats

    with pytest.raises(stats.CheckFailed) as info:
        stats.assert_std(np.linspace(-1, 1, 1000), 0.01, what="first kernel values")
    assert str(info.value).splitlines()[0] == "第一个权重的值的标准差不对"
    assert i18n.tidy("kernel 的值 的标准差不对（n=3）") == "kernel 的值的标准差不对（n=3）"
    assert (
        i18n.tidy("应返回 一个 Python int，而不是 np.int64")
        == "应返回一个 Python int，而不是 np.int64"
    )


# ----------------------------------------------------------------- plots and titles


def test_plots_label_in_chinese_only_with_a_font_that_draws_it(monkeypatch):
    from kata.learner import notebook

    title = i18n._("the standard deviation of the {what} is off").format(what="kernel")
    monkeypatch.setattr(notebook, "cjk_font", lambda: None)
    assert notebook.plot_labels(title) == ("yours", "expected density", "", None)
    monkeypatch.setattr(notebook, "cjk_font", lambda: "Noto Sans CJK SC")
    yours, expected, shown, font = notebook.plot_labels(title)
    assert font == "Noto Sans CJK SC" and shown == title
    assert i18n.cells(yours) > len(yours) and i18n.cells(expected) > len(expected)
    monkeypatch.undo()  # the real lookup, whatever this machine has installed
    assert notebook.cjk_font() is None or isinstance(notebook.cjk_font(), str)
    png = notebook.histogram_png(np.random.default_rng(0).normal(size=500), None, title)
    assert png is None or png.startswith(b"\x89PNG")


def test_chinese_texts_cite_d2l_zh_section_titles_and_say_return():
    """The Chinese lessons, hints and README name the book's sections as d2l-zh does
    (访问模型参数, 参数初始化, 自定义初始化, 参数绑定), not in English, and say 返回."""
    from babel.messages.pofile import read_po

    from kata import ROOT

    with open(i18n.LOCALE / "zh" / "LC_MESSAGES" / "kata.po", "rb") as f:
        texts = {m.id: m.string for m in read_po(f) if m.id}  # each translation
    texts["README.zh-CN.md"] = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    english_title = re.compile(r"D2L [\d.]+ “[A-Za-z ]+”")
    for where, text in texts.items():
        assert not english_title.search(text), (where, english_title.search(text))
        assert "交回" not in text, where
    joined = "\n".join(texts.values())
    for title in ("访问模型参数", "参数初始化", "自定义初始化", "参数绑定"):
        assert f"“{title}”" in joined, title


def test_make_lang_zh_translates_every_notebook_heading_and_back():
    """After ``make lang LANG=zh`` no heading of a notebook is English (the title, the
    line on how it works, each task's heading); ``LANG=en`` gives the stub back."""
    from kata import ROOT
    from kata.core import lessons

    for ex in catalogue.exercises():
        stub = (ROOT / "exercises" / ex.filename).read_text(encoding="utf-8")
        zh, kept = lessons.localize(stub, ex.name, "zh", stub)
        assert not kept
        markdown = [
            line
            for cell in re.split(r"^# %%", zh, flags=re.M)
            if cell.startswith(" [markdown]")
            for line in cell.splitlines()[1:]
            if line.startswith("# ")
        ]
        assert markdown, ex.name
        for line in markdown:
            assert i18n.cells(line) > len(line), f"{ex.name}: still English: {line!r}"
        assert lessons.localize(zh, ex.name, "en", stub)[0] == stub


def test_make_solution_speaks_chinese(monkeypatch, capsys):
    from types import SimpleNamespace

    from kata import cli
    from kata.learner import solution

    task = catalogue.exercise("ex03").task("WeirdInit")
    monkeypatch.setattr(solution, "reference", lambda *_: "def f(): pass")
    status = SimpleNamespace(status=outcomes.Status.NOT_STARTED)
    monkeypatch.setattr(solution, "grade_quietly", lambda *_: {task.key: status})
    assert cli.main(["solution", "ex03", "WeirdInit"]) == 1
    said = capsys.readouterr()
    assert "先检查" in said.out and "还不行" in said.err and "尚未开始" in said.err, said
    assert not re.search(r"passes first|not yet|what is wrong|a nudge", said.out + said.err)
    assert cli.main(["solution", "ex03"]) == 2
    assert "哪个任务" in capsys.readouterr().err


def test_the_progress_table_leaves_no_space_before_chinese_brackets():
    from kata.testing import tables

    result = outcomes.empty()
    task = catalogue.exercise("ex02").tasks[0]
    for kind in (outcomes.Outcome.PASSED, outcomes.Outcome.FAILED):
        outcomes.record(result, task.exercise, task.name, kind, "")
    text = tables.render({task.key: result[task.key]}, per_task=True, color=False, width=100)
    assert "未通过（1/2 个测试通过）" in text, text
