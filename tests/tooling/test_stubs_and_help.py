"""Tooling tests for what rewrites ``exercises/`` and for ``make help`` (issue 11,
item 2): ``make stubs`` refuses to overwrite work without FORCE=1 and backs every
differing file up first; ``make help`` lists the learner's targets only, the
instructor's and maintainer's are under ``make help-dev``."""

from __future__ import annotations

from tests.tooling.copies import make

EX01 = "exercises/ex01_access_params.py"
LEARNER = ("test", "progress", "hint", "solution", "reset", "watch")
OTHERS = ("verify", "stubs", "bench", "upgrade", "grade", "grade-all", "release", "gradescope")


def _targets(help_text: str) -> set[str]:
    return {line.split()[1] for line in help_text.splitlines() if line.startswith("  make ")}


def test_stubs_refuses_to_overwrite_work_without_force(kata_copy):
    path = kata_copy / EX01
    stub = path.read_text()
    path.write_text(stub + "# my work\n")
    out = make(kata_copy, "stubs")
    assert out.returncode != 0
    assert "refusing to overwrite" in out.stderr and "FORCE=1" in out.stderr
    assert path.read_text() == stub + "# my work\n"
    assert not (kata_copy / ".kata" / "backups").exists()


def test_stubs_with_force_backs_up_every_differing_file_first(kata_copy):
    path = kata_copy / EX01
    stub = path.read_text()
    path.write_text(stub + "# my work\n")
    out = make(kata_copy, "stubs", "FORCE=1")
    assert out.returncode == 0, out.stderr
    assert path.read_text() == stub
    backups = list((kata_copy / ".kata" / "backups").glob("ex01_access_params.*.py"))
    assert [b.read_text() for b in backups] == [stub + "# my work\n"]
    assert "backed up exercises/ex01_access_params.py" in out.stdout
    again = make(kata_copy, "stubs", "FORCE=1")  # nothing differs: nothing written or saved
    assert "already match" in again.stdout
    assert len(list((kata_copy / ".kata" / "backups").iterdir())) == 1


def test_help_shows_the_learners_targets_and_help_dev_the_others(kata_copy):
    learner = make(kata_copy, "help")
    dev = make(kata_copy, "help-dev")
    assert learner.returncode == 0 and dev.returncode == 0
    shown = _targets(learner.stdout)
    assert set(LEARNER) <= shown
    assert not shown & set(OTHERS), shown & set(OTHERS)
    assert "make help-dev" in learner.stdout  # the way to the others
    assert set(OTHERS) <= _targets(dev.stdout)
    assert not _targets(dev.stdout) & set(LEARNER)


def test_stubs_rewrites_an_untouched_stub_without_force(kata_copy):
    """A solution's docstring changed: the exercise, still the committed stub, holds no
    work and is rewritten (no backup); the same file with a learner's line is protected."""
    import subprocess

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(kata_copy)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "kata"], check=True)
    solution = kata_copy / "solutions" / "ex01_access_params.py"
    old = solution.read_text()
    doc = '"""The chapter\'s MLP, not yet built'
    assert doc in old
    solution.write_text(old.replace(doc, '"""The chapter\'s MLP, built later', 1))
    out = make(kata_copy, "stubs")
    assert out.returncode == 0, out.stderr
    assert "The chapter's MLP, built later" in (kata_copy / EX01).read_text()
    assert not (kata_copy / ".kata" / "backups").exists()
    # Committed, then worked on: protected again.
    subprocess.run([*git, "commit", "-qam", "new docstring"], check=True)
    (kata_copy / EX01).write_text((kata_copy / EX01).read_text() + "# my work\n")
    solution.write_text(old)
    out = make(kata_copy, "stubs")
    assert out.returncode != 0 and "refusing to overwrite" in out.stderr
