"""The grader's sandbox: a pristine tree, and pytest run in it under a watchdog.

``build_tree`` copies the kata's grading subpackages (``kata.core.editions.GRADING``),
graded tests (hidden ones included) and a generated pytest configuration into a
fresh directory, plus only the exercise modules of the submission (under
``submission/``). ``run`` starts pytest there for one exercise and watches it: a
test running longer than the time limit, or the resident memory of its processes
above the limit, kills them all. What each finished test did is read back from
the stream that ``kata.grading.stream_plugin`` writes; only lines carrying this
run's token count.

Each run is wrapped in bubblewrap (``bwrap``) when it can run here (``detect``):
read-only system, interpreter, venv and tree; a fresh tmpfs for ``/tmp`` and the
home; no network; its own PID, IPC and UTS namespaces with ``--die-with-parent``
(nothing outlives the run); the unprivileged uid 65534; rlimits on processes,
CPU time, file size and core dumps; its own log file. Elsewhere (macOS, a
container without namespaces) the fallback is today's isolation, named
``"process group"``: the tests run in their own session, as ``nobody`` when the
grader is root and that user can run the interpreter, and every process of the
run (found by a marker in its environment) is killed when it ends.
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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kata.core import editions, ipynb
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
NPROC_LIMIT = 1024  # processes and threads of the sandbox's user
CPU_LIMIT = 3600  # seconds of CPU time per process (the watchdog's wall-clock limits come first)
TMPFS_SIZE = 256 * 2**20  # bytes of the sandbox's /tmp
SANDBOX_UID = 65534  # nobody
SANDBOX_VAR = "KATA_SANDBOX"  # "none" forces the fallback (bench's baseline, tests)
BWRAP = "bubblewrap"
FALLBACK = "process group"


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
    log: bytes = b""  # the run's own output (capped)
    sandboxed: bool = False  # run in bubblewrap (its exit status carries the signal)

    @property
    def tests(self) -> dict[str, dict]:
        return {t["id"]: t for t in self.collected or []}


# ------------------------------------------------------------------- the tree


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
    )
    if seed is not None:
        env["KATA_SEED"] = str(seed)
    return env


def command(tree: Path, files: list[Path]) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "-c", str(tree / "pytest.ini"), "--rootdir", str(tree)]
    for plugin in PLUGINS:
        cmd += ["-p", plugin]
    cmd += ["--target", str(tree / "submission"), "-q", "--tb=short", "-rN", "--color=no"]
    cmd += ["--kata-timeout", "0"]  # the learner's per-test limit is off: the watchdog decides
    return cmd + [str(f.relative_to(tree)) for f in files]


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


def bwrap_args(tree: Path, stream: Path, as_root: bool) -> list[str]:
    """The bubblewrap command line (before the command it runs) for one run in ``tree``."""
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
    args += ["--perms", "1777", "--size", str(TMPFS_SIZE), "--tmpfs", "/tmp"]
    made = {Path("/"), Path("/tmp"), Path("/usr")}
    for src, writable in [*((r, False) for r in _readable_roots()), (tree, False), (stream, True)]:
        for parent in reversed(src.parents):
            if parent not in made and not parent.is_relative_to("/usr"):
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--bind" if writable else "--ro-bind", str(src), str(src)]
    args += ["--chdir", str(tree)]
    if as_root:
        uid = str(SANDBOX_UID)
        args += [
            "--",
            shutil.which("setpriv") or "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
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
    if os.environ.get(SANDBOX_VAR, "").lower() in ("none", "off", "0", "fallback"):
        return _fallback(f"{SANDBOX_VAR}={os.environ[SANDBOX_VAR]}")
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
    who = (
        "as nobody"
        if user
        else (
            "as root: nobody cannot run this interpreter"
            if os.geteuid() == 0
            else "as the grader's own user"
        )
    )
    return Sandbox(FALLBACK, f"no sandbox: {reason}; the tests run in a process group {who}", user)


@functools.cache
def unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) of ``nobody`` when the grader runs as root, if that user can run this
    Python (an interpreter under a private home directory cannot be); else None."""
    if os.geteuid() != 0 or os.environ.get("KATA_GRADE_AS_ROOT"):
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


def _child_setup(user: tuple[int, int] | None):
    def setup() -> None:  # runs in the child, before exec
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT, LOG_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))
        if user:
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])

    return setup


def _bwrap_setup() -> None:  # runs in the child, before exec of bwrap (as the grader's user)
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT, LOG_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))
    resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))


# ------------------------------------------------------------------ processes


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident KiB) of every process."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            rss = int(stat.rsplit(")", 1)[1].split()[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            out[int(entry.name)] = (ppid, rss)
        except (OSError, ValueError, IndexError):
            continue
    return out


def descendants(pid: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """``pid`` and every process below it."""
    table = _proc_table() if table is None else table
    children: dict[int, list[int]] = {}
    for p, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in table or p == pid:
            out.append(p)
            todo += children.get(p, [])
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MiB."""
    table = _proc_table()
    return sum(table.get(p, (0, 0))[1] for p in descendants(pid, table)) / 1024


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


def sweep(marker: str) -> int:
    """Kill every process whose environment carries ``KATA_GRADE_RUN=<marker>`` (a detached
    daemon of the fallback's run); return how many."""
    needle = f"KATA_GRADE_RUN={marker}".encode()
    killed = 0
    for _ in range(3):  # a process may fork while we look
        found = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                env = Path(entry.path, "environ").read_bytes()
            except OSError:
                continue
            if needle in env.split(b"\0"):
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                    found += 1
                except OSError:
                    pass
        killed += found
        if not found:
            break
        time.sleep(0.05)
    return killed


# -------------------------------------------------------------------- streams


class _Stream:
    """Reads the lines the reporter appends, keeping those with the token."""

    def __init__(self, path: Path, token: str, run: Run):
        self.path, self.token, self.run, self.pos, self.buf = path, token, run, 0, b""

    def poll(self) -> bool:
        """Read what is new; True if a test started or ended."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read(LOG_LIMIT)
        except FileNotFoundError:
            return False
        self.pos += len(data)
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        if len(self.buf) > 2**20:  # a line that never ends is not the reporter's
            self.run.forged += 1
            self.buf = b""
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
        if event == "collected" and run.collected is None and isinstance(line.get("tests"), list):
            run.collected = [t for t in line["tests"] if isinstance(t, dict) and "id" in t]
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


def run(
    tree: Path,
    exercises: list[str],
    limits: Limits,
    *,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
) -> Run:
    """Run the tests of ``exercises`` in ``tree`` under the watchdog, in the sandbox."""
    sandbox = sandbox or detect()
    result = Run(list(exercises))
    files = [f for name in exercises for f in test_files(tree, name)]
    if not files:
        result.finished = True
        return result
    token = secrets.token_hex(16)
    work = tree.parent / f"run-{token[:12]}"
    work.mkdir(mode=0o755)
    stream_path, log_path, home = work / "stream.jsonl", work / "output.log", work / "home"
    stream_path.touch(mode=0o600)
    stream = _Stream(stream_path, token, result)
    cmd = command(tree, files)
    if sandbox.name == BWRAP:
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(stream_path, SANDBOX_UID, SANDBOX_UID)
        cmd = [*bwrap_args(tree, stream_path, as_root), *cmd]
        env, setup = _env(tree, stream_path, Path("/tmp/home"), seed, token), _bwrap_setup
    else:
        home.mkdir(mode=0o700)
        if sandbox.user:
            for path in (stream_path, home):
                os.chown(path, *sandbox.user)
        env, setup = _env(tree, stream_path, home, seed, token), _child_setup(sandbox.user)
    started = time.monotonic()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=tree,
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
        _watch(proc, stream, limits)
    if sandbox.name != BWRAP:
        sweep(token)
    stream.poll()
    result.returncode = proc.returncode
    result.sandboxed = sandbox.name == BWRAP
    result.seconds = time.monotonic() - started
    result.log = _capped(log_path)
    shutil.rmtree(work, ignore_errors=True)
    return result


def _watch(proc: subprocess.Popen, stream: _Stream, limits: Limits) -> None:
    run = stream.run
    since = time.monotonic()  # when the current test (or the idle spell) began
    while proc.poll() is None:
        if stream.poll():
            since = time.monotonic()
        now = time.monotonic()
        reason = ""
        rss = tree_rss_mb(proc.pid)
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
    # Leftovers (a child the tests forked) go with the group and the process tree.
    _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:  # once reaped, its pid may belong to someone else
        for pid in descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_all(
    tree: Path,
    exercises: list[str],
    limits: Limits,
    *,
    jobs: int = 1,
    seed: int | None = None,
    sandbox: Sandbox | None = None,
) -> dict[str, Run]:
    """One run per exercise, ``jobs`` at a time; exercise -> its Run."""
    sandbox = sandbox or detect()
    out: dict[str, Run] = {}
    lock = threading.Lock()
    todo = list(exercises)

    def worker() -> None:
        while True:
            with lock:
                if not todo:
                    return
                name = todo.pop(0)
            r = run(tree, [name], limits, seed=seed, sandbox=sandbox)
            with lock:
                out[name] = r

    threads = [threading.Thread(target=worker) for _ in range(max(1, min(jobs, len(todo))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {n: out[n] for n in exercises}
