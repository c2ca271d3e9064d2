"""Tooling tests of kata.core: the catalogue's format, the results vocabulary, the
``.kata/`` state files and the one ``kata`` command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from kata import ROOT
from kata.core import catalogue, outcomes, references, state
from kata.core.outcomes import Outcome, Status
from tests.tooling.copies import python

GOLDEN = ROOT / "tests" / "tooling" / "golden"

# ------------------------------------------------------------------ catalogue

GOOD = """
format_version = 2
[[exercise]]
name = "ex01_a"
title = "A"
book = "D2L 4.2.1"
[[exercise.task]]
name = "f"
title = "F"
points = 2
hints = ["h"]
"""


def test_catalogue_parses_a_well_formed_file():
    (ex,) = catalogue.parse(GOOD)
    assert (ex.name, ex.short, ex.number, ex.points) == ("ex01_a", "ex01", 1, 2)
    assert ex.task("F").name == "f"  # task names are case-insensitive


@pytest.mark.parametrize(
    "edit, needle",
    [
        (("format_version = 2", "format_version = 1"), "format_version 1"),
        (("format_version = 2", ""), "format_version None"),
        (("format_version = 2", "format_version = 2\nversion = 3"), "unknown key(s) version"),
        (('book = "D2L 4.2.1"', ""), "has no book"),
        (('title = "A"', 'title = "A"\ncolour = "red"'), "unknown key(s) colour"),
        (("points = 2", "points = 2\npoint = 3"), "unknown key(s) point"),
        (('name = "ex01_a"', 'name = "exercise_a"'), "not exNN_topic"),
    ],
)
def test_catalogue_rejects_unknown_keys_and_versions(edit, needle):
    with pytest.raises(
        catalogue.CatalogueError, match=needle.replace("(", r"\(").replace(")", r"\)")
    ):
        catalogue.parse(GOOD.replace(*edit, 1) if edit[1] else GOOD.replace(edit[0], "", 1))


def test_exercise_aliases_go_by_number_not_by_characters():
    first = catalogue.exercises()[0]
    for alias in (
        first.name,
        first.short,
        first.short.upper(),
        str(first.number),
        f"0{first.number}",
    ):
        assert catalogue.exercise(alias) is first
    # "ex10" and "10" must not answer to ex01 (a character slice would make EX=0 match)
    for wrong in ("0", "ex10", "10", "ex1_access"):
        if wrong in {str(e.number) for e in catalogue.exercises()}:
            continue
        with pytest.raises(catalogue.UnknownName):
            catalogue.exercise(wrong)


# ------------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    "seen, want",
    [
        ([], Status.NO_TESTS),
        (["passed", "passed"], Status.DONE),
        (["passed", "failed"], Status.FAILING),
        (["not started", "missing"], Status.NOT_STARTED),
        (["not started", "passed"], Status.FAILING),
        (["broken", "broken"], Status.BROKEN),
        (["error"], Status.FAILING),
    ],
)
def test_task_status(seen, want):
    assert outcomes.task_status(seen) == want


@pytest.mark.parametrize(
    "tasks, want",
    [
        (["done", "done"], Status.DONE),
        (["done", "not started"], Status.FAILING),
        (["not started", "not started"], Status.NOT_STARTED),
        (["done", "failing"], Status.FAILING),
        (["broken", "failing"], Status.BROKEN),
        (["no tests", "done"], Status.DONE),
        (["no tests"], Status.NO_TESTS),
    ],
)
def test_exercise_status(tasks, want):
    assert outcomes.exercise_status(tasks) == want


def test_points_are_shared_by_passing_tests_and_shown_rounded():
    assert outcomes.points(3, 2, 3) == 2.0
    assert outcomes.points(3, 0, 0) == 0.0
    assert outcomes.show_points(7 / 6) == "1.17"
    assert outcomes.show_points(10.0) == "10"


def test_unknown_outcome_is_an_error():
    with pytest.raises(ValueError):
        outcomes.task_status(["passd"])


# ----------------------------------------------------------------- references


def test_a_task_source_brings_its_private_helpers_once_in_the_order_they_are_used():
    source = (
        "def _c():\n    return _a()\n\n\ndef _a():\n    return 1\n\n\n"
        "def _b():\n    return _c() + _a()\n\n\n"
        "@register\ndef f():\n    return _b() + _a() + _b()\n"
    )
    got = references.task_source(source, "f")
    assert [line for line in got.splitlines() if line.startswith(("@", "def"))] == [
        "@register",
        "def f():",
        "def _a():",
        "def _b():",
        "def _c():",
    ]


# ---------------------------------------------------------------------- state


def _results(**by_task) -> dict:
    res = outcomes.empty()
    for key, seen in by_task.items():
        ex, task = key.split("__")
        for o in seen:
            outcomes.record(res, ex, task, o)
    return res


def test_a_run_of_one_exercise_keeps_the_others_results(tmp_path):
    path = tmp_path / "last-run.json"
    first = catalogue.exercises()[0]
    second = catalogue.exercises()[1]
    t1, t2 = first.tasks[0], second.tasks[0]
    state.save_run(path, "/t", 1, _results(**{f"{first.name}__{t1.name}": ["passed"]}))
    state.save_run(path, "/t", 1, _results(**{f"{second.name}__{t2.name}": ["failed"]}))
    loaded = state.load_run(path, "/t")
    assert loaded[t1.key].outcomes == [Outcome.PASSED]
    assert loaded[t2.key].outcomes == [Outcome.FAILED]
    # another target's run replaces them: its results say nothing about this one
    state.save_run(path, "/other", 1, _results(**{f"{second.name}__{t2.name}": ["passed"]}))
    assert state.load_run(path, "/t")[t1.key].outcomes == []


def test_a_row_edited_by_hand_loses_its_own_task_only(tmp_path):
    path = tmp_path / "last-run.json"
    first = catalogue.exercises()[0]
    t1, t2 = first.tasks[0], first.tasks[1]
    keys = {t1.key: ["passed"], t2.key: ["passed"]}
    state.save_run(
        path, "/t", 1, _results(**{f"{first.name}__{t.name}": keys[t.key] for t in (t1, t2)})
    )
    data = json.loads(path.read_text())
    data["tasks"][t2.key]["outcomes"] = ["brilliant"]  # no such outcome
    path.write_text(json.dumps(data))
    loaded = state.load_run(path, "/t")
    assert loaded[t1.key].outcomes == [Outcome.PASSED]
    assert loaded[t2.key].outcomes == []


def test_state_files_carry_their_format_version(tmp_path, capsys):
    path = tmp_path / "state.json"
    state.save_hints({"ex01_access_params::build_mlp": 2}, path)
    data = json.loads(path.read_text())
    assert data["format_version"] == state.FORMAT_VERSION
    assert state.load_hints(path) == {"ex01_access_params::build_mlp": 2}
    path.write_text(json.dumps({**data, "format_version": 999}))
    assert state.load_hints(path) == {}  # another version is treated as absent
    assert "format_version 999" in capsys.readouterr().err


def test_state_file_matches_the_golden_file(tmp_path):
    """The on-disk format of ``.kata/state.json`` (the hint levels reached): change it
    only with a new version."""
    first = catalogue.exercises()[0]
    path = tmp_path / "state.json"
    state.save_hints({first.tasks[0].key: 2, first.tasks[1].key: 3}, path)
    assert json.loads(path.read_text()) == json.loads((GOLDEN / "state.json").read_text())


def test_last_run_file_matches_the_golden_file(tmp_path):
    """The on-disk format of ``.kata/last-run.json``: change it only with a new version."""
    first = catalogue.exercises()[0]
    t1, t2 = first.tasks[0], first.tasks[1]
    res = _results(
        **{
            f"{first.name}__{t1.name}": ["passed", "failed"],
            f"{first.name}__{t2.name}": ["not started"],
        }
    )
    path = tmp_path / "last-run.json"
    state.save_run(path, "/target", 7, res)
    data = json.loads(path.read_text())
    data["time"] = 0  # the only field that changes from run to run
    golden = json.loads((GOLDEN / "last-run.json").read_text())
    assert data == golden


# ------------------------------------------------------------------------ cli


def kata(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return python([sys.executable, "-m", "kata", *args], ROOT, env)


def test_kata_help_lists_every_subcommand_with_its_modules_help():
    from kata.cli import COMMANDS
    from kata.dev import TOOLS

    out = kata("--help")
    assert out.returncode == 0
    listed = dict(re.findall(r"^    (\S+)\s+(\[.*)$", out.stdout, re.M))
    assert list(listed) == [name for name, *_ in COMMANDS], out.stdout
    assert listed["grade"] == "[instructor] grade one submission in the sandbox"
    dev = kata("dev", "--help")
    assert [m.rsplit(".", 1)[1] for m in TOOLS] == re.findall(r"^    (\w+)  ", dev.stdout, re.M)
    grade = kata("grade", "--help")  # the module's own options and texts
    assert grade.stdout.startswith("usage: kata grade ") and "--exercise-deadline" in grade.stdout


def test_one_argparse_tree():
    """Only kata/cli.py makes an ArgumentParser: each command's module adds its
    subparser to that tree, so its help and options are written once."""
    makers = [p.name for p in (ROOT / "kata").rglob("*.py") if "ArgumentParser(" in p.read_text()]
    assert makers == ["cli.py"]


def test_kata_unknown_subcommand_or_option_is_a_clear_error():
    out = kata("grades")
    assert out.returncode == 2 and "unknown subcommand 'grades'" in out.stderr
    out = kata("progress", "--no-such-option")
    assert out.returncode == 2 and "unrecognized arguments: --no-such-option" in out.stderr


def test_options_a_command_does_not_know_go_on_only_where_it_says_so():
    """``kata test`` hands pytest every option it is given, ``kata grade-all`` hands
    ``kata grade`` those it does not know; in order, and parsed nowhere else."""
    from kata import cli

    args = cli.parser("test").parse_known_args(["test", "-k", "a b", "-x", "tests/t.py", "-h"])
    assert args[1] == ["-k", "a b", "-x", "tests/t.py", "-h"] and "rest" in vars(args[0])
    args, rest = cli.parser("grade-all").parse_known_args(
        ["grade-all", "subs", "--timeout", "3", "--out", "o", "--exercises", "ex01"]
    )
    assert "rest" in vars(args) and (args.submissions, args.out, rest) == (
        "subs",
        "o",
        ["--timeout", "3", "--exercises", "ex01"],
    )
    assert "rest" not in vars(cli.parser("watch").parse_args(["watch"]))


@pytest.mark.parametrize(
    "argv",
    [["dev", "stubs", "ex99"], ["dev", "verify", "--exercises", "ex99"], ["reset", "ex99"]],
)
def test_an_unknown_exercise_is_a_clear_error(argv, capsys):
    from kata import cli

    assert cli.main(argv) == 2
    assert "error: unknown exercise 'ex99'; the exercises are: ex01" in capsys.readouterr().err


def test_a_missing_subpackage_says_which_edition(tmp_path):
    import shutil

    from kata.core import editions

    editions.copy_kata(ROOT, tmp_path, editions.STUDENT)
    shutil.copytree(ROOT / "tests", tmp_path / "tests", dirs_exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    # -S: no site-packages, so the development venv's editable install of this
    # repository cannot serve kata.grading behind the copy's back
    out = subprocess.run(
        [sys.executable, "-S", "-m", "kata", "grade", "x"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "for instructors and is not part of this edition" in out.stderr


def test_keras_leaves_its_plots_out_and_matplotlib_stays_importable():
    """Keras's visualization modules import matplotlib at the top (the premise); once a
    graded run starts (``kata.testing`` is imported; ``import kata`` alone, as in a
    notebook, changes nothing), kata's finder fails that import for them alone:
    matplotlib imports for anybody else."""
    import importlib.util

    pytest.importorskip("matplotlib")
    spec = importlib.util.find_spec("keras.src.visualization.plot_image_gallery")
    assert "import matplotlib.pyplot" in open(spec.origin, encoding="utf-8").read()
    script = """if True:
        import sys, kata
        def keras_imports_matplotlib():
            try:
                exec("import matplotlib.pyplot", {"__name__": "keras.src.visualization.gallery"})
            except ModuleNotFoundError:
                return False
            for name in [m for m in sys.modules if m.partition(".")[0] == "matplotlib"]:
                del sys.modules[name]
            return True
        print(keras_imports_matplotlib())
        import kata.testing
        print(keras_imports_matplotlib())
        import matplotlib.pyplot
        print(matplotlib.pyplot.__name__)
    """
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False", "matplotlib.pyplot"], done.stderr
