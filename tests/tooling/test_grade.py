"""The grading tools: outputs, the allow-list, static scan, tamper snapshots, bad input,
gradebook, release, Gradescope zip, GitHub Classroom."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.core.outcomes import show_points
from kata.dev import release
from kata.grading import gradescope
from kata.grading import reports as grade_report
from kata.grading import stream_plugin as grade_reporter
from kata.grading.grade import grade
from kata.grading.model import CheckOutcome, ExerciseGrade, Grade
from tests.tooling.junit_schema import junit_problems
from tests.tooling.test_sandbox import ATTACKED as EX01
from tests.tooling.test_sandbox import other_exercise


def fake_grade() -> Grade:
    """ex01 with every test passing but one of count_params, one hidden test failing; ex02 killed."""
    ex01 = ExerciseGrade(catalogue.exercise(EX01))
    for t in ex01.tasks.values():
        t.tests = [
            CheckOutcome(f"tests/test_{EX01}.py::test_{t.task.name}_{i}", outcome="passed")
            for i in range(2)
        ]
    ex01.tasks["count_params"].tests[1].outcome = "failed"
    ex01.tasks["count_params"].tests[1].message = "FAILURE: got 3, expected 4"
    ex01.tasks["find_param"].tests.append(
        CheckOutcome("tests/hidden/x.py::test_h", hidden=True, outcome="failed")
    )
    ex01.flags = ["line 3: imports signal (signal handling)"]
    ex02 = ExerciseGrade(catalogue.exercises()[1])
    ex02.set_verdict("killed", "time limit: still running after 5 s (in test_x)")
    return Grade("sub", {EX01: ex01, ex02.exercise.name: ex02}, seconds=3.2)


# ---------------------------------------------------------------- the outputs


def test_results_json_is_gradescope_format():
    g = fake_grade()
    data = grade_report.gradescope(g)
    assert {"score", "execution_time", "tests"} <= set(data)
    ex01_points = catalogue.exercise(EX01).points
    # count_params loses half its point; find_param loses a third of its 2 points (1 hidden test of 3).
    assert data["score"] == pytest.approx(ex01_points - 0.5 - 2 / 3, abs=1e-3)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=1e-3)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility", "number"} <= set(t)
        assert t["name"].startswith(tuple(g.exercises)), t["name"]
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert [t["name"].split(":")[0] for t in hidden] == [f"{EX01}.find_param (hidden tests)"]
    assert hidden[0]["max_score"] == pytest.approx(2 / 3, abs=1e-3)
    flags = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert flags and "signal" in flags[0]["output"]
    killed = [t for t in data["tests"] if t["name"].startswith(catalogue.exercises()[1].name)]
    assert killed and all(t["score"] == 0 and "time limit" in t["output"] for t in killed)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(g.max_score, abs=1e-3)


def test_junit_problems_sees_schema_breaks(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<testsuites><testsuite name="a" tests="1" failures="0"><testcase/></testsuite></testsuites>'
    )
    problems = junit_problems(bad)
    assert "<testsuite> lacks errors=" in problems and "<testcase> lacks name=" in problems
    bad.write_text(
        '<testsuites><testsuite name="a" tests="1" failures="0" errors="0">\x01</testsuite></testsuites>'
    )
    assert junit_problems(bad)[0].startswith("not well-formed")


def test_junit_and_table(tmp_path):
    g = fake_grade()
    g.exercises[EX01].tasks["count_params"].tests[
        1
    ].message = "std 0.12531, expected 0.0625\x00\x1b[31m\x0b"
    grade_report.write_all(g, tmp_path)
    assert junit_problems(tmp_path / "junit.xml") == []
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root}
    assert suites[EX01].get("failures") == "2"
    assert suites[catalogue.exercises()[1].name].get("errors") != "0"
    assert json.loads((tmp_path / "grade.json").read_text())["exercises"][EX01]["flags"]
    text = grade_report.render(g)
    assert "count_params" in text and "killed" in text and "total:" in text and "signal" in text


# ------------------------------------------------------------------- tamper


def test_tamper_snapshot_sees_a_replaced_function():
    import numpy as np

    before = grade_reporter.snapshot()
    original = np.allclose
    try:
        np.allclose = lambda *a, **k: True
        changed = grade_reporter.compare(before, grade_reporter.snapshot())
    finally:
        np.allclose = original
    assert changed == ["numpy.allclose replaced"]
    assert grade_reporter.compare(before, grade_reporter.snapshot()) == []


# ------------------------------------------------------------------ gradebook


def _solution_with(name: str, replacements: dict[str, str]) -> str:
    text = (ROOT / "solutions" / f"{name}.py").read_text()
    return text + "".join(
        f"\n\ndef {fn}(*args, **kwargs):\n    {body}\n" for fn, body in replacements.items()
    )


def test_grade_all_writes_a_gradebook(tmp_path):
    other = other_exercise()
    subs = tmp_path / "subs"
    good, partial, evil, empty = (subs / n for n in ("good", "partial", "evil", "empty"))
    for d in (good, partial, evil, empty):
        d.mkdir(parents=True)
    (good / f"{EX01}.py").write_text((ROOT / "solutions" / f"{EX01}.py").read_text())
    (partial / "exercises").mkdir()
    (partial / "exercises" / f"{EX01}.py").write_text(
        _solution_with(
            EX01, {"count_params": "raise NotImplementedError", "find_param": "return None"}
        )
    )
    (evil / f"{EX01}.py").write_text("import os\nos._exit(0)\n")  # refused by the guard
    (evil / "conftest.py").write_text("raise SystemExit(0)\n")
    if other:
        for d in (good, evil):
            (d / f"{other}.py").write_text((ROOT / "solutions" / f"{other}.py").read_text())
    exercises = ",".join([EX01] + ([other] if other else []))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade-all", str(subs), "--out", str(out), "--jobs", "2"]
    cmd += ["--exercises", exercises, "--timeout", "20", "--memory", "2000"]
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "gradebook.csv", newline="") as f:
        header = next(csv.reader(f))
    names = catalogue.names()
    assert header == ["name", "student", "email", *names, "total", "max", "notes"], "README's"
    rows = {r["name"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert set(rows) == {"good", "partial", "evil", "empty"}
    p01 = catalogue.exercise(EX01).points
    p_other = catalogue.exercise(other).points if other else 0
    t = catalogue.exercise(EX01)
    expected = {
        "good": (p01, p_other),
        "partial": (p01 - t.task("count_params").points - t.task("find_param").points, 0),
        "evil": (0, p_other),
        "empty": (0, 0),
    }
    for name, (a, b) in expected.items():
        assert float(rows[name][EX01]) == a, (name, rows[name])
        if other:
            assert float(rows[name][other]) == b, (name, rows[name])
        assert float(rows[name]["total"]) == a + b, (name, rows[name])
        assert (out / name / "results.json").is_file() and (out / name / "junit.xml").is_file()
    assert "import os is not allowed in graded code" in rows["evil"]["notes"]
    assert "missing" in rows["empty"]["notes"] and "folder is empty" in rows["empty"]["notes"]
    assert not list(tmp.glob("kata-batch-*")), "a batch temp folder is left"
    graded = json.loads((out / "evil" / "grade.json").read_text())
    assert graded["flags"] == ["ignored: conftest.py"], graded["flags"]
    refused = graded["exercises"][EX01]["flags"]
    assert any("[guard: import]" in f for f in refused), refused


# -------------------------------------------------------- release, gradescope


def test_release_has_no_answers(tmp_path):
    out = release.build(tmp_path / "student")
    assert release.leaks(out) == []
    for must in (
        "pyproject.toml",
        "kata/testing/plugin.py",
        "kata/core/catalogue.toml",
        f"exercises/{EX01}.py",
        f"tests/test_{EX01}.py",
        "tests/helpers.py",
    ):
        assert (out / must).is_file(), must
    for never in (
        "solutions",
        "tests/hidden",
        "tests/tooling",
        "tests/mutants",
        "tests/alternatives",
        "kata/grading/grade.py",
    ):
        assert not (out / never).exists(), never
    assert (out / "kata" / "learner" / "pristine" / f"{EX01}.py").read_text() == (
        ROOT / "exercises" / f"{EX01}.py"
    ).read_text()
    # The check notices a solution that slips in.
    (out / "exercises" / f"{EX01}.py").write_text((ROOT / "solutions" / f"{EX01}.py").read_text())
    assert any(EX01 in p for p in release.leaks(out))


def test_gradescope_zip(tmp_path):
    out = gradescope.build(tmp_path / "autograder.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        run = zf.read("run_autograder").decode()
    assert {
        "setup.sh",
        "run_autograder",
        "pyproject.toml",
        "kata/grading/grade.py",
        "kata/grading/stream_plugin.py",
        f"tests/test_{EX01}.py",
    } <= names
    assert f"tests/hidden/test_{EX01}.py" in names
    assert not any(
        n.startswith(("solutions/", "exercises/", "tests/tooling/", "tests/mutants/"))
        for n in names
    )
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert "/autograder/submission" in run and "/autograder/results" in run


# ------------------------------------------------------------------ bad input


def test_bad_input_gets_a_reason_per_exercise(tmp_path):
    """No folder, a file, an empty folder, only non-Python files, odd names, a 150 MB
    module, non-UTF-8 bytes: every output is written, each exercise says why."""
    cases = {}
    cases["nofolder"] = tmp_path / "does-not-exist"
    cases["afile"] = tmp_path / "submission.zip"
    cases["afile"].write_bytes(b"PK")
    for name in ("empty", "text", "odd", "huge", "latin1"):
        cases[name] = tmp_path / name
        cases[name].mkdir()
    (cases["text"] / "answers.txt").write_text("42")
    (cases["text"] / "notes.md").write_text("#")
    (cases["odd"] / "we\nird \x1b[31m☃.txt").write_text("x")
    (cases["odd"] / b"bad\xffname.py".decode("utf-8", "surrogateescape")).write_text("x = 1")
    with open(cases["huge"] / f"{EX01}.py", "wb") as f:
        f.truncate(150 * 10**6)
    (cases["latin1"] / f"{EX01}.py").write_bytes("# café\n".encode("latin-1"))
    expect = {
        "nofolder": ("missing", "does not exist"),
        "afile": ("missing", "is not a directory"),
        "empty": ("missing", "folder is empty"),
        "text": ("missing", "no Python file"),
        "odd": ("missing", "not in the submission"),
        "huge": ("quarantined: needs instructor review", "150 MB"),
        "latin1": ("quarantined: needs instructor review", "not UTF-8"),
    }
    for name, sub in cases.items():
        out = tmp_path / f"{name}-out"
        result = grade(sub, exercises=[EX01], log=out / "grade.log")
        grade_report.write_all(result, out)
        status, words = expect[name]
        e = result.exercises[EX01]
        assert (e.status, e.score) == (status, 0), (name, e.status, e.reason)
        assert words in e.reason, (name, e.reason)
        for f in ("results.json", "grade.json", "junit.xml"):
            assert (out / f).is_file(), (name, f)
        assert junit_problems(out / "junit.xml") == []
        json.loads((out / "grade.json").read_text())
    odd = json.loads((tmp_path / "odd-out" / "grade.json").read_text())
    assert odd["flags"] == [] or all("\x1b" not in f for f in odd["flags"])


def test_grade_cli_rejects_a_missing_submission_and_writes_every_output(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "kata", "grade", str(tmp_path / "nope"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not a directory" in proc.stderr
    data = json.loads((out / "results.json").read_text())
    assert data["score"] == 0 and "does not exist" in data["output"]
    assert (out / "junit.xml").is_file() and (out / "grade.json").is_file()
    listed = proc.stdout.splitlines()[-1].removeprefix(f"wrote {out}/").split(", ")
    assert sorted(listed) == sorted(p.name for p in out.iterdir()), proc.stdout


def test_grade_cli_refuses_an_output_folder_inside_the_submission(tmp_path, capsys, monkeypatch):
    import signal

    from kata import cli

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # kata grade's, not pytest's
    sub = tmp_path / "sub"
    sub.mkdir()
    for out in (sub, sub / "grades"):
        assert cli.main(["grade", str(sub), "--out", str(out)]) == 2
        assert "must not be inside the submission" in capsys.readouterr().err
    assert not (sub / "grades" / "grade.log").exists()


def test_a_symlinked_module_is_refused(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / f"{EX01}.py").symlink_to(ROOT / "solutions" / f"{EX01}.py")
    e = grade(sub, exercises=[EX01]).exercises[EX01]
    assert (e.status, e.score) == ("refused", 0) and "symbolic link" in e.reason


# ------------------------------------------------------------ trusted outputs


def test_messages_put_the_diagnosis_first():
    text = (
        "tests/x.py:10: in test\n    assert_std(v, 0.0625)\n"
        + "y" * 5000
        + "\nE   AssertionError: std 0.12531, expected 0.0625\n"
    )
    msg = grade_reporter.diagnosis_first(text)
    assert msg.startswith("AssertionError: std 0.12531, expected 0.0625")
    assert len(msg) <= grade_reporter.MESSAGE_LIMIT


def test_top_level_output_hides_hidden_totals():
    g = fake_grade()
    g.exercises[EX01].tasks["find_param"].tests[-1].outcome = "passed"  # the hidden test
    out = grade_report.gradescope(g)["output"]
    visible = catalogue.exercise(EX01).points - 0.5 - 2 / 3  # find_param's hidden third apart
    assert f"{EX01}: {show_points(visible)}/{show_points(visible + 0.5)}" in out, out
    assert f"{g.score:g}" not in out and f"/{g.max_score:g}" not in out, out


def test_the_first_line_says_the_sandbox():
    g = fake_grade()
    g.sandbox, g.sandbox_note = "process group", "no sandbox: bwrap not found"
    assert grade_report.render(g).splitlines()[0] == "warning: no sandbox: bwrap not found"
    assert json.loads(json.dumps(grade_report.summary(g)))["sandbox"] == "process group"


# ----------------------------------------------------------- GitHub Classroom


def test_classroom_reports_each_exercise_on_its_own(tmp_path, monkeypatch):
    """An os._exit in one exercise costs only that exercise's points: each exercise's
    pytest is a process of its own (here started warm, ``copies.python``). Unguarded,
    or the guard would refuse ``import os`` before the exit."""
    from types import SimpleNamespace

    from kata.core import guard
    from kata.learner import classroom
    from tests.tooling.copies import python

    warm = SimpleNamespace(run=lambda cmd, cwd: python(cmd, cwd, dict(os.environ)))
    monkeypatch.setattr(classroom, "subprocess", warm)
    monkeypatch.setenv(guard.SWITCH, "off")

    other = other_exercise()
    for name in [EX01] + ([other] if other else []):
        (tmp_path / f"{name}.py").write_text((ROOT / "solutions" / f"{name}.py").read_text())
    (tmp_path / f"{EX01}.py").write_text(
        (tmp_path / f"{EX01}.py").read_text() + "\nimport os\nos._exit(0)\n"
    )
    runs = classroom.runners(classroom.grade(str(tmp_path)))
    earned = [t["name"] for t in runs["kata_points"]["tests"]]
    missed = [t["name"] for t in runs["kata_missed"]["tests"]]
    ex01 = [f"{EX01}.{t.name}: 0/{t.points}" for t in catalogue.exercise(EX01).tasks]
    assert set(ex01) <= set(missed) and not any(n.startswith(EX01) for n in earned)
    if other:
        e = catalogue.exercise(other)
        assert [n for n in earned if n.startswith(other)] == [
            f"{other}.{t.name}: {t.points}/{t.points}" for t in e.tasks
        ]
        assert classroom.points(runs)[0] == e.points
