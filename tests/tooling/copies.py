"""Copies of the kata for tooling tests: a temporary folder with the kata's code,
exercises and (some) graded suites, the real ``.venv`` linked in, so that the
repository's exercises and ``.kata/`` state are never touched.

``run`` and ``make`` start ``python -m kata …`` and ``python -m pytest …`` warm
(``warm.py``): forked from a process that imported TensorFlow once."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kata import ROOT
from tests.tooling import warm

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
    return python(args, root, env_for(root, **env), timeout)


def python(args, cwd: Path, env: dict[str, str], timeout: float = 300):
    """``subprocess.run(args, cwd=…, env=…, capture_output=True, text=True)``, started
    warm (``warm.py``) when ``args`` is ``python -m kata|pytest …``."""
    args = [str(a) for a in args]
    if args[:2] == [sys.executable, "-m"] and args[2] in ("kata", "pytest"):
        args = [sys.executable, str(WARM), *args[2:]]
        env = {**env, warm.VAR: warm_socket()}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


WARM = Path(warm.__file__)
_SERVER: list = []  # [socket path, server process] once started


def warm_server_pid() -> int | None:
    """The pid of this test process's warm server, if it has started."""
    return _SERVER[1].pid if _SERVER else None


def warm_socket() -> str:
    """The socket of this test process's warm server (started on first use, ended with
    the test process)."""
    if not _SERVER:
        folder = tempfile.mkdtemp(prefix="kata-warm-")
        path = os.path.join(folder, "socket")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", warm.VAR)}
        server = subprocess.Popen(
            [sys.executable, str(WARM), "--serve", path],
            stdin=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        atexit.register(_stop, server, folder)
        while not os.path.exists(path):
            assert server.poll() is None, "the warm server did not start"
            time.sleep(0.05)
        _SERVER[:] = [path, server]
    return _SERVER[0]


def _stop(server: subprocess.Popen, folder: str) -> None:
    server.stdin.close()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(folder, ignore_errors=True)


def learn(root: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return run(root, sys.executable, "-m", "kata", *args, **env)


def make(root: Path, *args: str, **env) -> subprocess.CompletedProcess:
    """``make ARGS`` in ``root``, its ``kata`` commands started warm."""
    kata = f"KATA={sys.executable} {WARM} kata"
    return run(
        root, "make", "--no-print-directory", kata, *args, **env, **{warm.VAR: warm_socket()}
    )


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def ignoring_ctrl_c() -> None:
    """``preexec_fn`` that starts a child as a script's ``cmd &`` does: with SIGINT
    ignored. Ctrl-C must still stop the kata's commands (``kata.cli.listen_to_ctrl_c``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
