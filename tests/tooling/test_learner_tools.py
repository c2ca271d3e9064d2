"""Tooling tests for the learner's commands: make test EX/TASK, progress, hint, reset, watch.

Each test works on a copy of the kata in a temporary folder (the real .venv linked
in), so the repository's exercises and .kata/ state are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty, Queue

import pytest

from kata import ROOT

COPY = ("kata", "exercises", "solutions", "Makefile", "pyproject.toml", "constraints.txt")


@pytest.fixture
def kata_copy(tmp_path: Path) -> Path:
    """A copy of the kata whose graded suite is ex01 only (fast), with .venv linked."""
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tmp_path / name)
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "helpers.py", "test_ex01_access_params.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    # older than the shared venv's install stamp, so make does not reinstall the
    # package from this copy into the real .venv
    os.utime(tmp_path / "pyproject.toml", (0, 0))
    os.utime(tmp_path / "constraints.txt", (0, 0))
    return tmp_path


def run(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "KATA_TARGET": "", "NO_COLOR": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def learn(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run(root, sys.executable, "-m", "kata", *args)


def test_copy_uses_its_own_kata_package(kata_copy):
    out = run(kata_copy, sys.executable, "-c", "import kata; print(kata.ROOT)")
    assert out.stdout.strip() == str(kata_copy)


# ---------------------------------------------------------------------- hint


def test_hint_levels_advance_then_stay_at_the_last(kata_copy):
    seen = []
    for _ in range(4):
        out = learn(kata_copy, "hint", "ex01", "count_params")
        assert out.returncode == 0, out.stderr
        seen.append(out.stdout.splitlines()[0])
    assert [s.split()[1] for s in seen] == ["1/3", "2/3", "3/3", "3/3"]
    assert "count_params" in seen[0]


def test_hint_level_option_and_default_task(kata_copy):
    out = learn(kata_copy, "hint", "ex01", "find_param", "--level", "2")
    assert out.returncode == 0 and out.stdout.startswith(
        "hint 2/3 for ex01_access_params.find_param"
    )
    out = learn(kata_copy, "hint", "ex01")  # no task: the first task not done
    assert out.returncode == 0 and "ex01_access_params.build_mlp" in out.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("hint", "ex99"), "the exercises are: ex01_access_params"),
        (("hint", "ex01", "nope"), "its tasks are: build_mlp"),
        (("hint", "ex01", "count_params", "--level", "9"), "hint levels 1 to 3"),
        (("hint",), "which exercise?"),
    ],
)
def test_hint_bad_input_is_a_clear_error(kata_copy, args, needle):
    out = learn(kata_copy, *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_hint_survives_a_corrupt_state_file(kata_copy):
    state = kata_copy / ".kata" / "state.json"
    state.parent.mkdir()
    state.write_text("{not json")
    out = learn(kata_copy, "hint", "ex01", "build_mlp")
    assert out.returncode == 0 and "hint 1/3" in out.stdout
    assert "starting it afresh" in out.stderr
    assert json.loads(state.read_text())["hints"] == {"ex01_access_params::build_mlp": 1}


# --------------------------------------------------------------------- reset


def test_reset_backs_up_then_restores_the_stub(kata_copy):
    path = kata_copy / "exercises" / "ex01_access_params.py"
    stub = path.read_text()
    for attempt in ("# my first attempt\n", "# my second attempt\n"):
        path.write_text(stub + attempt)
        out = learn(kata_copy, "reset", "ex01")
        assert out.returncode == 0, out.stderr
        assert path.read_text() == stub
        assert "saved as .kata/backups/ex01_access_params." in out.stdout
    backups = sorted((kata_copy / ".kata" / "backups").glob("ex01_access_params.*.py"))
    assert [b.read_text()[len(stub) :] for b in backups] == [
        "# my first attempt\n",
        "# my second attempt\n",
    ]


def test_reset_of_an_untouched_stub_changes_nothing(kata_copy):
    out = learn(kata_copy, "reset", "ex01_access_params")
    assert out.returncode == 0 and "nothing to do" in out.stdout
    assert not (kata_copy / ".kata" / "backups").exists()


def test_reset_unknown_exercise_changes_nothing(kata_copy):
    path = kata_copy / "exercises" / "ex01_access_params.py"
    path.write_text(path.read_text() + "# work in progress\n")
    before = {p.name: p.read_text() for p in (kata_copy / "exercises").iterdir()}
    out = learn(kata_copy, "reset", "ex1_access")
    assert out.returncode == 2
    assert "ex01_access_params, ex02_builtin_init" in out.stderr
    assert {p.name: p.read_text() for p in (kata_copy / "exercises").iterdir()} == before
    assert not (kata_copy / ".kata").exists()


# ------------------------------------------------- make test EX/TASK, progress


def test_make_test_one_task(kata_copy):
    out = run(kata_copy, "make", "--no-print-directory", "test", "EX=ex01", "TASK=count_params")
    assert out.returncode != 0  # the stub is not started
    assert "2 not started" in out.stdout and "deselected" in out.stdout
    assert "count_params" in out.stdout and "Traceback" not in out.stdout


def test_make_test_bad_task_lists_the_tasks(kata_copy):
    out = run(kata_copy, "make", "--no-print-directory", "test", "EX=ex01", "TASK=count")
    assert out.returncode != 0
    assert "its tasks are: build_mlp, hidden_kernel" in out.stderr


def test_progress_shows_every_task_and_the_next(kata_copy):
    shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", kata_copy / "exercises")
    path = kata_copy / "exercises" / "ex01_access_params.py"
    path.write_text(
        path.read_text().replace("return int(sum(", "return 1 + int(sum(")
    )  # count_params wrong
    out = learn(kata_copy, "progress")
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()}
    assert "✓ done" in lines["ex01_access_params"]  # build_mlp, the first row
    row = next(line for line in out.stdout.splitlines() if " count_params " in line)
    assert "✗ failing" in row and "0/1" in row
    assert "next: ex01_access_params.count_params" in out.stdout
    assert "total: 9/10 points" in out.stdout


# --------------------------------------------------------------------- watch


def test_watch_regrades_on_save_in_one_process(kata_copy):
    env = {**os.environ, "PYTHONPATH": str(kata_copy), "KATA_TARGET": ""}
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "kata", "watch", "--interval", "0.02", "--timeout", "5"],
        cwd=kata_copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    queue: Queue = Queue()
    threading.Thread(target=lambda: [queue.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(needle: str, limit: float = 120) -> str:
        """The next status line holding ``needle``; fails (never hangs) after ``limit`` s."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                line = queue.get(timeout=max(0.0, end - time.monotonic()))
            except Empty:
                break
            lines.append(line)
            if needle in line:
                return line
        raise AssertionError(f"no {needle!r} in watch output:\n{''.join(lines)}")

    path = kata_copy / "exercises" / "ex01_access_params.py"
    try:
        wait_for("watching")
        shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", path)
        assert "✓ done" in wait_for("] ex01_access_params:")
        path.write_text(path.read_text() + "\ndef oops(:\n")
        wait_for("cannot import")
        path.write_text(
            path.read_text().replace(
                "def oops(:", "def build_mlp(*a, **k):\n    while True:\n        pass"
            )
        )
        assert "no verdict" in wait_for("] ex01_access_params:")
        shutil.copy(kata_copy / "solutions" / "ex01_access_params.py", path)
        assert "✓ done" in wait_for("] ex01_access_params:")
        assert proc.poll() is None, "the watcher must keep running"
        assert sum("loading TensorFlow" in line for line in lines) == 1, "TensorFlow is loaded once"
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    wait_for("watch stopped", limit=5)
    assert proc.returncode == 0
