"""The grader's sandbox: each exercise's tests run by pytest in a view of a pristine tree,
in bubblewrap (else a process group) and, as root, a control group (``cgroups``), under a
watchdog that reads the stream ``stream_plugin`` writes. docs/instructors.md ("The
sandbox (bubblewrap)") says what each part isolates."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
INI = "[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n    ignore::FutureWarning\n"
LOG_LIMIT = 20 * 2**20  # bytes of output (and of any file) the tests may write
LOG_KEEP = 64 * 1024  # bytes of a run's output kept for grade.log (head and tail)
LINE_LIMIT = 2**20  # bytes of one stream line; the reporter's longest is a few KiB
NPROC_LIMIT = 1024  # processes and threads of the sandbox's user
CPU_LIMIT = 3600  # seconds of CPU time per process (the watchdog's wall-clock limits come first)
TMPFS_SIZE = 256 * 2**20  # bytes of the sandbox's /tmp
SHM_SIZE = 64 * 2**20  # bytes of the sandbox's /dev/shm
SANDBOX_UID = 65534  # nobody: the uid inside a user namespace, and the probe's
SANDBOX_UIDS = (3_000_000_000, 3_100_000_000)  # as root, each run gets a uid of its own here
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


@dataclass(frozen=True, order=True)
class Deadline:
    """A wall-clock limit no output of the run can move: ``at`` (``time.monotonic()``)
    and what ran out, for the reason; the sooner of two is their ``min``."""

    at: float = float("inf")
    what: str = ""


@dataclass(frozen=True)
class Sandbox:
    """How the tests are isolated: ``name`` goes into ``grade.json``; ``note`` says why
    the fallback is used (empty for bubblewrap)."""

    name: str
    note: str = ""
    user: tuple[int, int] | None = None  # the fallback's unprivileged (uid, gid)


def test_files(root: Path, name: str) -> list[Path]:
    """The graded test files of one exercise in the kata at ``root`` (hidden ones last)."""
    files = [root / "tests" / f"test_{name}.py", root / "tests" / "hidden" / f"test_{name}.py"]
    return [f for f in files if f.is_file()]


def build_tree(root: Path, modules: dict[str, Path], dest: Path) -> Path:
    """A pristine tree in ``dest``: the kata package, the graded suites with their helpers
    and the hidden tests (never tooling/, mutants/ or alternatives/), the given modules."""
    editions.copy_kata(root, dest, editions.GRADING)
    tests = root / "tests"
    for path in sorted([*tests.glob("*.py"), *tests.glob("hidden/**/*.py")]):
        target = dest / "tests" / path.relative_to(tests)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (dest / "pytest.ini").write_text(INI)
    (dest / "submission").mkdir()
    for name, path in modules.items():
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # never a link's target
        with os.fdopen(fd, "rb") as src, open(dest / "submission" / f"{name}.py", "wb") as out:
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


def _run_tree(tree: Path, dest: Path, name: str, user: tuple[int, int] | None) -> Path:
    """This run's view of ``tree``: hard links to its files, but for a folder of the run's
    own with the hidden tests of ``name``, which the stream plugin empties once collected."""
    shutil.copytree(tree, dest, copy_function=os.link, ignore=shutil.ignore_patterns("hidden"))
    src, hidden = tree / "tests" / "hidden", dest / "tests" / "hidden"
    if src.is_dir():
        hidden.mkdir(mode=0o700)
        for f in (src / "__init__.py", src / f"test_{name}.py"):
            if f.is_file():
                shutil.copyfile(f, hidden / f.name)
        for f in [hidden, *hidden.iterdir()] if user else []:
            os.chown(f, *user)
    return dest


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
    cmd += ["-p", "no:cacheprovider", "--target", str(tree / "submission")]
    cmd += ["-q", "--tb=short", "-rN", "--color=no"]
    cmd += ["--kata-timeout", "0"]  # the learner's per-test limit is off: the watchdog decides
    return cmd + targets  # test files or test ids, relative to the tree


def _readable_roots() -> list[Path]:
    """What the interpreter needs outside the system folders: its installation, the venv
    and the folders on ``sys.path``, never the kata's own checkout."""
    system = [Path(p) for p in ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc")]
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path]
    found.append(Path(os.path.realpath(sys.executable)).parent.parent)
    roots: list[Path] = []
    for r in sorted({Path(p or ".").resolve() for p in found}, key=lambda p: len(p.parts)):
        if r == Path("/") or not r.is_dir() or any(r.is_relative_to(o) for o in system + roots):
            continue
        if not (r / "solutions").is_dir() and not (r / "tests" / "mutants").is_dir():
            roots.append(r)
    return roots


def bwrap_args(tree: Path, writable: list[Path], user: tuple[int, int] | None = None) -> list[str]:
    """The bubblewrap command line (before the command it runs) for one run in ``tree``,
    as ``user`` when the grader is root; the ``writable`` paths that exist are bound so."""
    as_root = os.geteuid() == 0
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
    binds = [*((r, "--ro-bind") for r in _readable_roots()), (tree, "--ro-bind")]
    binds += [(w, "--bind") for w in writable if w.exists()]
    for src, how in binds:
        for parent in reversed(src.parents):
            if parent in made or parent.is_relative_to("/usr") or parent.is_relative_to(tree):
                continue
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
        args += [how, str(src), str(src)]
    args += ["--chdir", str(tree), "--"]
    if as_root:
        uid, gid = user or (SANDBOX_UID, SANDBOX_UID)
        args += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


@functools.cache
def detect() -> Sandbox:
    """bubblewrap if it can run a Python here, else the fallback (with the reason)."""
    if settings.get("KATA_SANDBOX") == "none":  # bench's baseline, tests
        return _fallback("KATA_SANDBOX=none")
    if not sys.platform.startswith("linux"):
        return _fallback(f"bubblewrap needs Linux (this is {sys.platform})")
    if not shutil.which("bwrap"):
        return _fallback("bwrap not found: apt-get install bubblewrap")
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return _fallback("setpriv not found (util-linux) to drop to an unprivileged uid")
    with tempfile.TemporaryDirectory(prefix="kata-probe-") as tmp:
        os.chmod(tmp, 0o755)
        tree, stream = Path(tmp, "tree"), Path(tmp, "stream")
        tree.mkdir()
        stream.touch()
        probe = "import os, numpy; print(os.getuid())"
        cmd = [*bwrap_args(tree, [stream]), sys.executable, "-c", probe]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/")
        except (OSError, subprocess.SubprocessError) as exc:
            return _fallback(f"bubblewrap cannot run here ({exc})")
    if proc.returncode != 0 or proc.stdout.strip() != str(SANDBOX_UID):
        why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:200]
        return _fallback(f"bubblewrap cannot run here ({why})")
    return Sandbox(BWRAP)


def _fallback(reason: str) -> Sandbox:
    """The process group: as ``nobody`` when the grader is root and nobody can run this
    Python (an interpreter under a private home directory cannot be)."""
    note = f"no sandbox: {reason}; the tests run in a process group"
    if os.geteuid() != 0:
        return Sandbox(FALLBACK, f"{note} as the grader's own user")
    user = SANDBOX_UID, SANDBOX_UID
    probe = [sys.executable, "-c", "import pytest, pytest_check, numpy"]
    try:
        setup = functools.partial(_child_setup, user)
        proc = subprocess.run(probe, preexec_fn=setup, capture_output=True, cwd="/", timeout=120)
    except (OSError, subprocess.SubprocessError):
        proc = None
    if proc and proc.returncode == 0:
        return Sandbox(FALLBACK, f"{note} as nobody", user)
    return Sandbox(FALLBACK, f"{note} as root: nobody cannot run this interpreter")


def _run_user(sandbox: Sandbox) -> tuple[int, int] | None:
    """A uid of this run's own (with nobody's group) when the grader is root, so that
    no two runs share a count of processes (RLIMIT_NPROC) or each other's files."""
    if os.geteuid() != 0 or (sandbox.name != BWRAP and sandbox.user is None):
        return None
    return SANDBOX_UIDS[0] + secrets.randbelow(SANDBOX_UIDS[1] - SANDBOX_UIDS[0]), SANDBOX_UID


def _child_setup(user: tuple[int, int] | None, group=None, nproc: bool = False) -> None:
    """What the child does before exec: join ``group``, set the rlimits (the count of
    processes with a ``user`` of its own, or ``nproc``: bwrap's), then become ``user``."""
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
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def sweep(marker: str) -> None:
    """Kill every process whose environment carries ``KATA_GRADE_RUN=<marker>`` (a detached
    daemon of the fallback's run)."""
    for _ in range(3):  # a process may fork while we look
        found = False
        for p in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if p.pid != os.getpid() and p.environ().get("KATA_GRADE_RUN") == marker:
                    p.kill()
                    found = True
        if not found:
            return
        time.sleep(0.05)


def _kill(proc: subprocess.Popen, group: cgroups.Group | None) -> None:
    if proc.poll() is None:  # once reaped, its pid may belong to someone else
        for p in descendants(proc.pid):
            with contextlib.suppress(psutil.Error):
                p.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if group:
        group.kill()
    proc.kill()  # Popen's: nothing once reaped
    proc.wait()


# The fields of each event and their types (``[t]``: a list of ``t``); anything else is
# not the reporter's line.
TEST_SCHEMA = {"id": str, "task": str | None, "hidden": bool}
SCHEMA = {
    "collected": {"tests": [TEST_SCHEMA]},
    "start": {"id": str},
    "end": {"id": str, "outcome": str, "message": str, "tampered": [str]},
}


def _typed(data: object, schema: dict | list | type) -> bool:
    if isinstance(schema, dict):
        return isinstance(data, dict) and all(_typed(data.get(k), t) for k, t in schema.items())
    if isinstance(schema, list):
        return isinstance(data, list) and all(_typed(item, schema[0]) for item in data)
    return isinstance(data, schema)


def parse_line(raw: bytes, token: str) -> dict | None:
    """The reporter's event in ``raw``, or None when the line is not one: too long, too
    deep, not JSON or not UTF-8, without this run's token, or of the wrong shape."""
    if len(raw) > LINE_LIMIT:
        return None
    try:
        line = json.loads(raw)
    except (ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(line, dict) or line.get("token") != token:
        return None
    schema = SCHEMA.get(line.get("event")) if isinstance(line.get("event"), str) else None
    return line if schema is not None and _typed(line, schema) else None


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
        *lines, self.buf = (self.buf + data).split(b"\n")
        if len(self.buf) > LINE_LIMIT:  # a line that never ends is not the reporter's
            self.run.forged += 1
            self.buf = b""
        progress = False
        for raw in lines:
            progress |= self._take(parse_line(raw, self.token))
        return progress

    def _take(self, line: dict | None) -> bool:
        """Follow the run: a test starts once, ends once, and only while it runs (so
        repeated lines cannot restart the time limit); any other line is forged."""
        run, line = self.run, line or {}
        event, test = line.get("event"), line.get("id")
        if not line or (event == "start" and test in run.ended):
            run.forged += 1
        elif event == "collected" and run.collected is None:
            run.collected = line["tests"]
        elif event == "start" and run.running is None and test in run.tests:
            run.running = test
            return True
        elif event == "end" and test == run.running:
            run.ended[test] = line
            run.running = None
            return True
        return False


def _capped(path: Path) -> bytes:
    size = path.stat().st_size
    with open(path, "rb") as f:
        if size <= 2 * LOG_KEEP:
            return f.read()
        head = f.read(LOG_KEEP)
        f.seek(size - LOG_KEEP)
        return head + f"\n[… {size - 2 * LOG_KEEP} bytes left out …]\n".encode() + f.read()


@dataclass
class _Runner:
    """Runs exercises of the tree at ``tree`` (see ``run_all``)."""

    tree: Path
    limits: Limits
    sandbox: Sandbox
    seed: int | None
    deadline: Deadline
    stopped: threading.Event = field(default_factory=threading.Event)  # the grader is leaving

    def exercise(self, name: str) -> list[Run]:
        """The runs of one exercise. When a test passes the time limit, its task's tests
        not yet run are not run (as in the learner's ``make test``) and the exercise runs
        again with the other tasks' tests that did not end, until none times out or the
        deadline comes."""
        limit = self.limits.exercise
        mine = Deadline(time.monotonic() + limit, f"the exercise ran past {limit:g} s")
        deadline = min(self.deadline, mine)
        runs, only = [], None
        while True:
            r = self.run(name, only, deadline)
            runs.append(r)
            if not r.timed_out or r.forged or any(e["tampered"] for e in r.ended.values()):
                return runs
            gone = {*r.ended, *(t["id"] for t in r.given_up)}
            only = [t["id"] for t in r.collected if t["id"] not in gone]
            if not only:
                return runs

    def run(self, name: str, only: list[str] | None, deadline: Deadline) -> Run:
        """Run the tests of exercise ``name`` (``only`` these test ids, if given) in a view
        of the tree, in the sandbox, under the watchdog."""
        result = Run(name, sandboxed=self.sandbox.name == BWRAP)
        files = [str(f.relative_to(self.tree)) for f in test_files(self.tree, name)]
        if not files:  # pytest given no file would collect the whole tree
            return result
        if time.monotonic() >= deadline.at or self.stopped.is_set():
            result.killed = "stopped" if self.stopped.is_set() else f"deadline: {deadline.what}"
            return result
        token = secrets.token_hex(16)
        work = self.tree.parent / f"run-{token[:12]}"
        work.mkdir(mode=0o711)
        user = _run_user(self.sandbox)
        view = _run_tree(self.tree, work / "tree", name, user)
        hidden = view / "tests" / "hidden"
        stream_path, log_path = work / "stream.jsonl", work / "output.log"
        stream_path.touch(mode=0o600)
        home = Path("/tmp/home") if result.sandboxed else work / "home"
        env = _env(view, stream_path, home, self.seed, token)
        if hidden.is_dir():
            env["KATA_GRADE_HIDDEN"] = str(hidden)
        cmd = command(view, only or files)
        memory_mb = self.limits.memory_mb
        group = cgroups.Group.create(f"kata-{token[:12]}", memory_mb * 5 // 4, NPROC_LIMIT)
        owned = [stream_path]
        if result.sandboxed:
            cmd = [*bwrap_args(view, [stream_path, hidden], user), *cmd]
            setup = functools.partial(_child_setup, None, group, nproc=True)
        else:
            home.mkdir(mode=0o700)
            owned.append(home)
            setup = functools.partial(_child_setup, user, group)
        for path in owned if user else []:
            os.chown(path, *user)
        stream = _Stream(stream_path, token, result)
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
                with contextlib.suppress(OSError), proc.stdin:  # the token: not in the env
                    proc.stdin.write(token.encode() + b"\n")
                self._watch(proc, stream, group, deadline)
            if group and group.oom_killed() and not result.killed:
                result.killed = f"memory limit: stopped by the kernel at {group.limit_mb} MiB"
        finally:
            if group:
                group.close()
        if not result.sandboxed:
            sweep(token)
        stream.poll()
        result.returncode, result.seconds = proc.returncode, time.monotonic() - started
        result.log = _capped(log_path)
        shutil.rmtree(work, ignore_errors=True)
        return result

    def _watch(self, proc: subprocess.Popen, stream: _Stream, group, deadline: Deadline) -> None:
        """Follow the run until it ends or passes a limit; then kill what is left of it."""
        run, limits = stream.run, self.limits
        since = time.monotonic()  # when the current test (or the idle spell) began
        while proc.poll() is None and not run.killed:
            if stream.poll():
                since = time.monotonic()
            now = time.monotonic()
            held = group.held_mb() if group else tree_rss_mb(proc.pid)
            idle = limits.timeout if run.ended else limits.startup  # between tests: no imports
            if held > limits.memory_mb:
                run.killed = f"memory limit: {held:.0f} MiB held, limit {limits.memory_mb} MiB"
            elif now >= deadline.at:
                run.killed = f"deadline: {deadline.what}"
            elif self.stopped.is_set():
                run.killed = "stopped"
            elif run.running and now - since > limits.timeout:
                run.killed = f"time limit: still running after {limits.timeout:g} s"
                run.timed_out = run.running
            elif not run.running and now - since > idle:
                run.killed = f"stalled: no test started for {idle:g} s"
            else:
                time.sleep(0.1)
        _kill(proc, group)  # the run, or what it left (a child the tests forked)


def run_all(
    tree: Path,
    exercises: list[str],
    limits: Limits,
    *,
    jobs: int = 1,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
    deadline: Deadline = Deadline(),
) -> dict[str, list[Run]]:
    """The runs of each exercise in the tree at ``tree``, ``jobs`` at a time."""
    runner = _Runner(tree, limits, sandbox or detect(), seed, deadline)

    def runs(name: str) -> list[Run]:
        try:
            return runner.exercise(name)
        except Exception:  # a bug of the grader costs this exercise only
            return [Run(name, log=traceback.format_exc().encode())]

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(exercises)))) as pool:
        try:
            return dict(zip(exercises, pool.map(runs, exercises), strict=True))
        except BaseException:  # SIGTERM or Ctrl-C: end the runs now, not at their limits
            runner.stopped.set()
            raise
