"""The grader's sandbox: a pristine tree, and pytest run in it under a watchdog.

``build_tree`` copies the kata's grading subpackages (``kata.core.editions.GRADING``), graded tests (hidden ones
included) and a generated pytest configuration into a fresh directory, plus only
the exercise modules of the submission (under ``submission/``). ``run`` starts
pytest there in its own process group and watches it: a test running longer than
the time limit, or the process group's resident memory above the limit, kills
the whole group. What each finished test did is read back from the stream that
``kata.grading.stream_plugin`` writes, and only lines carrying this run's token count.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kata.core import editions
from kata.core.i18n import language

PLUGINS = ("kata.testing.plugin", "pytest_check.plugin", "kata.grading.stream_plugin")
INI = """\
[pytest]
testpaths = tests
python_files = test_*.py
addopts = -p no:cacheprovider
markers =
    task(name): the catalogue task the test grades
    hidden: instructor-only test
filterwarnings =
    ignore::DeprecationWarning
    ignore::FutureWarning
"""
# Instructor-only or answer-revealing parts of tests/, never copied.
TEST_DIRS_SKIPPED = {"tooling", "mutants", "alternatives", "__pycache__"}
LOG_LIMIT = 20 * 2**20  # bytes of output (and of any file) the tests may write


@dataclass
class Limits:
    timeout: float = 60.0  # seconds per test (setup, call and teardown)
    memory_mb: int = 3000  # resident memory of the whole process group
    startup: float = 300.0  # seconds allowed with no test running (imports, collection)


@dataclass
class Run:
    """What one pytest process did, as far as the grader saw it."""

    exercises: list[str]
    collected: list[dict] | None = None
    ended: dict[str, dict] = field(default_factory=dict)  # nodeid -> end line, in order
    running: str | None = None  # started, never ended
    finished: bool = False
    killed: str = ""  # why the watchdog killed it
    returncode: int | None = None
    forged: int = 0  # lines without this run's token
    seconds: float = 0.0

    @property
    def tests(self) -> dict[str, dict]:
        return {t["id"]: t for t in self.collected or []}


# ------------------------------------------------------------------- the tree


def find_module(submission: Path, name: str) -> Path | None:
    """``<name>.py`` in the submission: at the top, in ``exercises/``, else the shallowest."""
    for candidate in (submission / f"{name}.py", submission / "exercises" / f"{name}.py"):
        if candidate.is_file():
            return candidate
    found = sorted(submission.rglob(f"{name}.py"), key=lambda p: (len(p.parts), str(p)))
    return next((p for p in found if p.is_file() and ".venv" not in p.parts), None)


def test_files(root: Path, name: str) -> list[Path]:
    """The graded test files of one exercise in the kata at ``root`` (hidden ones last)."""
    files = [root / "tests" / f"test_{name}.py", root / "tests" / "hidden" / f"test_{name}.py"]
    return [f for f in files if f.is_file()]


def _copy_tests(root: Path, dest: Path) -> None:
    src = root / "tests"
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if rel.parts[0] in TEST_DIRS_SKIPPED or path.is_dir() or path.suffix != ".py":
            continue
        if len(rel.parts) > 1 and rel.parts[0] != "hidden":
            continue
        target = dest / "tests" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def build_tree(root: Path, modules: dict[str, Path], dest: Path) -> Path:
    """A pristine tree in ``dest``: the kata package, its tests and the given modules."""
    dest.mkdir(parents=True, exist_ok=True)
    editions.copy_kata(root, dest, editions.GRADING)
    _copy_tests(root, dest)
    (dest / "pytest.ini").write_text(INI)
    sub = dest / "submission"
    sub.mkdir()
    for name, path in modules.items():
        shutil.copyfile(path, sub / f"{name}.py")
    return dest


# -------------------------------------------------------------------- running


def _env(tree: Path, stream: Path, seed: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHON", "KATA_"))}
    env.update(
        HOME=str(tree / "home"),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONPATH=str(tree),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        OMP_NUM_THREADS="1",
        CUDA_VISIBLE_DEVICES="",
        KERAS_BACKEND="tensorflow",
        KATA_GRADE_STREAM=str(stream),
        KATA_LANG=language(),  # the failure messages in the grader's language
    )
    if seed is not None:
        env["KATA_SEED"] = str(seed)
    return env


def command(tree: Path, files: list[Path]) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "-c", str(tree / "pytest.ini"), "--rootdir", str(tree)]
    for plugin in PLUGINS:
        cmd += ["-p", plugin]
    cmd += ["--target", str(tree / "submission"), "-q", "--tb=short", "-rN", "--color=no"]
    return cmd + [str(f.relative_to(tree)) for f in files]


@functools.cache
def unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) of ``nobody`` when the grader runs as root (as on Gradescope), else None.

    The tests then run as that user: they cannot signal the grader, nor write its
    outputs or the kata's files. None too when that user cannot run this Python
    (an interpreter under a private home directory, say): the tests then run as root.
    """
    if os.geteuid() != 0 or os.environ.get("KATA_GRADE_AS_ROOT"):
        return None
    import pwd

    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return None
    user = pw.pw_uid, pw.pw_gid
    probe = [sys.executable, "-c", "import pytest, pytest_check, numpy, kata"]
    try:
        ok = (
            subprocess.run(
                probe, preexec_fn=_child_setup(user), capture_output=True, cwd="/", timeout=120
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        ok = False
    return user if ok else None


def _child_setup(user: tuple[int, int] | None):
    def setup() -> None:  # runs in the child, before exec
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT, LOG_LIMIT))
        if user:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])

    return setup


def _hand_over(tree: Path, stream: Path, user: tuple[int, int] | None) -> None:
    """Let ``user`` read the tree and write its home and the stream, nothing else."""
    stream.touch(mode=0o600)
    home = tree / "home"
    home.mkdir(exist_ok=True)
    if user:
        for d in (tree.parent, tree):
            d.chmod(0o755)
        for path in (stream, home):
            os.chown(path, *user)


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in the group ``pgid``, in MiB."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in Path(entry.path, "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


class _Stream:
    """Reads the lines the reporter appends, keeping those with the token."""

    def __init__(self, path: Path, token: str, run: Run):
        self.path, self.token, self.run, self.pos, self.buf = path, token, run, 0, b""

    def poll(self) -> bool:
        """Read what is new; True if a test started or ended."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return False
        self.pos += len(data)
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        progress = False
        for raw in lines:
            try:
                line = json.loads(raw)
            except ValueError:
                self.run.forged += 1
                continue
            if not isinstance(line, dict) or line.get("token") != self.token:
                self.run.forged += 1
                continue
            progress |= self._take(line)
        return progress

    def _take(self, line: dict) -> bool:
        run, event = self.run, line.get("event")
        if event == "collected" and run.collected is None:
            run.collected = list(line.get("tests", []))
        elif event == "start" and run.running is None and line.get("id") in run.tests:
            run.running = line["id"]
            return True
        elif event == "end" and line.get("id") == run.running:
            run.ended[run.running] = line
            run.running = None
            return True
        elif event == "finish" and run.running is None:
            run.finished = True
        return False


def run(
    tree: Path, exercises: list[str], limits: Limits, *, log: Path, seed: int | None = None
) -> Run:
    """Run the tests of ``exercises`` in ``tree`` under the watchdog."""
    result = Run(list(exercises))
    files = [f for name in exercises for f in test_files(tree, name)]
    if not files:
        result.finished = True
        return result
    token = secrets.token_hex(16)
    stream_path = Path(tree.parent, f"stream-{token[:8]}.jsonl")
    stream = _Stream(stream_path, token, result)
    user = unprivileged_user()
    _hand_over(tree, stream_path, user)
    started = time.monotonic()
    with open(log, "ab") as out:
        out.write(f"\n$ pytest {' '.join(exercises)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            command(tree, files),
            cwd=tree,
            env=_env(tree, stream_path, seed),
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_child_setup(user),
        )
        try:
            proc.stdin.write(token.encode() + b"\n")
            proc.stdin.close()
        except OSError:
            pass
        _watch(proc, stream, limits)
    stream.poll()
    result.returncode = proc.returncode
    result.seconds = time.monotonic() - started
    return result


def _watch(proc: subprocess.Popen, stream: _Stream, limits: Limits) -> None:
    run = stream.run
    since = time.monotonic()  # when the current test (or the idle spell) began
    while proc.poll() is None:
        if stream.poll():
            since = time.monotonic()
        now = time.monotonic()
        reason = ""
        rss = group_rss_mb(proc.pid)
        if rss > limits.memory_mb:
            reason = f"memory limit: {rss:.0f} MiB resident, limit {limits.memory_mb} MiB"
        elif run.running and now - since > limits.timeout:
            reason = f"time limit: still running after {limits.timeout:g} s"
        elif not run.running and now - since > limits.startup:
            reason = f"stalled: no test started for {limits.startup:g} s"
        if reason:
            run.killed = reason
            _kill(proc)
            break
        time.sleep(0.1)
    # Leftovers (a child the tests forked) go with the group.
    _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
