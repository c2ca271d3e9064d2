"""Tooling tests of a course's outputs: ``report.html`` (checked in headless Chromium),
each learner's ``feedback.md``, the gradebook's regrade of one student (``--only``,
``kata grade --into``) and a Gradescope export's ``submission_metadata.yml``.

Most tests build a class from made-up grades (no TensorFlow run); one grades a small
class folder like issue 25's end to end and compares every score with a hand grade."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.core.outcomes import Outcome
from kata.grading import course, gradebook, reports
from kata.grading.model import QUARANTINED, CheckOutcome, ExerciseGrade, Grade

EX01 = "ex01_access_params"
MISTAKE = "this looks like the variance passed as the standard deviation"
HEADLINE = "FAILURE: init_normal: d1.kernel std 0.1, expected 0.01"
HIDDEN_TEXT = "secret_hidden_line = compare(kernel, expected)"


def _grade(name: str, passed: int, mistake: bool = False, quarantined: bool = False) -> Grade:
    """A submission whose ex01 tasks pass for the first ``passed`` tasks; the next one
    fails with the named mistake when ``mistake`` (and a hidden test fails beside it)."""
    e = ExerciseGrade(catalogue.exercise(EX01), module=f"{EX01}.py")
    for i, (tname, tg) in enumerate(e.tasks.items()):
        ok = i < passed
        msg = (
            f"{HEADLINE}\n{MISTAKE}\ntraceback…" if mistake and not ok else "AssertionError: 3 != 4"
        )
        tg.tests = [
            CheckOutcome(
                f"tests/test_{EX01}.py::test_{tname}",
                outcome=Outcome.PASSED if ok else Outcome.FAILED,
                message="" if ok else msg,
            ),
            CheckOutcome(
                f"tests/hidden/test_{EX01}.py::test_{tname}_h",
                hidden=True,
                outcome=Outcome.PASSED if ok else Outcome.FAILED,
                message="" if ok else f"hidden headline\n{HIDDEN_TEXT}",
            ),
        ]
    if quarantined:
        e.set_verdict(QUARANTINED, f"{EX01}.py:1: imports os")
    g = Grade(name, {EX01: e}, sandbox="bubblewrap")
    if name == "carol":
        e.flags = [f"graded Ex01_Access_Params.py as {EX01}.py"]
    return g


CLASS = {  # name: (tasks passing, named mistake, quarantined)
    "alice": (7, False, False),
    "bob": (3, True, False),
    "carol": (2, True, False),
    "dave": (5, True, False),
    "eve": (7, False, True),
}


def make_class(out: Path) -> list[dict]:
    rows = []
    for name, (passed, mistake, quarantined) in CLASS.items():
        g = _grade(name, passed, mistake, quarantined)
        reports.write_all(g, out / name)
        rows.append(gradebook.row(name, reports.summary(g)))
    return gradebook.write(out, rows)


def test_the_report_shows_the_class(tmp_path):
    rows = make_class(tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing fetched, nothing run
    assert not re.search(r"<script|<link|src=|url\(|@import", page)
    assert re.findall(r"https?://[^\"']+", page) == ["http://www.w3.org/2000/svg"] * 2
    for title in ("score distribution", "pass rate per task"):  # each chart under its heading
        assert f"<h2>{title}</h2>\n<svg" in page, title
    counts = [int(n) for n in re.findall(r'class="bar" data-count="(\d+)"', page)]
    assert len(counts) == course.BINS and sum(counts) == len(CLASS)
    rates = dict(re.findall(r'data-done="(\d+)" data-seen="(\d+)"', page)[:1])
    t0 = catalogue.exercise(EX01).tasks[0]
    # the first task is done by everyone but the quarantined one
    assert rates == {"4": "5"}, t0.name
    # the named mistake, once per submission that makes it
    row = re.search(
        rf"<td>{EX01}\.\w+</td><td>{re.escape(MISTAKE)}</td><td class=n>(\d+)</td>", page
    )
    assert row and int(row.group(1)) == 3, page
    assert "quarantined: needs instructor review" in page and "graded Ex01_Access_Params.py" in page
    assert '<a href="bob/feedback.md">bob</a>' in page
    assert [r["name"] for r in rows] == sorted(CLASS)


def test_feedback_is_the_learners_diagnosis(tmp_path):
    make_class(tmp_path)
    text = (tmp_path / "bob" / "feedback.md").read_text(encoding="utf-8")
    assert MISTAKE in text and HEADLINE in text
    assert "hidden headline" in text and HIDDEN_TEXT not in text, "hidden tests: headline only"
    g = _grade("bob", *CLASS["bob"][:2])
    assert f"{g.score:g}" in text or f"{round(g.score, 2):g}" in text


def test_text_from_a_submission_is_escaped(tmp_path):
    g = _grade("mallory", 0)
    for tg in g.exercises[EX01].tasks.values():
        tg.tests[0].message = '<img src=x onerror="alert(1)">\n' + MISTAKE
    reports.write_all(g, tmp_path / "mallory")
    gradebook.write(tmp_path, [gradebook.row("<b>mallory</b>", reports.summary(g))])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<img" not in page and "<b>mallory" not in page and "&lt;b&gt;mallory" in page


def test_a_hand_edited_cell_or_a_stray_grade_json_still_gives_the_report(tmp_path):
    """An instructor's word in a gradebook cell ("excused") and a grade.json that is no
    grade (a list, broken JSON): the report is written, the others' numbers intact."""
    rows = make_class(tmp_path)
    rows[0]["total"] = "excused"
    (tmp_path / rows[1]["name"] / "grade.json").write_text("[1, 2]")
    (tmp_path / rows[2]["name"] / "grade.json").write_text("{not json")
    assert course.read_grade(tmp_path / rows[1]["name"] / "grade.json") is None
    assert course.read_grade(tmp_path / rows[3]["name"] / "grade.json")["exercises"]
    page = course.render(tmp_path, rows)
    counts = [int(n) for n in re.findall(r'class="bar" data-count="(\d+)"', page)]
    assert sum(counts) == len(CLASS) - 1, "the excused row is left out of the histogram"
    assert f"{len(CLASS)} submissions" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


MEASURE = """<script>
const box = (sel) => [...document.querySelectorAll(sel)].map(
  (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; });
document.body.insertAdjacentHTML("beforeend", "<pre id=measured>" + JSON.stringify({
  charts: box("svg.chart"), bars: box("rect.bar"), rates: box("rect.rate")}) + "</pre>");
</script></body>"""


@pytest.mark.skipif(_chromium() is None, reason="needs chromium")
def test_the_report_is_drawn_in_headless_chromium(tmp_path):
    """The page in a real browser: a screenshot (kept in the test's tmp dir) and, in a
    copy of the page with a measuring script added, the size the browser gave each chart
    and bar."""
    out = tmp_path / "class"
    make_class(out)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    flags += [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1800"]
    shot = tmp_path / "report.png"
    subprocess.run(
        [_chromium(), *flags, f"--screenshot={shot}", (out / "report.html").as_uri()],
        capture_output=True,
        timeout=180,
    )
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000, "a blank page compresses to almost nothing"
    probe = out / "probe.html"
    probe.write_text((out / "report.html").read_text().replace("</body>", MEASURE))
    dom = subprocess.run(
        [_chromium(), *flags, "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout
    got = json.loads(re.search(r"<pre id=\"measured\">(.*?)</pre>", dom).group(1))
    assert len(got["charts"]) == 2 and all(w > 200 and h > 100 for w, h in got["charts"])
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', probe.read_text())]
    drawn = [h > 1 for w, h in got["bars"]]
    assert drawn == [n > 0 for n in counts], (drawn, counts)
    done = [
        int(d) for d, _ in re.findall(r'data-done="(\d+)" data-seen="(\d+)"', probe.read_text())
    ]
    assert [w > 1 for w, h in got["rates"]] == [d > 0 for d in done]


METADATA = """\
submission_101:
  :submitters:
  - :name: Alice Smith
    :sid: '100'
    :email: alice@example.edu
  :created_at: 2026-11-30 10:00:00.000000000 -08:00
  :score: 40.0
  :results:
    :tests:
    - :name: not a person
      :email: nobody@example.edu
submission_102:
  :submitters:
  - :name: 'O''Brien, Pat'
    :email: "pat@example.edu"
  - :name: Lee Wu
    :email: lee@example.edu
submission_103:
  :submitters: []
"""


def test_submission_metadata_maps_folders_to_people(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(METADATA)
    got = gradebook.read_metadata(tmp_path)
    assert got == {
        "submission_101": ("Alice Smith", "alice@example.edu"),
        "submission_102": ("O'Brien, Pat; Lee Wu", "pat@example.edu; lee@example.edu"),
    }
    assert gradebook.read_metadata(tmp_path / "nowhere") == {}


def test_a_regrade_replaces_one_row_and_keeps_the_others(tmp_path):
    make_class(tmp_path)
    before = {r["name"]: r for r in gradebook.read(tmp_path)}
    page = (tmp_path / "report.html").read_text()
    g = _grade("bob", 7)
    reports.write_all(g, tmp_path / "bob")
    rows = gradebook.write(tmp_path, [gradebook.row("bob", reports.summary(g))], keep=True)
    after = {r["name"]: r for r in gradebook.read(tmp_path)}
    assert [r["name"] for r in rows] == sorted(CLASS) and set(after) == set(before)
    assert float(after["bob"]["total"]) == g.score != float(before["bob"]["total"])
    assert all(after[n] == before[n] for n in CLASS if n != "bob")
    assert (tmp_path / "report.html").read_text() != page


def test_junit_records_each_tests_time_and_no_forged_one():
    from kata.grading.grade import _record

    g = ExerciseGrade(catalogue.exercise(EX01))
    task = catalogue.exercise(EX01).tasks[0].name
    said = [1.5, "9", float("nan"), -1, True, 10**9, None]
    tests = [{"id": f"t{i}", "task": task} for i in range(len(said))]
    ended = {f"t{i}": {"outcome": "passed", "seconds": s} for i, s in enumerate(said)}
    _record(g, tests, ended, lambda text: text)
    assert [t.seconds for t in g.tasks[task].tests] == [1.5, 0, 0, 0, 0, 0, 0]
    suite = reports.junit(Grade("s", {EX01: g})).getroot()[0]
    assert [c.get("time") for c in suite][:2] == ["1.500", "0.000"]
    assert suite.get("time") == "1.500"


# ------------------------------------------------------------------ end to end


def _solution_with(stubbed: list[str]) -> str:
    text = (ROOT / "solutions" / f"{EX01}.py").read_text()
    return text + "".join(
        f"\n\ndef {fn}(*args, **kwargs):\n    raise NotImplementedError\n" for fn in stubbed
    )


def test_a_class_folder_is_graded_as_by_hand(tmp_path):
    """Issue 25's intake cases graded by ``kata grade-all`` (ex01 only), each score equal
    to the hand grade; then one student regraded with ``--only`` after a fix; the
    metadata's names in the gradebook; the report and feedback pages written."""
    ex = catalogue.exercise(EX01)
    subs = tmp_path / "subs"
    full, two_off = (
        ex.points,
        ex.points - ex.task("count_params").points - ex.task("find_param").points,
    )
    hand = {}
    # the zip as downloaded
    (subs / "submission_1").mkdir(parents=True)
    with zipfile.ZipFile(subs / "submission_1" / "submission.zip", "w") as zf:
        zf.writestr(f"kata-main/exercises/{EX01}.py", _solution_with([]))
    hand["submission_1"] = full
    # a near-miss name, two tasks not done
    (subs / "submission_2").mkdir()
    (subs / "submission_2" / "Ex01_Access_Params (1).py").write_text(
        _solution_with(["count_params", "find_param"])
    )
    hand["submission_2"] = two_off
    # the worked notebook at the top, the untouched stub in exercises/
    (subs / "submission_3" / "exercises").mkdir(parents=True)
    (subs / "submission_3" / "exercises" / f"{EX01}.py").write_text(
        (ROOT / "exercises" / f"{EX01}.py").read_text()
    )
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    nb["cells"] = [cell | {"source": _solution_with([])}]
    (subs / "submission_3" / f"{EX01}.ipynb").write_text(json.dumps(nb))
    hand["submission_3"] = full
    (subs / "submission_metadata.yml").write_text(
        "submission_2:\n  :submitters:\n  - :name: Bo Li\n    :email: bo@example.edu\n"
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kata", "grade-all", str(subs), "--out", str(out), "--jobs", "2"]
    cmd += ["--exercises", EX01, "--timeout", "30", "--memory", "2500"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["name"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert {n: float(r["total"]) for n, r in rows.items()} == hand, rows
    assert (rows["submission_2"]["student"], rows["submission_2"]["email"]) == (
        "Bo Li",
        "bo@example.edu",
    )
    assert "graded Ex01_Access_Params (1).py" in rows["submission_2"]["notes"]
    assert "ignored exercises/" in json.dumps(
        json.loads((out / "submission_3" / "grade.json").read_text())
    )
    for n in hand:
        assert (out / n / "feedback.md").is_file()
    times = re.findall(
        r'<testcase [^>]*time="([\d.]+)"', (out / "submission_1" / "junit.xml").read_text()
    )
    assert times and all(float(t) > 0 for t in times), "each test's time, as it ran"
    page = (out / "report.html").read_text()
    assert "count_params" in page
    # Regrade one student after a fix: that row changes, the others' files do not.
    kept = {n: (out / n / "grade.json").read_bytes() for n in hand if n != "submission_2"}
    (subs / "submission_2" / "Ex01_Access_Params (1).py").write_text(_solution_with(["find_param"]))
    proc = subprocess.run(
        [*cmd, "--only", "submission_2"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["name"]: r for r in csv.DictReader(open(out / "gradebook.csv"))}
    assert float(rows["submission_2"]["total"]) == full - ex.task("find_param").points
    assert {n: float(r["total"]) for n, r in rows.items() if n != "submission_2"} == {
        n: v for n, v in hand.items() if n != "submission_2"
    }
    assert all((out / n / "grade.json").read_bytes() == b for n, b in kept.items())
    assert (out / "report.html").read_text() != page


def test_grade_into_updates_one_row_of_the_class(tmp_path):
    """``kata grade SUB --into OUT``: SUB's folder and row are (re)written, the other rows
    stay, the report is rewritten. An empty submission needs no test run."""
    out = tmp_path / "class"
    make_class(out)
    before = {r["name"]: r for r in gradebook.read(out)}
    (tmp_path / "subs" / "frank").mkdir(parents=True)
    (tmp_path / "subs" / "submission_metadata.yml").write_text(
        "frank:\n  :submitters:\n  - :name: Frank Ng\n    :email: frank@example.edu\n"
    )
    cmd = [sys.executable, "-m", "kata", "grade", str(tmp_path / "subs" / "frank")]
    proc = subprocess.run(
        [*cmd, "--into", str(out), "--exercises", EX01, "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = {r["name"]: r for r in gradebook.read(out)}
    assert set(after) == set(before) | {"frank"}
    assert all(after[n] == before[n] for n in before)
    assert (after["frank"]["student"], after["frank"]["total"]) == ("Frank Ng", "0")
    assert "folder is empty" in after["frank"]["notes"]
    assert (out / "frank" / "grade.json").is_file() and ">frank<" in (
        out / "report.html"
    ).read_text()
    both = subprocess.run([*cmd, "--into", str(out), "--out", str(tmp_path / "x")], cwd=ROOT)
    assert both.returncode == 2
