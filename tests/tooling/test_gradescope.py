"""Tooling tests of the Gradescope bundle (``kata gradescope``): the pins it installs
with, and the options file the instructor edits (no environment variable)."""

from __future__ import annotations

import zipfile

from kata import ROOT, cli
from kata.core import catalogue
from kata.grading import gradescope

GRADESCOPE_TIMEOUT = 600  # seconds: Gradescope's default autograder timeout


def test_the_bundle_ships_and_uses_the_pins(tmp_path):
    out = gradescope.build(tmp_path / "autograder.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
        pins = zf.read("constraints.txt")
        args = zf.read("grade-args.txt")
    assert pins == (ROOT / "constraints.txt").read_bytes()
    install = [
        ln for ln in setup.splitlines() if "pip install" in ln and "/autograder/source" in ln
    ]
    assert install and all("-c /autograder/source/constraints.txt" in ln for ln in install)
    assert "KATA_GRADE_ARGS" not in run
    assert "@/autograder/source/grade-args.txt" in run
    assert args == (ROOT / "kata" / "grading" / "gradescope" / "grade-args.txt").read_bytes()
    assert "kata/grading/gradescope/grade-args.txt" not in names


def test_the_options_file_is_read_and_fits_gradescope_defaults(tmp_path):
    args = tmp_path / "grade-args.txt"
    args.write_bytes((ROOT / "kata" / "grading" / "gradescope" / "grade-args.txt").read_bytes())
    got = cli.parser("grade").parse_args(["grade", "/autograder/submission", "--quiet", f"@{args}"])
    assert got.submission == "/autograder/submission" and got.quiet and got.jobs == 1
    # The grader stops itself, and writes its results, before Gradescope stops it.
    assert got.deadline <= GRADESCOPE_TIMEOUT - 60, got.deadline
    # Each exercise may use its startup allowance and time out once within the deadline.
    per_exercise = got.startup + got.timeout
    assert len(catalogue.names()) * per_exercise <= got.deadline, per_exercise
    assert got.startup + got.timeout <= got.exercise_deadline <= got.deadline
    args.write_text("# a comment\n--timeout 7  # seven\n\n--exercises ex01,ex02\n")
    got = cli.parser("grade").parse_args(["grade", "sub", f"@{args}"])
    assert got.timeout == 7 and got.exercises == "ex01,ex02"
