"""Copies of the kata for tooling tests: a temporary folder with the kata's code,
exercises and (some) graded suites, the real ``.venv`` linked in, so that the
repository's exercises and ``.kata/`` state are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from kata import ROOT

COPY = ("kata", "exercises", "solutions", "Makefile", "pyproject.toml", "constraints.txt")


def make_copy(dest: Path, suites=("test_ex01_access_params.py",)) -> Path:
    """A copy of the kata in ``dest`` whose graded suites are ``suites`` (ex01 only: fast)."""
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    (dest / "tests").mkdir()
    for name in ("__init__.py", "helpers.py", *suites):
        shutil.copy(ROOT / "tests" / name, dest / "tests" / name)
    link_venv(dest)
    return dest


def link_venv(dest: Path) -> None:
    """Link the real .venv into ``dest``; its pyproject.toml and constraints.txt are made
    older than the venv's install stamp, so make does not reinstall from the copy."""
    (dest / ".venv").symlink_to(ROOT / ".venv")
    for name in ("pyproject.toml", "constraints.txt"):
        if (dest / name).exists():
            os.utime(dest / name, (0, 0))


def env_for(root: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "KATA_TARGET": "", "NO_COLOR": "1", **extra}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run(root: Path, *args: str, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=root, env=env_for(root, **env), capture_output=True, text=True, timeout=timeout
    )


def learn(root: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return run(root, sys.executable, "-m", "kata", *args, **env)


def make(root: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return run(root, "make", "--no-print-directory", *args, **env)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def ignoring_ctrl_c() -> None:
    """``preexec_fn`` that starts a child as a script's ``cmd &`` does: with SIGINT
    ignored. Ctrl-C must still stop the kata's commands (``kata.cli.listen_to_ctrl_c``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
