"""Tooling tests of ``kata dev verify``'s checks, on small made-up trees: each fails
when the check it names stops seeing what it must see."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from pathlib import Path

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.dev.verify import doctests, jobs, parity, seeds

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


@pytest.fixture
def cited(tree):
    """The tree plus both READMEs and the Chinese lessons, as committed."""
    for readme in ("README.md", "README.zh-CN.md"):
        shutil.copy(ROOT / readme, tree / readme)
    (tree / parity.ZH_CATALOG).parent.mkdir(parents=True)
    shutil.copy(ROOT / parity.ZH_CATALOG, tree / parity.ZH_CATALOG)
    return tree


def test_book_citations_agree_on_the_repository():
    assert parity.citation_problems() == []


def test_book_citations_see_a_wrong_section_number(cited):
    """The lesson, the README row and the Chinese lesson must name the catalogue's
    section: a lesson citing §4.2.2 for exercise 1, or a zh README row citing 4.2.3,
    is reported; a README row without the book text is reported."""
    assert parity.citation_problems(cited) == []
    sol = cited / "solutions" / EX.filename
    sol.write_text(sol.read_text().replace(EX.book, 'D2L §4.2.2 "initialize params"', 1))
    zh = cited / "README.zh-CN.md"
    zh.write_text(zh.read_text().replace(f"| `{EX.name}` | ", f"| `{EX.name}` | 4.2.3 ", 1))
    en = cited / "README.md"
    en.write_text(en.read_text().replace(EX.book, "D2L", 1))
    po = cited / parity.ZH_CATALOG  # the Chinese of the module lesson: the number right, with §
    zh = "D2L 4.2.1 “访问模型参数”"
    assert po.read_text().count(zh) == 1
    po.write_text(po.read_text().replace(zh, zh.replace("D2L ", "D2L §")))
    found = parity.citation_problems(cited)
    assert [p.split(":")[1].strip() for p in found] == [
        f"solutions/{EX.filename}",  # the book text missing
        f"solutions/{EX.filename}",  # and a wrong number, with §
        "README.md",  # the book text missing
        "README.md",  # and so its number
        "README.zh-CN.md",
        str(parity.ZH_CATALOG),
    ], found
    assert "cites section(s) ['4.2.2'] with §" in found[1]
    assert "cites section(s) none" in found[3]
    assert "cites section(s) ['4.2.1', '4.2.3']" in found[4]
    assert "cites section(s) ['4.2.1'] with §" in found[5]


def test_lessons_name_the_pinned_versions(cited):
    """``make upgrade`` rewrites constraints.txt: lessons still naming the old Keras are
    then reported, and so is a lesson whose Keras 3 facts name no version."""
    shutil.copy(ROOT / "constraints.txt", cited / "constraints.txt")
    assert parity.version_problems(cited) == []
    pins = cited / "constraints.txt"
    old = parity.pins(cited)["keras"]
    pins.write_text(pins.read_text().replace(f"keras=={old}", "keras==3.99.0"))
    found = parity.version_problems(cited)
    assert f"solutions/{EX.filename}: names Keras {old}; constraints.txt pins 3.99.0" in found
    assert any(p.startswith("README.md: names Keras") for p in found), found
    assert any(p.startswith(f"{parity.ZH_CATALOG} (the translations): names Keras") for p in found)
    shutil.copy(ROOT / "constraints.txt", pins)
    sol = cited / "solutions" / EX.filename
    text = sol.read_text()
    start = text.index("(checked on Keras")
    sol.write_text(text[:start] + ":" + text[text.index(":", start) + 1 :])
    assert parity.version_problems(cited) == [
        f"solutions/{EX.filename}: its Keras 3 facts do not name the Keras and TensorFlow versions"
    ]


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


def test_the_readme_task_tables_list_the_catalogue_tasks(cited):
    """A task added to the catalogue but not to a README's exercise table is reported
    (the table's row lost a task here: the same difference)."""
    assert parity.citation_problems(cited) == []
    last = EX.tasks[-1].name
    en = cited / "README.md"
    en.write_text(en.read_text().replace(f", `{last}` |", " |", 1))
    zh = cited / "README.zh-CN.md"
    zh.write_text(zh.read_text().replace(f"、`{last}` |", " |", 1))
    found = parity.citation_problems(cited)
    assert [p.split(":")[0] for p in found] == ["README.md", "README.zh-CN.md"], found
    assert all(f"{EX.name}'s tasks" in p and last in p.split("catalogue has")[1] for p in found)


# ------------------------------------------------- README.zh-CN.md keeps up (issue 22.9)


@pytest.fixture
def readmes(tmp_path):
    """The guides in both languages (the READMEs, docs/) and the Makefile, as committed."""
    (tmp_path / "docs").mkdir()
    for name in ("Makefile", *(name for pair in parity.GUIDES for name in pair)):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_chinese_readme_keeps_up_on_the_repository():
    assert parity.readme_problems() == []


def test_the_chinese_readme_check_sees_a_removed_section(readmes):
    assert parity.readme_problems(readmes) == []
    zh = readmes / "README.zh-CN.md"
    text = zh.read_text(encoding="utf-8")
    zh.write_text(text.replace("## 在 Jupyter 中练习\n", "## Jupyter\n"), encoding="utf-8")
    assert parity.readme_problems(readmes) == [
        "README.zh-CN.md: lacks the section '在 Jupyter 中练习' (README.md's 'Working in Jupyter')"
    ]


def test_the_chinese_readme_check_sees_a_missing_target_variable_and_option(readmes):
    for zh in (readmes / "README.zh-CN.md", readmes / "docs" / "instructors.zh-CN.md"):
        text = zh.read_text(encoding="utf-8")
        for old, new in (
            ("make notebook", "make nb"),
            ("KATA_SANDBOX", "KATA_X"),
            ("--quiet", "-q"),
        ):
            text = text.replace(old, new)
        zh.write_text(text, encoding="utf-8")
    assert parity.readme_problems(readmes) == [
        "README.zh-CN.md: lacks the learner target make notebook that README.md names",
        "docs/instructors.zh-CN.md: lacks the KATA_ variable KATA_SANDBOX that docs/instructors.md names",
        "docs/instructors.zh-CN.md: lacks the option --quiet that docs/instructors.md names",
    ]


def test_the_chinese_guides_check_sees_a_removed_section_of_docs(readmes):
    zh = readmes / "docs" / "maintainers.zh-CN.md"
    zh.write_text(
        zh.read_text(encoding="utf-8").replace("## 维护者\n", "## 其他\n"), encoding="utf-8"
    )
    assert parity.readme_problems(readmes) == [
        "docs/maintainers.zh-CN.md: lacks the section '维护者' (docs/maintainers.md's 'For maintainers')"
    ]


def test_a_new_english_section_needs_its_chinese_heading(readmes):
    en = readmes / "README.md"
    en.write_text(en.read_text(encoding="utf-8") + "\n## Something new\n", encoding="utf-8")
    assert parity.readme_problems(readmes) == [
        "README.md: section 'Something new' has no Chinese heading in "
        "kata/dev/verify/parity.py README_SECTIONS"
    ]


def test_a_job_leaves_no_temporary_directory_behind(tmp_path):
    """What a verify job makes with ``tempfile`` (the ex08 doctests' ``mkdtemp()``) goes
    with the job: a sweep of mutants and doctests left hundreds of folders in /tmp."""
    made = tmp_path / "made.txt"
    test = tmp_path / "test_makes_a_temporary_directory.py"
    test.write_text(
        textwrap.dedent(
            f"""
            import pathlib, tempfile

            def test_makes_one():
                pathlib.Path({str(made)!r}).write_text(tempfile.mkdtemp())
            """
        )
    )
    key, verdicts = jobs._work(jobs.Job(("solution", "probe"), (str(test),)))
    assert key == ("solution", "probe") and list(verdicts.values()) == [True]
    folder = made.read_text()
    assert folder and not Path(folder).exists(), folder


def test_the_doctests_check_fails_when_no_docstring_ran():
    """No verdict for the solutions' doctests is a problem, unless no solution was asked for."""
    assert doctests.report({}, [EX.name], None) == ["doctests: no docstring was run"]
    assert doctests.report({}, [], None) == []
