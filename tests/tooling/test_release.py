"""Tooling tests for the student edition (``make release``, issue 11, item 12): it is
built, then every ``make`` command its README shows is run in it as a learner would;
removed targets say they are instructor-only and fail; ``make lint`` is clean; its
README mentions nothing the edition lacks. And the opt-in reference solutions."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from kata.core import references
from kata.dev import release
from tests.tooling.copies import link_venv, make, run

REMOVED = ("verify", "stubs", "bench", "grade", "grade-all", "release", "gradescope", "help-dev")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edition") / "student"
    built = run(Path.cwd(), sys.executable, "-m", "kata", "release", "--out", str(out))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr
    assert "release checked" in built.stdout
    link_venv(out)
    return out


def readme_commands(readme: str) -> list[str]:
    """The ``make …`` commands of a README: in code spans and in code blocks."""
    found: list[str] = []
    pattern = r"\bmake [a-z][a-z-]*(?: [A-Z_]+=[^\s`]+)*"
    found += re.findall(rf"`({pattern})`", readme)
    for block in re.findall(r"```[a-z]*\n(.*?)```", readme, re.S):
        # a command starts a line (after an optional "$ ") or follows a "·"; the word
        # "make" inside printed prose ("make reports it as Error 1") is no command
        found += re.findall(rf"(?:^[ \t]*(?:\$[ \t]*)?|·[ \t]*)({pattern})", block, re.M)
    return list(dict.fromkeys(c.strip() for c in found))


def test_readme_commands_are_found():
    text = (
        "run `make test EX=ex03 TASK=WeirdInit` or\n```sh\n$ make progress\nmake: *** x\n"
        "  make test EX=ex02  ·  make hint EX=ex02\nexit 1 (make reports it as Error 1)\n```\n"
    )
    assert readme_commands(text) == [
        "make test EX=ex03 TASK=WeirdInit",
        "make progress",
        "make test EX=ex02",
        "make hint EX=ex02",
    ]


def test_the_editions_readme_mentions_nothing_it_lacks(edition):
    text = (edition / "README.md").read_text()
    for word in release.README_FORBIDDEN:
        assert word not in text
    assert "instructor-only" not in text and "student-only" not in text
    assert "exercises/   the stubs you edit" in text  # the student-only layout, uncommented


def test_every_readme_command_runs_in_the_edition(edition):
    commands = readme_commands((edition / "README.md").read_text())
    assert {"make test", "make progress", "make help"} <= set(commands), commands
    for command in commands:
        command = command.replace("KATA_TARGET=<folder>", "KATA_TARGET=exercises")
        assert "<" not in command, f"a placeholder this test cannot fill: {command}"
        words = command.split()
        if words[1] in ("watch", "notebook", "format"):  # run until Ctrl-C / rewrite files
            continue
        out = make(edition, *words[1:])
        said = out.stdout + out.stderr
        assert "Traceback" not in said and "No rule to make target" not in said, (command, said)
        if words[1] == "test":
            last = (out.stdout.splitlines() or [""])[-1]
            assert last.startswith("exit status 1: not all done yet"), (
                command,
                said,
            )
        elif words[1] == "solution":
            assert out.returncode != 0 and "ships no reference solutions" in out.stderr, said
        else:
            assert out.returncode == 0, (command, said)


def test_lint_is_clean_in_the_edition(edition):
    out = make(edition, "lint")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("target", REMOVED)
def test_removed_targets_say_instructor_only_and_fail(edition, target):
    out = make(edition, target)
    assert out.returncode != 0
    assert f"make {target} is for instructors and maintainers" in out.stderr
    assert "Nothing to be done" not in out.stdout + out.stderr


def test_help_lists_only_the_learners_targets_in_the_edition(edition):
    out = make(edition, "help")
    assert out.returncode == 0
    assert "make solution" in out.stdout and "make test" in out.stdout
    assert "help-dev" not in out.stdout and "verify" not in out.stdout


# ------------------------------------------------------- reference solutions


def test_reference_solutions_ship_only_when_asked(tmp_path):
    plain = release.build(tmp_path / "plain")
    assert not (plain / references.PACKED.relative_to(references.ROOT)).exists()
    shipped = release.build(tmp_path / "shipped", solutions="after-pass")
    packed = shipped / references.PACKED.relative_to(references.ROOT)
    assert packed.is_file()
    assert release.leaks(shipped) == []  # packed: no solution line in clear text
    task = references.reference("ex03_custom_init", "WeirdInit", root=shipped)
    assert task == references.reference("ex03_custom_init", "WeirdInit")
    assert task.startswith("@keras.saving.register_keras_serializable")


# ------------------------------------------- what the edition's texts point to


def test_the_editions_readmes_point_to_nothing_missing(tmp_path):
    """Issue 25: the student README sent learners to an instructors' section it does not
    contain. Every in-page link resolves and no left-out section is named."""
    out = release.build(tmp_path / "student")
    for name in release.READMES:
        assert release.readme_problems((out / name).read_text(), name) == [], name
    assert "kata/core/guard.py" in (out / "README.md").read_text()
    # the check sees both kinds of dangling pointers
    text = "# Intro\nsee [the rules](#rules-for-graded-code) in the instructors' section\n"
    found = release.readme_problems(text)
    assert any("#rules-for-graded-code" in p for p in found)
    assert any("instructors' section" in p for p in found)
    assert release.readme_problems("## 教师：评分\n[x](#教师评分)\n", "README.zh-CN.md") == []


def test_the_editions_help_lists_only_what_it_has(tmp_path):
    out = release.build(tmp_path / "student")
    env = {"PYTHONPATH": str(out), "KATA_TARGET": ""}
    shown = run(out, sys.executable, "-m", "kata", "--help", **env)
    assert shown.returncode == 0, shown.stderr
    listed = set(re.findall(r"^    (\S+)\s+\[", shown.stdout, re.M))
    assert {"test", "progress", "hint", "classroom"} <= listed, shown.stdout
    assert not listed & {"grade", "grade-all", "gradescope", "release", "dev"}, listed
    refused = run(out, sys.executable, "-m", "kata", "grade", "x", **env)
    assert refused.returncode == 2 and "not part of this edition" in refused.stderr


# ------------------------------------------- answers rewritten in the edition's tests

REWRITTEN_TIED_MLP = '''
import keras


def reference_net(width, outputs=1, build=True):
    """build_tied_mlp's body with other names, beside statements of its own."""
    twice = keras.layers.Dense(width, activation="relu")
    net = keras.Sequential(
        [
            keras.layers.Dense(width, activation="relu"),
            twice,
            twice,
            keras.layers.Dense(outputs),
        ]
    )
    if build:
        net.build((None, 5))
    return net
'''


def _edition_with_test(tmp_path, source: str) -> Path:
    out = tmp_path / "edition"
    (out / "kata").mkdir(parents=True)
    (out / "tests").mkdir()
    (out / "tests" / "test_ex05_shared_params.py").write_text(source, encoding="utf-8")
    return out


def test_release_refuses_a_test_that_computes_a_solution_body(tmp_path):
    out = _edition_with_test(tmp_path, REWRITTEN_TIED_MLP)
    problems = release.leaks(out)
    assert any(
        "tests/test_ex05_shared_params.py" in p and "ex05_shared_params.build_tied_mlp" in p
        for p in problems
    ), problems


def test_release_refuses_a_solution_body_with_only_its_names_changed(tmp_path):
    """No statement added: what the function computes is the answer, no more."""
    renamed = """
import keras


def reference_net(width, outputs=1):
    twice = keras.layers.Dense(width, activation="relu")
    return keras.Sequential([
        keras.layers.Dense(width, activation="relu"), twice, twice, keras.layers.Dense(outputs)
    ])
"""
    problems = release.leaks(_edition_with_test(tmp_path, renamed))
    assert [p for p in problems if "computes what the body of" in p] == [
        "tests/test_ex05_shared_params.py: computes what the body of "
        "ex05_shared_params.build_tied_mlp computes (names aside): a test that builds its "
        "reference this way hands over the answer"
    ], problems


def test_release_accepts_a_reference_built_another_way(tmp_path):
    other = REWRITTEN_TIED_MLP.replace('activation="relu"', 'activation="tanh"').replace(
        "Dense(outputs),", "Dense(outputs, activation=None),"
    )
    assert release.leaks(_edition_with_test(tmp_path, other)) == []


def test_no_graded_suite_computes_a_solution_body():
    answers = {
        f"{p.stem}.{name}": steps
        for p in (release.ROOT / "solutions").glob("*.py")
        for name, steps in release.answer_steps(p.read_text(encoding="utf-8")).items()
    }
    assert answers, "no solution body to compare with"
    found = {
        p.name: release.holds_answers(p.read_text(encoding="utf-8"), answers)
        for p in (release.ROOT / "tests").glob("*.py")
    }
    assert not any(found.values()), found
