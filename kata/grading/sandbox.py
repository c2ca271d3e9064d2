"""The grader's sandbox: a pristine tree, and pytest run in it under a watchdog.

``build_tree`` copies the kata's grading subpackages (``kata.core.editions.GRADING``),
the graded and hidden tests, a generated pytest configuration and only the
submission's exercise modules (under ``submission/``) into a fresh directory. ``run``
starts pytest for one exercise in a view of that tree of its own (hard links, and a
copy of its hidden tests that the stream plugin deletes once they are collected) and
kills it all when a test passes the time limit, the run holds more memory than the
limit, or its deadline (which no output moves) comes. What each finished test did is
read back from the stream ``kata.grading.stream_plugin`` writes: only well-formed
lines carrying this run's token count, any other line is a flag. ``run_exercise``
runs an exercise again without a task whose test timed out; ``run_all`` runs
exercises ``jobs`` at a time.

Each run is wrapped in bubblewrap where it can run (``detect``, ``bwrap_args``), in a
control group of its own as root (``kata.grading.cgroups``), else in the ``"process
group"`` fallback (its own session, ``nobody`` as root, a marker in the environment
that finds its processes to kill). docs/instructors.md ("The sandbox (bubblewrap)") says what
each isolates. Processes are found and measured with psutil.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from kata.core import editions, ipynb, settings
from kata.core.i18n import language
from kata.grading import cgroups

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
LOG_LIMIT = 20 * 2**20  # bytes of output (and of any file) the tests may write
NPROC_LIMIT = 1024  # processes and threads of the sandbox's user
CPU_LIMIT = 3600  # seconds of CPU time per process (the watchdog's wall-clock limits come first)
TMPFS_SIZE = 256 * 2**20  # bytes of the sandbox's /tmp
SANDBOX_UID = 65534  # nobody: the uid inside a user namespace, and the probe's
SANDBOX_UIDS = (3_000_000_000, 3_100_000_000)  # as root, each run gets a uid of its own here
HIDDEN_VAR = "KATA_GRADE_HIDDEN"  # the run's hidden tests, deleted by the plugin once collected
SHM_SIZE = 64 * 2**20  # bytes of the sandbox's /dev/shm
SANDBOX_VAR = "KATA_SANDBOX"  # "none" forces the fallback (bench's baseline, tests)
BWRAP = "bubblewrap"
FALLBACK = "process group"


@dataclass
class Limits:
    timeout: float = 60.0  # seconds per test (setup, call and teardown)
    memory_mb: int = 3000  # memory held by the run (resident, or charged to its cgroup)
    startup: float = 300.0  # seconds allowed with no test running (imports, collection)
    exercise: float = 600.0  # seconds for all the runs of one exercise, whatever they print
    submission: float = 2400.0  # seconds for a whole submission


@dataclass
class Run:
    """What one pytest process did, as far as the grader saw it."""

    exercise: str
    collected: list[dict] | None = None
    ended: dict[str, dict] = field(default_factory=dict)  # nodeid -> end line, in order
    running: str | None = None  # started, never ended
    killed: str = ""  # why the watchdog killed it
    timed_out: str = ""  # the test that passed the time limit (then killed)
    returncode: int | None = None
    forged: int = 0  # lines without this run's token
    seconds: float = 0.0
    log: bytes = b""  # the run's own output (capped)
    sandboxed: bool = False  # run in bubblewrap (its exit status carries the signal)

    @property
    def tests(self) -> dict[str, dict]:
        return {t["id"]: t for t in self.collected or []}

    @property
    def given_up(self) -> list[dict]:
        """The test that timed out and the tests of its task that had not ended."""
        if not self.timed_out:
            return []
        task = self.tests[self.timed_out]["task"]
        return [
            t
            for t in self.collected
            if t["id"] == self.timed_out or (t["task"] == task and t["id"] not in self.ended)
        ]


# ------------------------------------------------------------------- the tree


def test_files(root: Path, name: str) -> list[Path]:
    """The graded test files of one exercise in the kata at ``root`` (hidden ones last)."""
    files = [root / "tests" / f"test_{name}.py", root / "tests" / "hidden" / f"test_{name}.py"]
    return [f for f in files if f.is_file()]


def _copy_tests(root: Path, dest: Path) -> None:
    """The graded suites with their helpers, and the hidden tests: never tooling/,
    mutants/ or alternatives/ (instructor-only, or answers)."""
    src = root / "tests"
    for path in sorted([*src.glob("*.py"), *src.glob("hidden/**/*.py")]):
        target = dest / "tests" / path.relative_to(src)
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
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # never a link's target
        with os.fdopen(fd, "rb") as src, open(sub / f"{name}.py", "wb") as out:
            if path.suffix == ipynb.SUFFIX:  # a notebook: the module of its code cells
                out.write(ipynb.module_text_of(src.read(), path.name).encode("utf-8"))
            else:
                shutil.copyfileobj(src, out)
    for d, _, files in os.walk(dest):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    if (dest / "tests" / "hidden").is_dir():  # each run gets its own copy (``_run_tree``)
        os.chmod(dest / "tests" / "hidden", 0o700)
    return dest


# -------------------------------------------------------------------- running


def _env(tree: Path, stream: Path, home: Path, seed: int | None, marker: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        HOME=str(home),
        TMPDIR="/tmp" if home.is_relative_to("/tmp") else str(home),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONPATH=str(tree),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONNOUSERSITE="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        OMP_NUM_THREADS="1",
        CUDA_VISIBLE_DEVICES="",
        KERAS_BACKEND="tensorflow",
        KATA_GRADE_STREAM=str(stream),
        KATA_LANG=language(),  # the failure messages in the grader's language
        KATA_GRADE_RUN=marker,
        KATA_GUARD=settings.get("KATA_GUARD"),
    )
    if seed is not None:
        env["KATA_SEED"] = str(seed)
    return env


def command(tree: Path, targets: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "-c", str(tree / "pytest.ini"), "--rootdir", str(tree)]
    for plugin in PLUGINS:
        cmd += ["-p", plugin]
    cmd += ["--target", str(tree / "submission"), "-q", "--tb=short", "-rN", "--color=no"]
    cmd += ["--kata-timeout", "0"]  # the learner's per-test limit is off: the watchdog decides
    return cmd + targets  # test files or test ids, relative to the tree


# ------------------------------------------------------------------ sandboxes


@dataclass(frozen=True)
class Sandbox:
    """How the tests are isolated: ``name`` goes into ``grade.json``; ``note`` says why
    the fallback is used (empty for bubblewrap)."""

    name: str
    note: str = ""
    user: tuple[int, int] | None = None  # the fallback's unprivileged (uid, gid)


def _readable_roots() -> list[Path]:
    """What the interpreter needs: its installation, the venv and their packages."""
    roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
    for entry in sys.path:
        p = Path(entry or ".").resolve()
        if p.is_dir() and not any(p.is_relative_to(r) for r in roots):
            roots.add(p)
    system = (Path("/usr"), Path("/bin"), Path("/lib"), Path("/lib64"), Path("/sbin"), Path("/etc"))
    out = []
    for r in sorted(roots, key=lambda p: len(p.parts)):
        r = r.resolve()
        if r == Path("/") or any(r.is_relative_to(s) for s in system):
            continue
        if any(r.is_relative_to(o) for o in out):
            continue
        if (r / "solutions").is_dir() or (r / "tests" / "mutants").is_dir():
            continue  # never the kata's own checkout (sys.path may hold it)
        out.append(r)
    return out


def bwrap_args(
    tree: Path,
    stream: Path,
    as_root: bool,
    user: tuple[int, int] | None = None,
    hidden: Path | None = None,
) -> list[str]:
    """The bubblewrap command line (before the command it runs) for one run in ``tree``,
    as ``user`` when the grader is root; ``hidden`` (inside the tree) is writable."""
    args = ["bwrap", "--die-with-parent", "--new-session"]
    if as_root:  # real root: no user namespace, then setpriv drops to the real uid 65534
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        args += ["--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID)]
        args += ["--gid", str(SANDBOX_UID)]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "lib", "lib64", "lib32", "sbin"):
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    for f in ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group"):
        args += ["--ro-bind-try", f, f]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(SHM_SIZE), "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", str(TMPFS_SIZE), "--tmpfs", "/tmp"]
    made = {Path("/"), Path("/tmp"), Path("/usr")}
    binds = [*((r, False) for r in _readable_roots()), (tree, False), (stream, True)]
    if hidden is not None and hidden.is_dir():
        binds.append((hidden, True))
    for src, writable in binds:
        for parent in reversed(src.parents):
            if parent not in made and not parent.is_relative_to("/usr") and parent != tree:
                if parent.is_relative_to(tree):
                    continue  # it is in the tree bound above
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--bind" if writable else "--ro-bind", str(src), str(src)]
    args += ["--chdir", str(tree)]
    if as_root:
        uid, gid = map(str, user or (SANDBOX_UID, SANDBOX_UID))
        args += [
            "--",
            shutil.which("setpriv") or "setpriv",
            f"--reuid={uid}",
            f"--regid={gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
    else:
        args += ["--"]
    return args


@functools.cache
def detect() -> Sandbox:
    """bubblewrap if it can run a Python here, else the fallback (with the reason)."""
    if settings.get(SANDBOX_VAR).lower() in ("none", "off", "0", "fallback"):
        return _fallback(f"{SANDBOX_VAR}={settings.get(SANDBOX_VAR)}")
    if not sys.platform.startswith("linux"):
        return _fallback(f"bubblewrap needs Linux (this is {sys.platform})")
    if not shutil.which("bwrap"):
        return _fallback("bwrap not found: apt-get install bubblewrap")
    as_root = os.geteuid() == 0
    if as_root and not shutil.which("setpriv"):
        return _fallback("setpriv not found (util-linux) to drop to an unprivileged uid")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kata-probe-") as tmp:
        tree = Path(tmp, "tree")
        tree.mkdir()
        stream = Path(tmp, "stream")
        stream.touch()
        os.chmod(tmp, 0o755)
        probe = "import os, numpy; print(os.getuid())"
        cmd = [*bwrap_args(tree, stream, as_root), sys.executable, "-c", probe]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/")
        except (OSError, subprocess.SubprocessError) as exc:
            return _fallback(f"bubblewrap cannot run here ({exc})")
    if proc.returncode != 0 or proc.stdout.strip() != str(SANDBOX_UID):
        why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:200]
        return _fallback(f"bubblewrap cannot run here ({why})")
    return Sandbox(BWRAP)


def _fallback(reason: str) -> Sandbox:
    user = unprivileged_user()
    who = "as the grader's own user"
    if os.geteuid() == 0:
        who = "as nobody" if user else "as root: nobody cannot run this interpreter"
    return Sandbox(FALLBACK, f"no sandbox: {reason}; the tests run in a process group {who}", user)


@functools.cache
def unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) of ``nobody`` when the grader runs as root, if that user can run this
    Python (an interpreter under a private home directory cannot be); else None."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return None
    user = pw.pw_uid, pw.pw_gid
    probe = [sys.executable, "-c", "import pytest, pytest_check, numpy"]
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


def _child_setup(user: tuple[int, int] | None, group=None, nproc: bool = False):
    """What the child does before exec: join ``group``, set the rlimits (the count of
    processes with a ``user`` of its own, or ``nproc``: bwrap's), then become ``user``."""

    def setup() -> None:
        import resource

        if group:
            group.join()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT, LOG_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))
        if user or nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
        if user:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])

    return setup


# ------------------------------------------------------------------ processes


def descendants(pid: int) -> list[psutil.Process]:
    """``pid`` and every process below it (those still there)."""
    try:
        top = psutil.Process(pid)
        return [top, *top.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    total = 0
    for p in descendants(pid):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def sweep(marker: str) -> int:
    """Kill every process whose environment carries ``KATA_GRADE_RUN=<marker>`` (a detached
    daemon of the fallback's run); return how many."""
    killed = 0
    for _ in range(3):  # a process may fork while we look
        found = 0
        for p in psutil.process_iter():
            if p.pid == os.getpid():
                continue
            try:
                if p.environ().get("KATA_GRADE_RUN") == marker:
                    p.kill()
                    found += 1
            except psutil.Error:
                continue
        killed += found
        if not found:
            break
        time.sleep(0.05)
    return killed


# -------------------------------------------------------------------- streams


LINE_LIMIT = 2**20  # bytes of one stream line; the reporter's longest is a few KiB
DEPTH_LIMIT = 4  # brackets deep outside strings; the reporter's lines nest 3 deep


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _depth(raw: bytes) -> int:
    """How deep the brackets of ``raw`` nest outside its strings."""
    depth = most = 0
    for byte in _STRINGS.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        most = max(most, depth)
    return most


# The fields of each event and their types; anything else is not the reporter's line.
SCHEMA = {
    "collected": {"tests": list},
    "start": {"id": str},
    "end": {"id": str, "outcome": str, "message": str, "tampered": list},
    "finish": {},
}
TEST_SCHEMA = {"id": str, "exercise": str | None, "task": str | None, "hidden": bool}


def _typed(data: object, schema: dict) -> bool:
    return isinstance(data, dict) and all(isinstance(data.get(k), t) for k, t in schema.items())


def parse_line(raw: bytes, token: str) -> dict | None:
    """The reporter's event in ``raw``, or None when the line is not one: too long, nested
    too deep, not JSON or not UTF-8, without this run's token, or of the wrong shape."""
    if len(raw) > LINE_LIMIT or _depth(raw) > DEPTH_LIMIT:
        return None
    try:
        line = json.loads(raw)
    except (ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(line, dict) or line.get("token") != token:
        return None
    schema = SCHEMA.get(line.get("event")) if isinstance(line.get("event"), str) else None
    if schema is None or not _typed(line, schema):
        return None
    if line["event"] == "collected" and not all(_typed(t, TEST_SCHEMA) for t in line["tests"]):
        return None
    if line["event"] == "end" and not all(isinstance(t, str) for t in line["tampered"]):
        return None
    return line


class _Stream:
    """Reads the lines the reporter appends, keeping those with the token; any other
    line (whatever its size, nesting, encoding or types) is counted as forged."""

    def __init__(self, path: Path, token: str, run: Run):
        self.path, self.token, self.run, self.pos, self.buf = path, token, run, 0, b""

    def poll(self) -> bool:
        """Read what is new; True if a test started or ended."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read(LOG_LIMIT)
        except OSError:
            return False
        self.pos += len(data)
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        if len(self.buf) > LINE_LIMIT:  # a line that never ends is not the reporter's
            self.run.forged += 1
            self.buf = b""
        progress = False
        for raw in lines:
            line = parse_line(raw, self.token)
            if line is None:
                self.run.forged += 1
            else:
                progress |= self._take(line)
        return progress

    def _take(self, line: dict) -> bool:
        """Follow the run: a test starts once, ends once, and only while it runs (so
        repeated lines cannot restart the time limit)."""
        run, event = self.run, line["event"]
        if event == "collected" and run.collected is None:
            run.collected = line["tests"]
        elif event == "start" and run.running is None and line["id"] in run.tests:
            if line["id"] in run.ended:
                run.forged += 1
                return False
            run.running = line["id"]
            return True
        elif event == "end" and line["id"] == run.running:
            run.ended[run.running] = line
            run.running = None
            return True
        return False


LOG_KEEP = 64 * 1024  # bytes of a run's output kept for grade.log (head and tail)


def _capped(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if size <= 2 * LOG_KEEP:
                return f.read()
            head = f.read(LOG_KEEP)
            f.seek(size - LOG_KEEP)
            tail = f.read()
    except OSError:
        return b""
    return head + f"\n[… {size - 2 * LOG_KEEP} bytes left out …]\n".encode() + tail


@dataclass(frozen=True)
class Deadline:
    """A wall-clock limit no output of the run can move: ``at`` (``time.monotonic()``)
    and what ran out, for the reason."""

    at: float
    what: str

    def sooner(self, seconds: float, what: str) -> Deadline:
        later = time.monotonic() + seconds
        return self if self.at <= later else Deadline(later, what)


NO_DEADLINE = Deadline(float("inf"), "")


def _run_user(sandbox: Sandbox) -> tuple[int, int] | None:
    """A uid of this run's own (with nobody's group) when the grader is root, so that
    no two runs share a count of processes (RLIMIT_NPROC) or each other's files."""
    if os.geteuid() != 0 or (sandbox.name != BWRAP and sandbox.user is None):
        return None
    gid = sandbox.user[1] if sandbox.user else SANDBOX_UID
    return SANDBOX_UIDS[0] + secrets.randbelow(SANDBOX_UIDS[1] - SANDBOX_UIDS[0]), gid


def _run_tree(tree: Path, dest: Path, name: str, user: tuple[int, int] | None) -> Path:
    """This run's view of ``tree``: hard links to its files, except the hidden tests of
    exercise ``name``, copied into a folder of the run's own that the stream plugin empties
    once the tests are collected (before any learner module is imported)."""
    src, hidden = tree / "tests" / "hidden", dest / "tests" / "hidden"
    skip = lambda d, names: ["hidden"] if Path(d) == src.parent else []  # noqa: E731
    shutil.copytree(tree, dest, copy_function=os.link, ignore=skip)
    if src.is_dir():
        hidden.mkdir(mode=0o700)
        for f in (src / "__init__.py", src / f"test_{name}.py"):
            if f.is_file():
                shutil.copyfile(f, hidden / f.name)
        if user:
            for f in [hidden, *hidden.iterdir()]:
                os.chown(f, *user)
    return dest


def run(
    tree: Path,
    name: str,
    limits: Limits,
    *,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
    only: list[str] | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> Run:
    """Run the tests of exercise ``name`` (``only`` these test ids, if given) in a view
    of ``tree`` under the watchdog, in the sandbox, ending by ``deadline``."""
    sandbox = sandbox or detect()
    result = Run(name)
    files = test_files(tree, name)
    if not files:
        return result
    if time.monotonic() >= deadline.at:
        result.killed = f"deadline: {deadline.what}"
        return result
    token = secrets.token_hex(16)
    work = tree.parent / f"run-{token[:12]}"
    work.mkdir(mode=0o711)
    user = _run_user(sandbox)
    view = _run_tree(tree, work / "tree", name, user)
    hidden = view / "tests" / "hidden"
    stream_path, log_path, home = work / "stream.jsonl", work / "output.log", work / "home"
    stream_path.touch(mode=0o600)
    stream = _Stream(stream_path, token, result)
    targets = only if only is not None else [str(f.relative_to(tree)) for f in files]
    cmd = command(view, targets)
    group = cgroups.Group.create(
        f"kata-{token[:12]}", limits.memory_mb + limits.memory_mb // 4, NPROC_LIMIT
    )
    if sandbox.name == BWRAP:
        as_root = os.geteuid() == 0
        if user:
            os.chown(stream_path, *user)
        cmd = [*bwrap_args(view, stream_path, as_root, user, hidden), *cmd]
        env = _env(view, stream_path, Path("/tmp/home"), seed, token)
        setup = _child_setup(None, group, nproc=True)
    else:
        home.mkdir(mode=0o700)
        if user:
            for path in (stream_path, home):
                os.chown(path, *user)
        env, setup = _env(view, stream_path, home, seed, token), _child_setup(user, group)
    if hidden.is_dir():
        env[HIDDEN_VAR] = str(hidden)
    started = time.monotonic()
    try:
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=view,
                env=env,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=setup,
            )
            try:
                proc.stdin.write(token.encode() + b"\n")
                proc.stdin.close()
            except OSError:
                pass
            _watch(proc, stream, limits, group, deadline)
        if group and group.oom_killed() and not result.killed:
            result.killed = f"memory limit: stopped by the kernel at {group.limit_mb} MiB"
    finally:
        if group:
            group.close()
    if sandbox.name != BWRAP:
        sweep(token)
    stream.poll()
    result.returncode = proc.returncode
    result.sandboxed = sandbox.name == BWRAP
    result.seconds = time.monotonic() - started
    result.log = _capped(log_path)
    shutil.rmtree(work, ignore_errors=True)
    return result


def _watch(
    proc: subprocess.Popen,
    stream: _Stream,
    limits: Limits,
    group: cgroups.Group | None,
    deadline: Deadline,
) -> None:
    run = stream.run
    since = time.monotonic()  # when the current test (or the idle spell) began
    while proc.poll() is None:
        if stream.poll():
            since = time.monotonic()
        now = time.monotonic()
        reason = ""
        held = group.held_mb() if group else tree_rss_mb(proc.pid)
        if held > limits.memory_mb:
            reason = f"memory limit: {held:.0f} MiB held, limit {limits.memory_mb} MiB"
        elif now >= deadline.at:
            reason = f"deadline: {deadline.what}"
        elif run.running and now - since > limits.timeout:
            reason = f"time limit: still running after {limits.timeout:g} s"
            run.timed_out = run.running
        elif not run.running and now - since > (limits.timeout if run.ended else limits.startup):
            idle = limits.timeout if run.ended else limits.startup  # between tests: no imports
            reason = f"stalled: no test started for {idle:g} s"
        if reason:
            run.killed = reason
            _kill(proc, group)
            break
        time.sleep(0.1)
    # Leftovers (a child the tests forked) go with the group and the process tree.
    _kill(proc, group)


def _kill(proc: subprocess.Popen, group: cgroups.Group | None = None) -> None:
    if proc.poll() is None:  # once reaped, its pid may belong to someone else
        for p in descendants(proc.pid):
            try:
                p.kill()
            except psutil.Error:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if group:
        group.kill()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_exercise(
    tree: Path,
    name: str,
    limits: Limits,
    *,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> list[Run]:
    """The runs of one exercise. When a test passes the time limit, its task's tests not
    yet run are not run (as in the learner's ``make test``, ``kata.testing.timelimit``)
    and the exercise runs again with the other tasks' tests that did not end, until
    none times out or the deadline comes."""
    deadline = deadline.sooner(limits.exercise, f"the exercise ran past {limits.exercise:g} s")
    runs: list[Run] = []
    only = None
    while True:
        r = run(tree, name, limits, seed=seed, sandbox=sandbox, only=only, deadline=deadline)
        runs.append(r)
        if not r.timed_out or r.forged or any(e["tampered"] for e in r.ended.values()):
            return runs
        gone = {*r.ended, *(t["id"] for t in r.given_up)}
        only = [t["id"] for t in r.collected if t["id"] not in gone]
        if not only:
            return runs


def run_all(
    tree: Path,
    exercises: list[str],
    limits: Limits,
    *,
    jobs: int = 1,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> dict[str, list[Run]]:
    """``run_exercise`` for each exercise, ``jobs`` at a time; exercise -> its runs."""
    sandbox = sandbox or detect()

    def runs(name: str) -> list[Run]:
        try:
            return run_exercise(tree, name, limits, seed=seed, sandbox=sandbox, deadline=deadline)
        except Exception:  # noqa: BLE001 - a bug of the grader costs this exercise only
            return [Run(name, log=traceback.format_exc().encode())]

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(exercises)))) as pool:
        return dict(zip(exercises, pool.map(runs, exercises), strict=True))
