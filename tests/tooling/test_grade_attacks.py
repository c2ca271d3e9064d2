"""Malicious submissions against the grader: each earns nothing it did not earn.

Every attack is a directory under ``attacks/``: ``patch.py.txt`` is appended to
the attacked module's base (the reference solution, the stub, or nothing) and
any other ``<file>.txt`` lands in the submission as ``<file>``. The submission
also holds the reference solution of one other exercise, which must still get
full marks. Only the two exercises are graded, with small limits, and the
selected attacks are graded two at a time.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.grading.grade import grade
from kata.grading.reports import write_all
from kata.grading.sandbox import Limits

ATTACKS = Path(__file__).with_name("attacks")
ATTACKED = "ex01_access_params"
LIMITS = Limits(timeout=12, memory_mb=1500, startup=240)

# attack -> (base of the attacked module, its expected score, status, words in the reason)
EXPECTED = {
    "infinite_loop": ("solutions", 0, "killed", "time limit"),
    "sigalrm_ignored": ("solutions", 0, "killed", "time limit"),
    "os_exit_import": ("solutions", 0, "crashed", "exit code 0"),
    "sys_exit_function": ("solutions", 9, "graded", ""),
    "segfault": ("solutions", 0, "crashed", "SIGSEGV"),
    "conftest_flip": ("exercises", 0, "graded", ""),
    "memory_bomb": ("solutions", 0, "killed", "memory limit"),
    "always_eq": ("solutions", 9, "graded", ""),
    "fake_results": ("exercises", 0, "tampered", "forged"),
    "import_solutions": (None, 0, "graded", ""),
    "patch_checks": ("solutions", 0, "tampered", "numpy.allclose"),
}


def other_exercise() -> str | None:
    """An exercise besides the attacked one that has a solution and tests."""
    for e in catalogue.exercises():
        if (
            e.name != ATTACKED
            and (ROOT / "solutions" / e.filename).is_file()
            and (ROOT / e.test_file).is_file()
        ):
            return e.name
    return None


def build(name: str, dest: Path) -> Path:
    base = EXPECTED[name][0]
    dest.mkdir(parents=True)
    text = (ROOT / base / f"{ATTACKED}.py").read_text() if base else ""
    for f in sorted((ATTACKS / name).iterdir()):
        if f.name == "patch.py.txt":
            text += "\n" + f.read_text()
        else:
            shutil.copyfile(f, dest / f.name.removesuffix(".txt"))
    (dest / f"{ATTACKED}.py").write_text(text)
    other = other_exercise()
    if other:
        shutil.copyfile(ROOT / "solutions" / f"{other}.py", dest / f"{other}.py")
    return dest


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """Grade the attacks the session selected, two at a time; name -> (Grade, out dir)."""
    wanted = [
        item.callspec.params["attack"]
        for item in request.session.items
        if item.module is request.module
        and hasattr(item, "callspec")
        and "attack" in item.callspec.params
    ]
    root = tmp_path_factory.mktemp("attacks")
    exercises = [ATTACKED] + ([other_exercise()] if other_exercise() else [])

    def one(name):
        sub = build(name, root / name)
        out = root / f"{name}-out"
        out.mkdir()
        (out / "results.json").write_text('{"score": 999}')  # whatever is there gets replaced
        result = grade(sub, exercises=exercises, limits=LIMITS, log=out / "grade.log")
        write_all(result, out)
        return result, out

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_attack(attack, graded):
    result, out = graded[attack]
    _, score, status, words = EXPECTED[attack]
    ex = result.exercises[ATTACKED]
    log = (out / "grade.log").read_text()[-3000:]
    assert ex.status == status, f"{attack}: {ex.status} ({ex.reason})\n{log}"
    assert words.lower() in ex.reason.lower(), f"{attack}: reason {ex.reason!r}"
    assert ex.score == pytest.approx(score), f"{attack}: {ex.score} points\n{log}"
    other = other_exercise()
    if other:
        g = result.exercises[other]
        assert (g.status, g.score) == ("graded", g.max_score), (
            f"{other} under {attack}: {g.status} {g.reason}"
        )
    data = json.loads((out / "results.json").read_text())
    assert data["score"] == pytest.approx(result.score, abs=1e-3)
    assert all(t["name"].startswith(tuple(result.exercises)) for t in data["tests"])


def test_unearned_tasks_score_zero(graded):
    """Where the grade stands, the attacked task itself earns nothing."""
    for attack in ("sys_exit_function", "always_eq"):
        if attack in graded:
            task = graded[attack][0].exercises[ATTACKED].tasks["count_params"]
            assert task.score == 0, f"{attack}: count_params earned {task.score}"
    if "conftest_flip" in graded:
        result = graded["conftest_flip"][0]
        assert {t.status for t in result.exercises[ATTACKED].tasks.values()} == {"not started"}
        assert any("conftest.py" in f for f in result.flags)
    if "import_solutions" in graded:
        tasks = graded["import_solutions"][0].exercises[ATTACKED].tasks.values()
        assert {t.status for t in tasks} == {"cannot import"}
