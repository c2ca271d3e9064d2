"""Tooling tests for the languages: KATA_LANG=zh everywhere, English as the fallback,
``kata lang`` round trips, the translation check of ``make verify``, wide characters.

The graded runs go through pytest in a subprocess (``--target`` a temporary folder,
``--kata-state`` a temporary file), so the repository's exercises and .kata/ state
are never touched.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata import ROOT, cli
from kata.core import catalogue, i18n, lessons
from kata.dev.verify import translations
from kata.dev.verify.variants import mutants
from kata.learner import commands, lang
from kata.testing import tables
from tests.tooling.copies import python


@pytest.fixture(autouse=True)
def _fresh_caches():
    i18n._translation.cache_clear()
    yield
    i18n._translation.cache_clear()


def no_locale(monkeypatch, kata_lang: str | None) -> None:
    for var in ("KATA_LANG", *i18n.ENV_VARS):
        monkeypatch.delenv(var, raising=False)
    if kata_lang:
        monkeypatch.setenv("KATA_LANG", kata_lang)


def grade(target: Path, state: Path, language: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KATA_LANG": language, "NO_COLOR": "1", "KATA_TARGET": ""}
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--target={target}"]
    cmd += [f"--kata-state={state}", *args]
    return python(cmd, ROOT, env, timeout=600)


def outcomes_of(state: Path) -> dict:
    return {k: v["outcomes"] for k, v in json.loads(state.read_text())["tasks"].items()}


# ------------------------------------------------------------ language choice


@pytest.mark.parametrize(
    ("env", "want"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": "en:zh", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en"}, "zh"),
        ({"LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"KATA_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"KATA_LANG": "zh", "LANG": "C"}, "zh"),
    ],
)
def test_language_from_kata_lang_then_the_locale(monkeypatch, env, want):
    no_locale(monkeypatch, None)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.language() == want


# ------------------------------------------------------------------ fallback


def test_a_message_without_translation_shows_in_english(monkeypatch):
    no_locale(monkeypatch, "zh")
    assert i18n._("done") == "完成"  # the catalog is there and used
    assert i18n._("a message nobody translated {n}").format(n=3) == "a message nobody translated 3"
    assert i18n._("") == ""  # not the catalog's header, which gettext keeps under ""


def test_a_message_dropped_from_the_catalog_falls_back_to_english(monkeypatch, tmp_path):
    """A catalog that lacks one message (an old .mo): that message shows in English."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = i18n.LOCALE / "zh" / "LC_MESSAGES" / "kata.po"
    with open(po, "rb") as f:
        cat = read_po(f)
    cat.delete("next: {task} — {title}")
    out = tmp_path / "zh" / "LC_MESSAGES"
    out.mkdir(parents=True)
    with open(out / "kata.mo", "wb") as f:
        write_mo(f, cat)
    monkeypatch.setattr(i18n, "LOCALE", tmp_path)
    no_locale(monkeypatch, "zh")
    assert i18n._("next: {task} — {title}") == "next: {task} — {title}"
    assert i18n._("done") == "完成"


def test_no_catalog_at_all_is_english_not_an_error(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "LOCALE", tmp_path)
    no_locale(monkeypatch, "zh")
    assert i18n._("done") == "done"
    task = catalogue.exercise("ex03").task("WeirdInit")
    assert i18n.task_title(task) == task.title
    assert i18n.task_hint(task, 2) == task.hints[1]


def test_a_stale_long_text_shows_the_english(monkeypatch):
    no_locale(monkeypatch, "zh")
    task = catalogue.exercise("ex03").task("WeirdInit")
    assert i18n.task_title(task) != task.title  # translated while current
    edited = catalogue.Task(task.exercise, task.name, task.title + " (edited)", 4, task.hints)
    assert i18n.task_title(edited) == edited.title


# ---------------------------------------------------------- the graded suites


def test_stub_run_in_chinese_shows_the_table_and_the_next_step(tmp_path):
    done = grade(ROOT / "exercises", tmp_path / "state.json", "zh", "--exercise", "ex01")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    for word in ("练习", "状态", "分数", "尚未开始", "总分：0/10 分"):
        assert word in out, out
    title = i18n.translate(catalogue.exercises()[0].tasks[0].title, "zh")
    assert title != catalogue.exercises()[0].tasks[0].title
    assert f"下一步：ex01_access_params.build_mlp — {title}" in out, out
    assert "next:" not in out and "not started" not in out, out


def test_a_mutant_fails_in_chinese_with_its_numbers_and_the_same_verdicts(tmp_path):
    """The statistical verdicts are the same in both languages; only the words change."""
    _mistake, source = mutants("ex03_custom_init")["scaled_normal_variance_as_std"]
    target = tmp_path / "mutant"
    target.mkdir()
    (target / "ex03_custom_init.py").write_text(source, encoding="utf-8")
    sel = ("--exercise", "ex03", "--task", "scaled_normal")
    en = grade(target, tmp_path / "en.json", "en", *sel)
    zh = grade(target, tmp_path / "zh.json", "zh", *sel)
    assert en.returncode == zh.returncode == 1, en.stdout + zh.stdout
    assert outcomes_of(tmp_path / "en.json") == outcomes_of(tmp_path / "zh.json")
    english = re.search(r"std (\S+), expected (\S+) \(accepted (\S+) … (\S+);", en.stdout)
    assert english, en.stdout
    got, want, lo, hi = english.groups()
    assert f"标准差 {got}，期望 {want}（可接受范围 {lo} … {hi}；" in zh.stdout, zh.stdout
    assert "的标准差不对" in zh.stdout
    assert "standard deviation" not in zh.stdout


# ---------------------------------------------------------------------- hints


@pytest.mark.parametrize(
    "task", [t for e in catalogue.exercises() for t in e.tasks], ids=lambda t: t.key
)
def test_every_hint_level_in_chinese(monkeypatch, capsys, task):
    no_locale(monkeypatch, "zh")
    monkeypatch.setattr(commands.state, "load_hints", lambda: {})
    monkeypatch.setattr(commands.state, "save_hints", lambda hints: None)
    for level in range(1, len(task.hints) + 1):
        assert cli.main(["hint", task.exercise, task.name, "--level", str(level)]) == 0
        out = capsys.readouterr().out
        text = i18n.task_hint(task, level)
        assert text != task.hints[level - 1], f"{task.key} hint {level} is not translated"
        assert "".join(text.split()) in "".join(out.split())
        assert f"提示 {level}/{len(task.hints)}：{task.exercise}.{task.name} — " in out
        assert i18n.task_title(task) in out


def test_hint_lines_fit_the_terminal_in_cells():
    task = catalogue.exercise("ex02").task("init_normal")
    text = i18n.translate(task.hints[1], "zh")
    assert text != task.hints[1]
    wrapped = commands.wrap(text, width=60, indent="  ")
    assert "".join(wrapped.split()) == "".join(text.split())
    assert max(i18n.cells(line) for line in wrapped.splitlines()) <= 60
    assert max(i18n.cells(line) for line in wrapped.splitlines()) > 50  # lines are filled


# --------------------------------------------------------------- kata lang


LEARNER_CODE = '''

# %% a jupytext cell marker, kept as it is
def _helper(x):
    """My own note: not a lesson, never rewritten."""
    return x  # 我的注释
'''


def test_lang_round_trip_keeps_the_code_and_restores_english(tmp_path, monkeypatch):
    folder, saved = tmp_path / "exercises", tmp_path / "backups"
    shutil.copytree(ROOT / "exercises", folder)
    for path in folder.glob("*.py"):  # the learner's work: code in bodies, a helper
        text = path.read_text(encoding="utf-8")
        text = text.replace("raise NotImplementedError", "return 42  # solved?", 1)
        path.write_text(text + LEARNER_CODE, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.glob("*.py")}
    no_locale(monkeypatch, "en")

    assert lang.switch("zh", folder, saved) == 0
    for name, old in before.items():
        new = (folder / name).read_text(encoding="utf-8")
        assert "练习" in lessons.lessons(new)["module"]
        assert _code(new) == _code(old.decode("utf-8")), name  # everything but the lessons
        assert "My own note: not a lesson" in new and "# %% a jupytext cell marker" in new
    assert sorted(p.read_bytes() for p in saved.iterdir()) == sorted(before.values())

    assert lang.switch("en", folder, saved) == 0
    for name, old in before.items():
        assert (folder / name).read_bytes() == old, name


def _code(source: str) -> bytes:
    """The source with every docstring literal cut out, and the comment lines of its
    markdown cells (the notebook headings, which ``kata lang`` translates too)."""
    data = source.encode("utf-8")
    for d in sorted(lessons.docstrings(source), key=lambda d: d.start, reverse=True):
        data = data[: d.start] + data[d.end :]
    out, markdown = [], False
    for line in data.decode("utf-8").splitlines(keepends=True):
        if line.startswith("# %%"):
            markdown = line.startswith("# %% [markdown]")
        elif markdown and line.startswith("#"):
            continue
        out.append(line)
    return "".join(out).encode("utf-8")


def test_lang_leaves_an_edited_lesson_and_a_broken_file_alone(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", folder)
    ex01, ex02 = folder / "ex01_access_params.py", folder / "ex02_builtin_init.py"
    ex01.write_text(
        ex01.read_text().replace('"""The chapter\'s MLP, not yet built', '"""My MLP'), "utf-8"
    )
    ex02.write_text(ex02.read_text() + "\ndef broken(:\n", "utf-8")
    broken = ex02.read_bytes()
    no_locale(monkeypatch, "en")
    assert lang.switch("zh", folder, tmp_path / "b") == 0
    out = capsys.readouterr().out
    assert "kept your own text of build_mlp" in out and "does not parse" in out
    assert f"(backup: {tmp_path / 'b' / 'ex01_access_params'}." in out, out
    assert ex02.read_bytes() == broken
    assert '"""My MLP' in ex01.read_text() and "练习 1" in ex01.read_text()


def test_lang_unknown_language_is_a_clear_error(capsys):
    assert cli.main(["lang", "fr"]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_reset_gives_the_stub_in_the_current_language(tmp_path, monkeypatch):
    no_locale(monkeypatch, "zh")
    stub = commands.stub_in_language("ex03_custom_init", tmp_path / "absent.py")
    assert lessons.lessons(stub)["module"].startswith("练习 3")
    no_locale(monkeypatch, "en")
    english = commands.stub_in_language("ex03_custom_init", tmp_path / "absent.py")
    assert english == commands.pristine_stub("ex03_custom_init")
    # a file whose lessons are in Chinese (make lang) gets its stub in Chinese
    mine = tmp_path / "ex03_custom_init.py"
    mine.write_text(stub, encoding="utf-8")
    assert commands.stub_in_language("ex03_custom_init", mine) == stub


def test_reset_without_a_shipped_stub_or_a_solution_is_a_clear_error(tmp_path, monkeypatch):
    """The stub comes from the student edition's pristine copy or from solutions/."""
    monkeypatch.setattr(commands, "ROOT", tmp_path)
    monkeypatch.setattr(commands, "PRISTINE", tmp_path / "pristine")
    with pytest.raises(commands.UsageError, match="no stub of ex03_custom_init can be made"):
        commands.pristine_stub("ex03_custom_init")
    (tmp_path / "pristine").mkdir()
    (tmp_path / "pristine" / "ex03_custom_init.py").write_text("shipped\n", encoding="utf-8")
    assert commands.pristine_stub("ex03_custom_init") == "shipped\n"


# ------------------------------------------------------------- verify check


def test_translations_are_complete_and_current():
    assert translations.problems() == []


@pytest.fixture
def locale_copy(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE, copy)
    monkeypatch.setattr(i18n, "LOCALE", copy)
    return copy


def test_a_changed_hint_and_lesson_turn_fuzzy_and_show_in_english(tmp_path, monkeypatch):
    """The long texts are in the gettext catalog: editing a hint of catalogue.toml or
    a lesson of solutions/ makes their translations missing (and the old ones
    obsolete), then fuzzy after ``make messages`` (pybabel extract, update, compile
    as the Makefile runs them); the check lists them and the edited texts show in
    English."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "kata", root / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", root / "solutions")
    (root / "tests").mkdir()
    for path in translations.suite_files(ROOT):
        shutil.copy(path, root / "tests" / path.name)
    task = catalogue.exercise("ex03").task("WeirdInit")
    hint, edited = task.hints[1], task.hints[1] + " Edited."
    toml = root / "kata" / "core" / "catalogue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(hint, edited), "utf-8")
    sol = root / "solutions" / "ex04_set_params.py"
    lesson = "in place; return the same variable."
    assert sol.read_text(encoding="utf-8").count(lesson) == 1
    sol.write_text(sol.read_text(encoding="utf-8").replace(lesson, "in place."), "utf-8")
    locale = root / "kata" / "core" / "locale"
    found = "\n".join(translations.message_problems("zh", root, locale))
    assert f"missing message: {edited!r}" in found
    assert f"obsolete message (no such English text; make messages): {hint!r}" in found
    assert found.count("missing message:") == found.count("obsolete message") == 2, found

    pybabel = [str(Path(sys.executable).with_name("pybabel"))]
    pot = str(tmp_path / "kata.pot")
    for args in (
        ["extract", "-F", str(locale / "babel.cfg"), "--no-location", "--no-wrap", "-o", pot, "."],
        ["update", "-i", pot, "-d", str(locale), "-D", "kata", "--ignore-obsolete", "--no-wrap"],
        ["compile", "-d", str(locale), "-D", "kata"],
    ):
        subprocess.run(pybabel + args, cwd=root, check=True, capture_output=True, timeout=300)
    found = translations.message_problems("zh", root, locale)
    stale = "\n".join(p for p in found if "stale message (fuzzy; its English changed)" in p)
    assert len(found) == 2 and stale.count("stale message") == 2, found
    assert edited[-30:] in stale and "in place." in stale and lesson not in stale
    monkeypatch.setattr(i18n, "LOCALE", locale)
    no_locale(monkeypatch, "zh")
    assert i18n._(edited) == edited  # a fuzzy translation is not shown: the English is
    assert i18n._(task.hints[0]) != task.hints[0]  # the unchanged hint stays translated


def test_verify_lists_a_suite_message_not_marked_for_translation(tmp_path):
    """A failure message a graded suite adds without _() would show in English."""
    (tmp_path / "tests").mkdir()
    src = (ROOT / "tests" / "test_ex05_shared_params.py").read_text(encoding="utf-8")
    marked = """_("the encoder uses activation='relu'")"""
    assert src.count(marked) == 1
    src = src.replace(marked, marked[2:-1])
    src += '\n\ndef late(n):\n    return f"got {n} variables but expected {n + 1}"\n'
    (tmp_path / "tests" / "test_ex05_shared_params.py").write_text(src, encoding="utf-8")
    found = [
        p
        for path in translations.suite_files(tmp_path)
        for p in translations.unmarked_texts(path, tmp_path)
    ]
    assert len(found) == 2, found
    assert "tests/test_ex05_shared_params.py:" in found[0]
    assert "the encoder uses" in "".join(found) and "variables but expected" in "".join(found)


def test_verify_lists_fuzzy_missing_and_misplaced_messages(locale_copy):
    from babel.messages.pofile import read_po, write_po

    po = locale_copy / "zh" / "LC_MESSAGES" / "kata.po"
    with open(po, "rb") as f:
        cat = read_po(f)
    cat["done"].flags.add("fuzzy")
    cat.delete("watch stopped.")
    cat["next: {task} — {title}"].string = "下一步：{task}"
    cat.add("a message the code no longer has", "代码里已经没有的消息")
    with open(po, "wb") as f:
        write_po(f, cat)
    found = "\n".join(translations.message_problems("zh", locale=locale_copy))
    assert "stale message (fuzzy; its English changed): 'done'" in found
    assert "missing message: 'watch stopped.'" in found
    assert "placeholders differ" in found and "next: {task}" in found
    assert "obsolete message (no such English text; make messages): 'a message the" in found
    assert "is not the compiled .po" in found


def test_the_committed_mo_is_the_compiled_po():
    mo = i18n.LOCALE / "zh" / "LC_MESSAGES" / "kata.mo"
    with open(mo, "rb") as f:
        assert gettext.GNUTranslations(f).gettext("done") == "完成"


# --------------------------------------------------------- terminal layout


def test_chinese_tables_stay_aligned_in_cells(monkeypatch):
    from kata.core import outcomes

    no_locale(monkeypatch, "zh")
    res = outcomes.empty()
    for e in catalogue.exercises():
        for i, t in enumerate(e.tasks):
            which = [outcomes.Outcome.PASSED, outcomes.Outcome.FAILED, outcomes.Outcome.NOT_STARTED]
            outcomes.record(res, e.name, t.name, which[i % 3], "")
    text = tables.render(res, per_task=True, width=100)
    rows = [ln for ln in text.splitlines() if re.search(r"\d/\d+$", ln)]
    assert len(rows) == sum(len(e.tasks) for e in catalogue.exercises())
    assert "✗ 未通过" in text and "✓ 完成" in text
    assert len({i18n.cells(r) for r in rows}) == 1, "the points column is ragged"
    assert len({len(r) for r in rows}) > 1  # (character counts differ: cells matter)


def test_clip_cuts_by_cells():
    text = "标准差 0.0039，期望 0.0625（可接受范围 0.0614 … 0.0636）" * 3
    cut = i18n.clip(text, 40)
    assert i18n.cells(cut) <= 40 and cut.endswith("…")
    assert i18n.clip("short", 40) == "short"


# ------------------------------------------------------------------ grading


def small_grade():
    from kata.grading.model import CheckOutcome, ExerciseGrade, Grade

    ex = catalogue.exercise("ex03")
    g = ExerciseGrade(ex)
    for t in g.tasks.values():
        t.tests = [CheckOutcome(f"tests/x.py::test_{t.task.name}", outcome="passed")]
    g.tasks["WeirdInit"].tests[0].outcome = "failed"
    g.tasks["WeirdInit"].tests[0].message = "FAILURE: got 3, expected 4"
    other = ExerciseGrade(catalogue.exercise("ex04"))
    other.set_verdict("killed", "time limit")
    return Grade("sub", {ex.name: g, other.exercise.name: other}, seconds=1.0)


def test_grader_outputs_in_chinese(monkeypatch, tmp_path):
    import xml.etree.ElementTree as ET

    from kata.grading import reports

    no_locale(monkeypatch, "zh")
    g = small_grade()
    data = reports.gradescope(g)
    weird = next(t for t in data["tests"] if t["name"].startswith("ex03_custom_init.WeirdInit"))
    assert i18n.task_title(catalogue.exercise("ex03").task("WeirdInit")) in weird["name"]
    assert (
        weird["output"].startswith("0/1 项检查通过") and "test_WeirdInit: 失败" in weird["output"]
    )
    killed = next(t for t in data["tests"] if t["name"].startswith("ex04"))
    assert killed["output"] == "0 分：被终止：time limit"
    assert "被终止" in data["output"]  # the top-level output: visible points only (issue 10)
    reports.write_all(g, tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    # a failure carries the headline of the test's own message (issue 10), in the language
    # the test ran in; a verdict on the whole exercise is an error, in the grader's language
    assert [f.get("message") for f in root.iter("failure")] == ["FAILURE: got 3, expected 4"]
    assert "被终止: time limit" in [e.get("message") for e in root.iter("error")]
    # grade.json stays the tools' English
    assert (
        json.loads((tmp_path / "grade.json").read_text())["exercises"]["ex04_set_params"]["status"]
        == "killed"
    )
    table = reports.render(g, width=120)
    assert "练习" in table and "未通过 0/1" in table and "总分：" in table
    no_locale(monkeypatch, "en")
    assert reports.gradescope(g)["tests"][-1]["output"].startswith("0 points: killed")


def test_grading_a_mutant_in_chinese_keeps_the_numbers(tmp_path):
    """The sandboxed test process gets the grader's language."""
    _mistake, source = mutants("ex03_custom_init")["scaled_normal_variance_as_std"]
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "ex03_custom_init.py").write_text(source, encoding="utf-8")
    env = {**os.environ, "KATA_LANG": "zh", "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "kata", "grade", str(sub), "--exercises", "ex03"]
    done = subprocess.run(
        [*cmd, "--out", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    scaled = next(
        t for t in data["tests"] if t["name"].startswith("ex03_custom_init.scaled_normal")
    )
    assert scaled["score"] < scaled["max_score"]
    # the mistake named first, then the numbers (issue 11: no truncation blamed for it)
    assert re.search(r"这看起来是把方差当成了标准差：标准差 [\d.e-]+ ≈ 0.0625²", scaled["output"])
    assert re.search(
        r"标准差 [\d.e-]+，期望 0.0625（可接受范围 [\d.]+ … [\d.]+；n=", scaled["output"]
    )
    assert "截断正态分布没有这样的值" not in scaled["output"]
    assert "项检查通过" in scaled["output"] and "standard deviation" not in scaled["output"]


def test_watch_status_lines_in_chinese_fit_in_cells(monkeypatch):
    import io

    from kata.core import outcomes
    from kata.learner import watch

    no_locale(monkeypatch, "zh")
    collector = watch._Collector()
    ex = catalogue.exercise("ex03")
    kinds = [outcomes.Outcome.PASSED, outcomes.Outcome.FAILED, outcomes.Outcome.NOT_STARTED]
    for t, kind in zip(ex.tasks, kinds):
        outcomes.record(collector.results, ex.name, t.name, kind, "")
    collector.failures["scaled_normal"] = (
        "标准差 0.00390625，期望 0.0625（可接受范围 0.0614 … 0.0636）" * 4
    )
    out = io.StringIO()
    monkeypatch.setattr(watch, "OUT", out)
    monkeypatch.setattr(watch, "_width", lambda: 100)
    watch.show(ex.name, (collector, 1), 0.31)
    lines = out.getvalue().splitlines()
    assert "✗ 未通过 — 完成 1/3 个任务" in lines[0] and "保存后 0.31 秒得出结果" in lines[0]
    failing = next(ln for ln in lines if "scaled_normal" in ln)
    assert "未通过 — 标准差" in failing and failing.endswith("…")
    # cut by terminal cells (two per Chinese character), not by characters
    assert i18n.cells(failing) <= 100 < len(failing) * 2
    assert any("· WeirdInit: 尚未开始" in ln for ln in lines)


def test_notebook_check_results_speak_chinese(monkeypatch):
    """``kata.check``'s summary line, table and headers follow KATA_LANG like the rest."""
    from kata.core.outcomes import Outcome
    from kata.learner.notebook import CheckResult, TaskCheck

    ex = catalogue.exercises()[2]
    done = CheckResult(ex, [TaskCheck(t, [Outcome.PASSED]) for t in ex.tasks], True)
    first, *rest = ex.tasks
    half = CheckResult(
        ex,
        [TaskCheck(first, [Outcome.PASSED, Outcome.FAILED])]
        + [TaskCheck(t, [Outcome.NOT_STARTED]) for t in rest],
        False,
    )
    no_locale(monkeypatch, "zh")
    assert done.summary == f"{ex.name}：✓ 完成 — 所有可见测试通过（{len(ex.tasks)} 个测试）"
    assert half.summary == f"{ex.name}: ✗ 完成 0/{len(ex.tasks)} 个任务", half.summary
    assert "1/2 个测试" in repr(half) and "尚未开始" in repr(half), repr(half)
    assert ">测试</th>" in half._repr_html_() and ">任务</th>" in half._repr_html_()
    no_locale(monkeypatch, "en")
    i18n._translation.cache_clear()
    assert done.summary.endswith(f"all visible tests pass ({len(ex.tasks)} tests)")


def test_the_kata_notes_on_keras_errors_speak_chinese(monkeypatch):
    """The note the kata adds under a Keras error (use keras.ops, compare with ``is``)
    follows KATA_LANG; the error's own text stays as Keras wrote it."""
    from kata.testing import shaping

    error = ["ValueError: A KerasTensor cannot be used as input to a TensorFlow function."]
    no_locale(monkeypatch, "en")
    assert shaping.note_for(error).startswith("the kata: a functional model's tensors")
    i18n._translation.cache_clear()
    no_locale(monkeypatch, "zh")
    assert shaping.note_for(error).startswith("kata 提示：函数式模型中的张量")
    assert shaping.note_for(["TypeError: unhashable type: 'Variable'"]).endswith("用 `is` 比较它们")
