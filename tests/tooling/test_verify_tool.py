"""Tooling tests of ``kata dev verify``'s checks, on small made-up trees: each fails
when the check it names stops seeing what it must see."""

from __future__ import annotations

import argparse
import shutil
import textwrap

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.dev.verify import jobs, parity, seeds

EX = catalogue.exercises()[0]


@pytest.fixture
def tree(tmp_path):
    """exercises/ and solutions/ of the first exercise, as committed."""
    for d in ("exercises", "solutions"):
        (tmp_path / d).mkdir()
        for e in catalogue.exercises():
            shutil.copy(ROOT / d / e.filename, tmp_path / d / e.filename)
    return tmp_path


def test_parity_is_clean_on_the_repository():
    assert parity.problems() == []


def test_parity_sees_a_changed_docstring(tree):
    path = tree / "exercises" / EX.filename
    task = EX.tasks[0].name
    text = path.read_text()
    start = text.index(f"def {task}(")
    doc = text.index('"""', start) + 3
    path.write_text(text[:doc] + "Changed. " + text[doc:])
    assert parity.problems(tree) == [
        f"{EX.name}.{task}: docstring differs between solutions/ and exercises/"
    ]


def test_parity_sees_a_changed_signature_and_a_missing_task(tree):
    path = tree / "solutions" / EX.filename
    task = EX.tasks[0].name
    text = path.read_text().replace(f"def {task}(", f"def {task}(extra, ", 1)
    path.write_text(text)
    assert f"{EX.name}.{task}: signature differs between solutions/ and exercises/" in (
        parity.problems(tree)
    )
    path.write_text(text.replace(f"def {task}(", f"def renamed_{task}(", 1))
    found = parity.problems(tree)
    assert any("catalogue tasks not defined in solutions/" in p for p in found)


def test_the_seed_sweep_really_moves_the_seed(tmp_path):
    """Each seed job grades under its own KATA_SEED: a sweep that ignored it would run
    one seed twenty times."""
    args = argparse.Namespace(seeds=3)
    made = seeds.jobs([EX.name], args)
    assert [j.seed for j in made] == list(seeds.SEEDS[:3])
    assert len({j.key for j in made}) == 3
    for seed in (seeds.SEEDS[0], seeds.SEEDS[2]):
        test = tmp_path / f"test_seed_probe_{seed}.py"  # a new module name for each run
        test.write_text(
            textwrap.dedent(
                f"""
                from kata.core import seeding

                def test_probe():
                    assert seeding.base_seed() == {seed}
                """
            )
        )
        verdicts = jobs.run_pytest([str(test)], str(ROOT / "solutions"), seed)
        assert list(verdicts.values()) == [True]
