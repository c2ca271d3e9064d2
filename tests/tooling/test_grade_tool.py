"""The grading tools: outputs, static scan, tamper snapshots, gradebook, release, Gradescope zip."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.dev import release
from kata.grading import gradescope
from kata.grading import reports as grade_report
from kata.grading import stream_plugin as grade_reporter
from kata.grading.model import CheckOutcome, ExerciseGrade, Grade
from kata.grading.scan import scan_source

EX01 = "ex01_access_params"


def other_exercise() -> str | None:
    for e in catalogue.exercises():
        if (
            e.name != EX01
            and (ROOT / "solutions" / e.filename).is_file()
            and (ROOT / e.test_file).is_file()
        ):
            return e.name
    return None


def fake_grade() -> Grade:
    """ex01 with every test passing but one of count_params, one hidden test failing; ex02 killed."""
    ex01 = ExerciseGrade(catalogue.exercise(EX01))
    for t in ex01.tasks.values():
        t.tests = [
            CheckOutcome(
                f"tests/test_{EX01}.py::test_{t.task.name}_{i}", EX01, t.task.name, outcome="passed"
            )
            for i in range(2)
        ]
    ex01.tasks["count_params"].tests[1].outcome = "failed"
    ex01.tasks["count_params"].tests[1].message = "FAILURE: got 3, expected 4"
    ex01.tasks["find_param"].tests.append(
        CheckOutcome("tests/hidden/x.py::test_h", EX01, "find_param", hidden=True, outcome="failed")
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


def test_junit_and_table(tmp_path):
    g = fake_grade()
    grade_report.write_all(g, tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root}
    assert suites[EX01].get("failures") == "2"
    assert json.loads((tmp_path / "grade.json").read_text())["exercises"][EX01]["flags"]
    text = grade_report.render(g)
    assert "count_params" in text and "killed" in text and "total:" in text and "signal" in text


# ------------------------------------------------------------ scan and tamper


def test_static_scan_flags_suspicious_constructs():
    source = """
import os, signal, ctypes, sys
import numpy as np

signal.signal(signal.SIGALRM, signal.SIG_IGN)
np.allclose = lambda *a, **k: True
sys.modules["numpy"] = None
text = open("/work/main/solutions/ex01_access_params.py").read()
Path("../x").read_text()

class E:
    def __eq__(self, other):
        return True

def f():
    os._exit(0)
"""
    flags = "\n".join(scan_source(source))
    for needle in (
        "signal",
        "ctypes",
        "np.allclose",
        "sys.modules",
        "open()",
        "solutions",
        "__eq__",
        "os._exit",
        ".read_text()",
    ):
        assert needle in flags, f"{needle} not flagged:\n{flags}"


def test_static_scan_is_quiet_on_the_solutions():
    for path in sorted((ROOT / "solutions").glob("ex*.py")):
        flags = [f for f in scan_source(path.read_text()) if "imports" not in f]
        assert not flags, f"{path.name}: {flags}"


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
    (evil / f"{EX01}.py").write_text("import os\nos._exit(0)\n")
    (evil / "conftest.py").write_text("raise SystemExit(0)\n")
    if other:
        for d in (good, evil):
            (d / f"{other}.py").write_text((ROOT / "solutions" / f"{other}.py").read_text())
    exercises = ",".join([EX01] + ([other] if other else []))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade-all", str(subs), "--out", str(out), "--jobs", "2"]
    cmd += ["--exercises", exercises, "--timeout", "20", "--memory", "2000"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
    assert "crashed" in rows["evil"]["notes"] and "missing" in rows["empty"]["notes"]
    assert json.loads((out / "evil" / "grade.json").read_text())["flags"] == [
        "ignored: conftest.py"
    ]


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


def test_grade_cli_rejects_a_missing_submission(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "kata", "grade", str(tmp_path / "nope")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not a directory" in proc.stderr
