"""Tooling tests of the grader's intake (``kata.grading.intake``): archives unpacked
safely, near-miss names taken with a note, the worked module preferred over an
untouched stub. No test here runs a graded suite (that is ``test_course.py``'s)."""

from __future__ import annotations

import io
import json
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from kata import ROOT
from kata.core import catalogue
from kata.grading import intake
from kata.grading.grade import take
from kata.grading.model import ExerciseGrade, Grade

EX01, EX02 = "ex01_access_params", "ex02_builtin_init"
SOLVED = {n: (ROOT / "solutions" / f"{n}.py").read_text() for n in (EX01, EX02)}
STUB = {n: (ROOT / "exercises" / f"{n}.py").read_text() for n in (EX01, EX02)}


def _notebook(path: Path, code: str) -> Path:
    cell = {"cell_type": "code", "metadata": {}, "source": code, "outputs": []}
    cell["execution_count"] = None
    path.write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})
    )
    return path


def _taken(sub_dir: Path, *names: str) -> tuple[Grade, dict[str, Path]]:
    result = Grade(sub_dir.name, {n: ExerciseGrade(catalogue.exercise(n)) for n in names})
    with intake.Submission(sub_dir) as sub:
        modules = {n: p.read_bytes() for n, p in take(sub, result, ROOT).items()}
    return result, modules


@pytest.mark.parametrize(
    "stem",
    [
        "ex02_builtin_init",
        "Ex02_Builtin_Init",
        "ex02_builtin_init (1)",
        "ex02_builtin_init(2)",
        "ex02_builtin_init - Copy",
        "ex02_builtin_init - Copy (3)",
        "ex02_builtin_init copy 2",
        "ex02_builtin_init_copy",
        "EX02-builtin-init",
    ],
)
def test_near_miss_names_are_the_exercise(stem):
    assert intake.normalized(stem) == EX02


@pytest.mark.parametrize("stem", ["ex02_builtin", "ex02_builtin_init_v2", "ex03_custom_init", "x"])
def test_other_names_are_not(stem):
    assert intake.normalized(stem) != EX02


def test_untouched_stubs_are_told_from_work(tmp_path):
    for name in (EX01, EX02):
        (tmp_path / "stub.py").write_text(STUB[name])
        assert intake.untouched_stub(tmp_path / "stub.py"), name
        (tmp_path / "work.py").write_text(SOLVED[name])
        assert not intake.untouched_stub(tmp_path / "work.py"), name
    assert intake.untouched_stub(_notebook(tmp_path / "stub.ipynb", STUB[EX01]))
    assert not intake.untouched_stub(_notebook(tmp_path / "work.ipynb", SOLVED[EX01]))
    (tmp_path / "latin1.py").write_bytes(
        "# -*- coding: latin-1 -*-\n# café\nx = 1\n".encode("latin-1")
    )
    assert not intake.untouched_stub(tmp_path / "latin1.py"), "unreadable here is not a stub"


def test_near_miss_names_are_graded_with_a_note(tmp_path):
    (tmp_path / "Ex01_Access_Params.py").write_text(SOLVED[EX01])
    (tmp_path / "ex02_builtin_init (1).py").write_text(SOLVED[EX02])
    result, modules = _taken(tmp_path, EX01, EX02)
    assert modules == {EX01: SOLVED[EX01].encode(), EX02: SOLVED[EX02].encode()}
    e1, e2 = result.exercises[EX01], result.exercises[EX02]
    assert e1.module == "Ex01_Access_Params.py" and e2.module == "ex02_builtin_init (1).py"
    assert e1.flags[0] == f"graded Ex01_Access_Params.py as {EX01}.py"
    assert e2.flags[0] == f"graded ex02_builtin_init (1).py as {EX02}.py"


def test_a_worked_notebook_wins_over_the_untouched_stub(tmp_path):
    """Notebooks finished at the top, the untouched stubs still in exercises/."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / f"{EX01}.py").write_text(STUB[EX01])
    _notebook(tmp_path / f"{EX01}.ipynb", SOLVED[EX01])
    result, modules = _taken(tmp_path, EX01)
    e = result.exercises[EX01]
    assert e.module == f"{EX01}.ipynb" and EX01 in modules
    assert f"ignored exercises/{EX01}.py (an untouched stub; graded {EX01}.ipynb)" in e.flags


def test_the_worked_copy_wins_and_the_other_is_flagged(tmp_path):
    (tmp_path / f"{EX02}.py").write_text(STUB[EX02])
    (tmp_path / f"{EX02} (1).py").write_text(SOLVED[EX02])
    result, modules = _taken(tmp_path, EX02)
    assert modules[EX02] == SOLVED[EX02].encode()
    assert any(
        f.startswith(f"ignored {EX02}.py (an untouched stub") for f in result.exercises[EX02].flags
    )
    # Two worked copies: the exact name, the other flagged for review.
    (tmp_path / f"{EX02}.py").write_text(SOLVED[EX02] + "\n# mine\n")
    result, modules = _taken(tmp_path, EX02)
    assert modules[EX02].endswith(b"# mine\n")
    assert any("another copy" in f for f in result.exercises[EX02].flags)
    # Only stubs: the stub at the exact name is graded (and fails its tests).
    (tmp_path / f"{EX02}.py").write_text(STUB[EX02])
    (tmp_path / f"{EX02} (1).py").write_text(STUB[EX02])
    _, modules = _taken(tmp_path, EX02)
    assert modules[EX02] == STUB[EX02].encode()


def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] = {}) -> Path:  # noqa: B006
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_a_downloaded_zip_is_unpacked(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    _zip(
        sub / "submission.zip",
        {
            "kata-main/": b"",  # directories have entries of their own, as GitHub's zips do
            f"kata-main/exercises/{EX01}.py": SOLVED[EX01].encode(),
            f"__MACOSX/kata-main/exercises/._{EX01}.py": b"\x00\x05\x16\x07",
            "kata-main/README.md": b"#",
        },
    )
    result, modules = _taken(sub, EX01)
    e = result.exercises[EX01]
    assert modules[EX01] == SOLVED[EX01].encode()
    assert e.status == "graded" and e.module == f"submission.zip:kata-main/exercises/{EX01}.py"
    assert e.flags[0] == f"graded submission.zip:kata-main/exercises/{EX01}.py"
    assert not any("submission.zip" in f for f in result.flags), result.flags
    assert not list(tmp_path.glob("kata-grade-*")), "the unpacked files are removed"


def test_a_tar_gz_is_unpacked(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    with tarfile.open(sub / "work.tar.gz", "w:gz") as tf:
        folder = tarfile.TarInfo("notes")
        folder.type = tarfile.DIRTYPE
        tf.addfile(folder)
        data = SOLVED[EX02].encode()
        info = tarfile.TarInfo("Ex02_Builtin_Init.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    result, modules = _taken(sub, EX02)
    assert modules[EX02] == SOLVED[EX02].encode()
    assert result.exercises[EX02].module == "work.tar.gz:Ex02_Builtin_Init.py"
    assert not any("work.tar.gz" in f for f in result.flags), result.flags


def test_archives_cannot_write_outside_or_link(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    _zip(
        sub / "evil.zip",
        {"../escaped.py": b"x = 1", f"{tmp_path}/abs.py": b"x = 1", f"{EX01}.py": b"x = 1"},
        links={"exercises": "/etc"},
    )
    with tarfile.open(sub / "evil.tar", "w") as tf:
        link = tarfile.TarInfo(f"{EX02}.py")
        link.type, link.linkname = tarfile.SYMTYPE, str(ROOT / "solutions" / f"{EX02}.py")
        tf.addfile(link)
        dev = tarfile.TarInfo("dev")
        dev.type = tarfile.CHRTYPE
        tf.addfile(dev)
    with intake.Submission(sub) as s:
        unpacked = [p for p, shown, base in s.entries if base != sub]
        assert all(p.is_file() and not p.is_symlink() for p in unpacked)
        assert {p.name for p in unpacked} == {f"{EX01}.py"}
        assert all(s._tmp in p.parents for p in unpacked)
        flags = " | ".join(s.flags)
        assert "../escaped.py refused (outside" in flags and f"{tmp_path}/abs.py refused" in flags
        assert "exercises refused (not a regular" in flags and f"{EX02}.py refused" in flags
        assert "dev refused" in flags
        assert s.find(EX02) is None
    assert not (tmp_path / "escaped.py").exists() and not (tmp_path / "abs.py").exists()
    assert not s._tmp.exists(), "leaving the with block removes what was unpacked"


def test_archives_over_the_caps_are_not_unpacked(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    _zip(sub / "many.zip", {f"f{i}.txt": b"" for i in range(5)} | {f"{EX01}.py": b"x = 1"})
    _zip(sub / "big.zip", {f"{EX02}.py": b"#" * 5000})
    monkeypatch.setattr(intake, "MAX_MEMBERS", 4)
    monkeypatch.setattr(intake, "MAX_BYTES", 4000)
    result, modules = _taken(sub, EX01, EX02)
    assert modules == {}
    assert "many.zip: not unpacked (6 members, more than 4)" in result.flags
    assert any(f.startswith("big.zip: not unpacked (") for f in result.flags)
    assert result.exercises[EX01].status == "missing"


def test_a_missing_module_names_the_near_names(tmp_path):
    (tmp_path / "ex01_acess_params.py").write_text(SOLVED[EX01])
    result, _ = _taken(tmp_path, EX01)
    assert "ex01_acess_params.py" in result.exercises[EX01].reason


def test_links_are_refused_not_followed(tmp_path):
    (tmp_path / "exercises").symlink_to(ROOT / "solutions")
    result, modules = _taken(tmp_path, EX01)
    e = result.exercises[EX01]
    assert modules == {} and (e.status, e.score) == ("refused", 0) and "symbolic link" in e.reason
    (tmp_path / "exercises").unlink()
    (tmp_path / f"{EX01}.py").symlink_to(ROOT / "solutions" / f"{EX01}.py")
    result, modules = _taken(tmp_path, EX01)
    assert modules == {} and result.exercises[EX01].status == "refused"


def test_the_learner_is_told_which_file_counted(tmp_path):
    from kata.grading import reports

    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / f"{EX01}.py").write_text(SOLVED[EX01])
    (tmp_path / "Ex02_Builtin_Init (1).py").write_text(SOLVED[EX02])
    result, _ = _taken(tmp_path, EX01, EX02)
    out = reports.gradescope(result)["output"]
    assert "(graded Ex02_Builtin_Init (1).py)" in out
    assert f"graded exercises/{EX01}.py" not in out, "the usual place needs no word"


def test_the_byte_cap_holds_for_all_archives_together(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    _zip(sub / "a.zip", {f"{EX01}.py": b"#" * 3000})
    _zip(sub / "b.zip", {f"{EX02}.py": b"#" * 3000})
    monkeypatch.setattr(intake, "MAX_BYTES", 4000)
    result, modules = _taken(sub, EX01, EX02)
    assert list(modules) == [EX01], "the second archive would pass the submission's cap"
    assert any(f.startswith("b.zip: not unpacked (") for f in result.flags), result.flags


def test_a_tar_bomb_is_stopped_at_the_cap(tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    with tarfile.open(sub / "bomb.tar", "w") as tf:
        for i in range(50):
            info = tarfile.TarInfo(f"f{i}.txt")
            tf.addfile(info, io.BytesIO(b""))
    monkeypatch.setattr(intake, "MAX_MEMBERS", 10)
    read = []
    real_next = tarfile.TarFile.next
    monkeypatch.setattr(tarfile.TarFile, "next", lambda self: read.append(1) or real_next(self))
    result, _ = _taken(sub, EX01)
    assert "bomb.tar: not unpacked (11 members, more than 10)" in result.flags
    # stopped at the first member past the cap (tarfile.open reads the first member once
    # per format it tries), not at the end of the 50
    assert len(read) < 20, len(read)


def test_the_kata_s_own_files_in_a_repository_are_not_candidates(tmp_path):
    """A learner's whole repository: its exercises/ is graded even when untouched, never
    the pristine stubs of kata/, a backup in .kata/, or solutions/ beside exercises/."""
    repo = tmp_path / "repo"
    for d in ("exercises", "solutions", "kata/learner/pristine", ".kata/backups", "tests"):
        (repo / d).mkdir(parents=True)
    (repo / "exercises" / f"{EX01}.py").write_text(STUB[EX01])
    (repo / "solutions" / f"{EX01}.py").write_text(SOLVED[EX01])
    (repo / "kata/learner/pristine" / f"{EX01}.py").write_text(STUB[EX01])
    (repo / ".kata/backups" / f"{EX01}.py").write_text(SOLVED[EX01])
    (repo / "tests" / f"{EX01}.py").write_text(SOLVED[EX01])
    result, modules = _taken(repo, EX01)
    assert result.exercises[EX01].module == f"exercises/{EX01}.py"
    assert modules[EX01] == STUB[EX01].encode() and result.exercises[EX01].flags == []
    # a folder of the learner's that happens to be called solutions/ still counts
    alone = tmp_path / "alone"
    (alone / "solutions").mkdir(parents=True)
    (alone / "solutions" / f"{EX01}.py").write_text(SOLVED[EX01])
    assert _taken(alone, EX01)[0].exercises[EX01].module == f"solutions/{EX01}.py"
