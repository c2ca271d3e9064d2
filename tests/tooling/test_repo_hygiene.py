"""Repository invariants that need no TensorFlow: stubs on main, catalogue ↔ tests, mutants."""

from __future__ import annotations

import ast
import re
import subprocess

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.dev import stubs
from kata.dev.verify import variants as verify


def committed(path: str) -> str | None:
    """The text of ``path`` at HEAD (what main holds), or None outside a git checkout."""
    done = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("name", catalogue.names())
def test_committed_exercise_is_the_generated_stub(name):
    """exercises/ on main holds the stubs made from solutions/, never a solved exercise.

    Compares the committed file, so a learner's uncommitted work never fails this.
    """
    text = committed(f"exercises/{name}.py")
    if text is None:
        pytest.skip("not a git checkout")
    assert text == stubs.generate(name), (
        f"exercises/{name}.py differs from its stub: run make stubs"
    )


def _tasks_in(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in ("task", "pytest.mark.task"):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("exercise", catalogue.exercises(), ids=lambda e: e.name)
def test_every_task_has_a_visible_graded_test(exercise):
    graded = _tasks_in(ROOT / exercise.test_file)
    missing = [t.name for t in exercise.tasks if t.name not in graded]
    assert not missing, f"{exercise.test_file} grades no test for: {missing}"


@pytest.mark.parametrize("exercise", catalogue.exercises(), ids=lambda e: e.name)
def test_every_task_has_three_hints(exercise):
    thin = [t.name for t in exercise.tasks if len(t.hints) < 3]
    assert not thin, f"tasks with fewer than three hints: {thin}"


def test_alternatives_say_what_they_are():
    bad = []
    for path in sorted((ROOT / "tests" / "alternatives").glob("*/*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if path.parent.name not in catalogue.names() or not re.match(r"\S.{10,}", doc):
            bad.append(str(path.relative_to(ROOT)))
    assert not bad, f"need an exercise folder and a one-line docstring: {bad}"


CJK = re.compile(r"[\u4e00-\u9fff]")


def _raised(path):
    """The ``raise X(...)`` statements of ``path`` that call their exception: ``(line, args)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.exc.args + [k.value for k in node.exc.keywords])
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    ]


def _words(arg) -> str:
    """The literal text of a message argument (the constant parts of an f-string)."""
    return "".join(
        n.value for n in ast.walk(arg) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


@pytest.mark.parametrize("name", catalogue.names())
def test_every_exercise_accepts_messages_without_words_and_in_chinese(name):
    """Issue 22: an exception's message is the learner's own (any words, any language,
    none). Each exercise keeps two alternatives that ``kata dev verify --only
    alternatives`` must accept: one whose every raise carries no argument at all, and one
    whose every message is Chinese; each raises at least once, so both say something."""
    folder = ROOT / "tests" / "alternatives" / name
    bare, chinese = folder / "messages_without_words.py", folder / "messages_in_chinese.py"
    missing = [p.name for p in (bare, chinese) if not p.is_file()]
    assert not missing, f"{name}: add {missing} to {folder.relative_to(ROOT)}"
    raised = _raised(bare)
    assert raised, f"{name}/{bare.name} raises nothing: it proves nothing about messages"
    worded = [line for line, args in raised if args]
    assert not worded, f"{name}/{bare.name}: exceptions with a message or arguments at {worded}"
    raised = _raised(chinese)
    assert raised, f"{name}/{chinese.name} raises nothing: it proves nothing about messages"
    english = [line for line, args in raised if not any(CJK.search(_words(a)) for a in args)]
    assert not english, f"{name}/{chinese.name}: messages without Chinese at lines {english}"


@pytest.mark.parametrize("name", catalogue.names())
def test_mutants_fit_the_solution_and_name_their_mistake(name):
    """Every mutant's edits apply exactly once to the current solution and change it."""
    found = verify.mutants(name)  # raises when an edit no longer fits
    assert len(found) >= 5, f"{name}: {len(found)} mutants, at least 5 wanted"
    solution = (ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    for mutant, (mistake, source) in found.items():
        assert re.match(r"\S.{10,}", mistake), f"{name}/{mutant}: say what the mistake is"
        assert source != solution, f"{name}/{mutant} changes nothing"
        compile(source, f"{name}/{mutant}", "exec")


def test_each_layer_imports_only_the_layers_below_it():
    """core and testing import nothing from learner, grading or dev (a graded run works
    in every edition), and nothing outside dev imports dev."""
    import ast

    above = {
        "core": ("learner", "grading", "dev", "testing"),
        "testing": ("learner", "grading", "dev"),
    }
    above |= {name: ("dev",) for name in ("learner", "grading")}
    wrong = []
    for layer, forbidden in above.items():
        for path in (ROOT / "kata" / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                if any(n.split(".")[:2] in (["kata", f] for f in forbidden) for n in names):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


def test_every_data_file_of_the_package_is_installed():
    """Each committed file of ``kata/`` that is not Python matches the package data of
    pyproject.toml (a non-editable install has only those), but for kata.dev's own."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    listed = subprocess.run(["git", "ls-files", "kata"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    dev_only = {"kata/core/locale/babel.cfg"}  # read by kata dev verify and make messages
    missing = []
    for path in listed.stdout.split():
        if path.endswith(".py") or path in dev_only:
            continue
        package = ".".join(path.split("/")[:-1])
        while package and package not in data:
            package = package.rpartition(".")[0]
        rest = path.removeprefix(package.replace(".", "/") + "/")
        if not any(fnmatch.fnmatch(rest, pattern) for pattern in data.get(package, [])):
            missing.append(path)
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"
